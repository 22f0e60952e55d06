#pragma once

#include <QDateTime>
#include <QFuture>
#include <QObject>
#include <QSqlDatabase>

namespace fwd {
class Clock;
}

namespace fwd::store {

class Store;

// One operator action (DESIGN.md, Security): who did what to which object, when, from where.
struct AuditEntry
{
    qint64 id = 0;
    QDateTime at; // UTC
    QString operatorName;
    QString host;
    QString action; // a stable dotted name, e.g. "acs.profile.saved", "batch.created"
    QString object; // what it was done to, e.g. a profile, file or batch name
    QString details;
};

struct AuditQuery
{
    QDateTime since; // inclusive; invalid = no bound
    QDateTime until; // exclusive; invalid = no bound
    QString action;  // exact action, or a prefix ending in '.' ("batch.")
    QString text;    // substring of object, details or operator
    int limit = 1000;
    int offset = 0;
};

// SQL on a connection of the store's thread; errors come back in *error.
namespace AuditLogRepository {
bool append(QSqlDatabase &db, AuditEntry &entry, QString *error);
QList<AuditEntry> list(QSqlDatabase &db, const AuditQuery &query, QString *error);
qint64 count(QSqlDatabase &db, const AuditQuery &query, QString *error);
} // namespace AuditLogRepository

// The audit log service: record() never blocks the caller; recorded() reports each entry once
// it is in the database (the Activity screen inserts it without a reload).
class AuditLog final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AuditLog)

public:
    AuditLog(Store &store, const Clock &clock, QString operatorName, QString host,
             QObject *parent = nullptr);

    void record(const QString &action, const QString &object, const QString &details = {});

    struct Page
    {
        QList<AuditEntry> entries;
        QString error;
    };
    QFuture<Page> query(const AuditQuery &query);
    const QString &operatorName() const { return m_operator; }

Q_SIGNALS:
    void recorded(const fwd::store::AuditEntry &entry);
    void failed(const QString &error);

private:
    Store &m_store;
    const Clock &m_clock;
    QString m_operator;
    QString m_host;
};

} // namespace fwd::store

Q_DECLARE_METATYPE(fwd::store::AuditEntry)
