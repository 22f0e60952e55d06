#pragma once

#include "firmware/filerecord.h"

#include <QAbstractTableModel>

namespace fwd::firmware {
class FileLibrary;
}

namespace fwd::models {

// The file library for the Files screen (issue 6 §4): the guide's columns (name, type, OUI,
// product class, version, size) plus SHA-256, where published and the batches that use the
// file. Follows the library's signals row by row; a reset only when the library (re)loads.
class FilesModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FilesModel)

public:
    enum Column {
        Name,
        Type,
        Oui,
        ProductClass,
        Version,
        Size,
        Sha256,
        Published,
        UsedBy,
        ColumnCount
    };
    enum Role {
        SortRole = Qt::UserRole + 1, // raw value: size as qint64, type as int, text otherwise
        IdRole,                      // the record's id
        FileTypeRole,                // firmware::FileType as int
        OuiRole,                     // the record's OUI as stored
        SearchTextRole,              // every column's text, for the search box
    };

    explicit FilesModel(firmware::FileLibrary &library, QObject *parent = nullptr);

    firmware::FileLibrary &library() const { return m_library; }
    // The record of a row, or nullptr.
    const firmware::FileRecord *recordAt(int row) const;
    int rowOf(qint64 id) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    // "1.39 KB" style sizes as the guide shows them (binary units).
    static QString formatSize(qint64 bytes);
    static QString publishedText(const firmware::FileRecord &record);

private:
    void reload();
    void onAdded(const firmware::FileRecord &record);
    void onChanged(const firmware::FileRecord &record);
    void onRemoved(qint64 id);
    QString displayText(const firmware::FileRecord &record, int column) const;

    firmware::FileLibrary &m_library;
    QList<firmware::FileRecord> m_rows;
};

} // namespace fwd::models
