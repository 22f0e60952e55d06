#include "auditlog.h"

#include "core/clock.h"
#include "core/logging.h"
#include "store/sqlvalues.h"
#include "store/store.h"

#include <QCoreApplication>
#include <QSqlError>
#include <QSqlQuery>

namespace fwd::store {

namespace {
// Builds the WHERE clause of a query; values are bound, never spliced.
QString whereClause(const AuditQuery &q)
{
    QStringList terms;
    if (q.since.isValid())
        terms << QStringLiteral("at_ms >= :since");
    if (q.until.isValid())
        terms << QStringLiteral("at_ms < :until");
    if (!q.action.isEmpty()) {
        terms << (q.action.endsWith(QLatin1Char('.'))
                      ? QStringLiteral("action LIKE :action ESCAPE '\\'")
                      : QStringLiteral("action = :action"));
    }
    if (!q.text.isEmpty()) {
        terms << QStringLiteral("(LOWER(object) LIKE :text ESCAPE '\\' "
                                "OR LOWER(details) LIKE :text2 ESCAPE '\\' "
                                "OR LOWER(operator) LIKE :text3 ESCAPE '\\')");
    }
    return terms.isEmpty() ? QString()
                           : QStringLiteral(" WHERE ") + terms.join(QLatin1String(" AND "));
}

QString likeEscaped(QString s)
{
    // LIKE wildcards typed by the engineer are literal characters.
    s.replace(QLatin1Char('\\'), QLatin1String("\\\\"));
    s.replace(QLatin1Char('%'), QLatin1String("\\%"));
    s.replace(QLatin1Char('_'), QLatin1String("\\_"));
    return s;
}

void bindQuery(QSqlQuery &sql, const AuditQuery &q)
{
    if (q.since.isValid())
        sql.bindValue(QStringLiteral(":since"), q.since.toMSecsSinceEpoch());
    if (q.until.isValid())
        sql.bindValue(QStringLiteral(":until"), q.until.toMSecsSinceEpoch());
    if (!q.action.isEmpty()) {
        sql.bindValue(QStringLiteral(":action"), q.action.endsWith(QLatin1Char('.'))
                                                     ? likeEscaped(q.action) + QLatin1Char('%')
                                                     : q.action);
    }
    if (!q.text.isEmpty()) {
        const QString pattern = QLatin1Char('%') + likeEscaped(q.text.toLower()) + QLatin1Char('%');
        sql.bindValue(QStringLiteral(":text"), pattern);
        sql.bindValue(QStringLiteral(":text2"), pattern);
        sql.bindValue(QStringLiteral(":text3"), pattern);
    }
}

QString notOpen()
{
    return QCoreApplication::translate("fwd::store::AuditLog", "The database is not open.");
}
} // namespace

bool AuditLogRepository::append(QSqlDatabase &db, AuditEntry &e, QString *error)
{
    if (!db.isOpen()) {
        *error = notOpen();
        return false;
    }
    QSqlQuery q(db);
    const bool pg = db.driverName() == QLatin1String("QPSQL");
    q.prepare(
        QStringLiteral("INSERT INTO audit_log (at_ms, operator, host, action, object, details) "
                       "VALUES (:at, :op, :host, :action, :object, :details)") +
        (pg ? QStringLiteral(" RETURNING id") : QString()));
    q.bindValue(QStringLiteral(":at"), e.at.toMSecsSinceEpoch());
    q.bindValue(QStringLiteral(":op"), nonNull(e.operatorName));
    q.bindValue(QStringLiteral(":host"), nonNull(e.host));
    q.bindValue(QStringLiteral(":action"), nonNull(e.action));
    q.bindValue(QStringLiteral(":object"), nonNull(e.object));
    q.bindValue(QStringLiteral(":details"), nonNull(e.details));
    if (!q.exec()) {
        *error = q.lastError().text();
        return false;
    }
    e.id = pg ? (q.next() ? q.value(0).toLongLong() : 0) : q.lastInsertId().toLongLong();
    return true;
}

QList<AuditEntry> AuditLogRepository::list(QSqlDatabase &db, const AuditQuery &query,
                                           QString *error)
{
    QList<AuditEntry> out;
    if (!db.isOpen()) {
        *error = notOpen();
        return out;
    }
    const QString where = whereClause(query);
    QSqlQuery q(db);
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT id, at_ms, operator, host, action, object, details "
                             "FROM audit_log") +
              where + QStringLiteral(" ORDER BY at_ms DESC, id DESC LIMIT :limit OFFSET :offset"));
    bindQuery(q, query);
    q.bindValue(QStringLiteral(":limit"), qMax(0, query.limit));
    q.bindValue(QStringLiteral(":offset"), qMax(0, query.offset));
    if (!q.exec()) {
        *error = q.lastError().text();
        return out;
    }
    while (q.next()) {
        AuditEntry e;
        e.id = q.value(0).toLongLong();
        e.at = QDateTime::fromMSecsSinceEpoch(q.value(1).toLongLong(), Qt::UTC);
        e.operatorName = q.value(2).toString();
        e.host = q.value(3).toString();
        e.action = q.value(4).toString();
        e.object = q.value(5).toString();
        e.details = q.value(6).toString();
        out.append(e);
    }
    return out;
}

qint64 AuditLogRepository::count(QSqlDatabase &db, const AuditQuery &query, QString *error)
{
    if (!db.isOpen()) {
        *error = notOpen();
        return -1;
    }
    QSqlQuery q(db);
    q.prepare(QStringLiteral("SELECT COUNT(*) FROM audit_log") + whereClause(query));
    bindQuery(q, query);
    if (!q.exec() || !q.next()) {
        *error = q.lastError().text();
        return -1;
    }
    return q.value(0).toLongLong();
}

AuditLog::AuditLog(Store &store, const Clock &clock, QString operatorName, QString host,
                   QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_clock(clock)
    , m_operator(std::move(operatorName))
    , m_host(std::move(host))
{
    qRegisterMetaType<fwd::store::AuditEntry>();
}

void AuditLog::record(const QString &action, const QString &object, const QString &details)
{
    AuditEntry entry;
    entry.at = m_clock.now().toUTC();
    entry.operatorName = m_operator;
    entry.host = m_host;
    entry.action = action;
    entry.object = object;
    entry.details = details;
    m_store
        .run([entry](QSqlDatabase &db) mutable {
            QString error;
            const bool ok = AuditLogRepository::append(db, entry, &error);
            return std::make_pair(ok ? entry : AuditEntry{}, error);
        })
        .then(this, [this, action](const std::pair<AuditEntry, QString> &r) {
            if (r.second.isEmpty()) {
                Q_EMIT recorded(r.first);
            } else {
                qCWarning(lcStore) << "audit log write failed:" << action << r.second;
                Q_EMIT failed(r.second);
            }
        });
}

QFuture<AuditLog::Page> AuditLog::query(const AuditQuery &query)
{
    return m_store.run([query](QSqlDatabase &db) {
        Page page;
        page.entries = AuditLogRepository::list(db, query, &page.error);
        return page;
    });
}

} // namespace fwd::store
