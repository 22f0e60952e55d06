#include "auditlogmodel.h"

#include <QLocale>
#include <QSet>

namespace fwd::models {

AuditLogModel::AuditLogModel(store::AuditLog &log, QObject *parent)
    : QAbstractTableModel(parent)
    , m_log(log)
{
    connect(&m_log, &store::AuditLog::recorded, this, &AuditLogModel::onRecorded);
}

void AuditLogModel::setQuery(const store::AuditQuery &query)
{
    m_query = query;
    reload();
}

void AuditLogModel::reload()
{
    ++m_generation;
    if (!m_rows.isEmpty()) {
        beginRemoveRows({}, 0, int(m_rows.size()) - 1);
        m_rows.clear();
        endRemoveRows();
    }
    m_atEnd = false;
    loadPage(0, m_generation);
}

void AuditLogModel::loadPage(int offset, quint64 generation)
{
    store::AuditQuery q = m_query;
    q.offset = offset;
    q.limit = PageSize;
    m_loading = true;
    Q_EMIT loadingChanged(true);
    m_log.query(q).then(this, [this, generation](const store::AuditLog::Page &page) {
        if (generation != m_generation)
            return; // the filter changed meanwhile
        m_error = page.error;
        if (page.error.isEmpty()) {
            // Entries recorded while the page was loading are already at the top.
            QSet<qint64> known;
            for (const auto &r : std::as_const(m_rows))
                known.insert(r.id);
            QList<store::AuditEntry> fresh;
            for (const auto &e : page.entries) {
                if (!known.contains(e.id))
                    fresh.append(e);
            }
            // Still "loading" while rows go in: views (and the model tester) may ask
            // canFetchMore() from inside the insertion, and must not start a second page.
            if (!fresh.isEmpty()) {
                const int first = int(m_rows.size());
                beginInsertRows({}, first, first + int(fresh.size()) - 1);
                m_rows.append(fresh);
                endInsertRows();
            }
        }
        m_atEnd = !page.error.isEmpty() || page.entries.size() < PageSize;
        m_loading = false;
        if (!page.error.isEmpty())
            Q_EMIT errorOccurred(page.error);
        Q_EMIT loadingChanged(false);
    });
}

bool AuditLogModel::matches(const store::AuditEntry &e) const
{
    const auto &q = m_query;
    if (q.since.isValid() && e.at < q.since)
        return false;
    if (q.until.isValid() && e.at >= q.until)
        return false;
    if (!q.action.isEmpty()) {
        if (q.action.endsWith(QLatin1Char('.')) ? !e.action.startsWith(q.action)
                                                : e.action != q.action)
            return false;
    }
    if (!q.text.isEmpty()) {
        const auto cs = Qt::CaseInsensitive;
        if (!e.object.contains(q.text, cs) && !e.details.contains(q.text, cs) &&
            !e.operatorName.contains(q.text, cs))
            return false;
    }
    return true;
}

void AuditLogModel::onRecorded(const store::AuditEntry &entry)
{
    if (!matches(entry))
        return;
    beginInsertRows({}, 0, 0);
    m_rows.prepend(entry);
    endInsertRows();
}

int AuditLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int AuditLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AuditLogModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const store::AuditEntry &e = m_rows.at(index.row());
    if (role == EntryIdRole)
        return e.id;
    if (role == Qt::DisplayRole || role == SortRole || role == Qt::ToolTipRole) {
        switch (Column(index.column())) {
        case Time:
            if (role == SortRole)
                return e.at.toMSecsSinceEpoch();
            return QLocale().toString(e.at.toLocalTime(), QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        case Operator:
            return e.operatorName;
        case Host:
            return e.host;
        case Action:
            return e.action;
        case Object:
            return e.object;
        case Details:
            return e.details;
        case ColumnCount:
            break;
        }
    }
    return {};
}

QVariant AuditLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case Time:
        return tr("Time");
    case Operator:
        return tr("Operator");
    case Host:
        return tr("Workstation");
    case Action:
        return tr("Action");
    case Object:
        return tr("Object");
    case Details:
        return tr("Details");
    case ColumnCount:
        break;
    }
    return {};
}

bool AuditLogModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && !m_atEnd && !m_loading;
}

void AuditLogModel::fetchMore(const QModelIndex &parent)
{
    if (canFetchMore(parent))
        loadPage(int(m_rows.size()), m_generation);
}

} // namespace fwd::models
