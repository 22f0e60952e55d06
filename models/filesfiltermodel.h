#pragma once

#include "firmware/filetype.h"

#include <QSortFilterProxyModel>

#include <optional>

namespace fwd::models {

// The Files screen's filters (type, OUI, text) and sorting on FilesModel's raw values.
class FilesFilterModel final : public QSortFilterProxyModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FilesFilterModel)

public:
    explicit FilesFilterModel(QObject *parent = nullptr);

    // std::nullopt: all types.
    void setFileType(std::optional<firmware::FileType> type);
    // Empty: all vendors; compared without regard to case.
    void setOui(const QString &oui);
    // Case-insensitive substring of any column.
    void setText(const QString &text);

    std::optional<firmware::FileType> fileType() const { return m_type; }
    QString oui() const { return m_oui; }
    QString text() const { return m_text; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;

private:
    std::optional<firmware::FileType> m_type;
    QString m_oui;
    QString m_text;
};

} // namespace fwd::models
