#pragma once

#include "store/auditlog.h"

#include <QAbstractTableModel>

namespace fwd::models {

// The audit log, newest first: loaded in pages from the store and kept current by the
// AuditLog::recorded signal (rows are inserted at the top, never a reset).
class AuditLogModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AuditLogModel)

public:
    enum Column { Time, Operator, Host, Action, Object, Details, ColumnCount };
    enum Role { SortRole = Qt::UserRole + 1, EntryIdRole };

    explicit AuditLogModel(store::AuditLog &log, QObject *parent = nullptr);

    // Replaces the filter and loads the first page.
    void setQuery(const store::AuditQuery &query);
    const store::AuditQuery &query() const { return m_query; }
    void reload();
    bool isLoading() const { return m_loading; }
    QString lastError() const { return m_error; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

    static constexpr int PageSize = 500;

Q_SIGNALS:
    void loadingChanged(bool loading);
    void errorOccurred(const QString &error);

private:
    void loadPage(int offset, quint64 generation);
    void onRecorded(const store::AuditEntry &entry);
    bool matches(const store::AuditEntry &entry) const;

    store::AuditLog &m_log;
    store::AuditQuery m_query;
    QList<store::AuditEntry> m_rows;
    bool m_loading = false;
    bool m_atEnd = false;
    quint64 m_generation = 0; // drops pages of an older filter
    QString m_error;
};

} // namespace fwd::models
