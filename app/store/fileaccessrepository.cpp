#include "fileaccessrepository.h"

#include "store/sqlvalues.h"

#include <QSqlError>
#include <QSqlQuery>

namespace fwd::store {

bool FileAccessRepository::appendBatch(QSqlDatabase &db, const QList<FileAccessEntry> &entries,
                                       QString *error)
{
    if (entries.isEmpty())
        return true;
    if (!db.transaction()) {
        *error = db.lastError().text();
        return false;
    }
    QSqlQuery q(db);
    q.prepare(QStringLiteral(
        "INSERT INTO file_access_log (at_ms, client_address, client_port, method, file, "
        "byte_range, status, bytes_sent, bytes_expected, duration_ms, completed, user_name, "
        "user_agent) VALUES (:at, :addr, :port, :method, :file, :range, :status, :sent, "
        ":expected, :duration, :completed, :user, :agent)"));
    for (const FileAccessEntry &e : entries) {
        q.bindValue(QStringLiteral(":at"), e.at.toMSecsSinceEpoch());
        q.bindValue(QStringLiteral(":addr"), nonNull(e.clientAddress));
        q.bindValue(QStringLiteral(":port"), e.clientPort);
        q.bindValue(QStringLiteral(":method"), nonNull(e.method));
        q.bindValue(QStringLiteral(":file"), nonNull(e.file));
        q.bindValue(QStringLiteral(":range"), nonNull(e.range));
        q.bindValue(QStringLiteral(":status"), e.status);
        q.bindValue(QStringLiteral(":sent"), e.bytesSent);
        q.bindValue(QStringLiteral(":expected"), e.bytesExpected);
        q.bindValue(QStringLiteral(":duration"), e.durationMs);
        q.bindValue(QStringLiteral(":completed"), e.completed ? 1 : 0);
        q.bindValue(QStringLiteral(":user"), nonNull(e.user));
        q.bindValue(QStringLiteral(":agent"), nonNull(e.userAgent));
        if (!q.exec()) {
            *error = q.lastError().text();
            db.rollback();
            return false;
        }
    }
    if (!db.commit()) {
        *error = db.lastError().text();
        db.rollback();
        return false;
    }
    return true;
}

QList<FileAccessEntry> FileAccessRepository::list(QSqlDatabase &db, const FileAccessQuery &query,
                                                  QString *error)
{
    QStringList where;
    if (!query.file.isEmpty())
        where << QStringLiteral("file = :file");
    if (!query.clientAddress.isEmpty())
        where << QStringLiteral("client_address = :addr");
    if (query.since.isValid())
        where << QStringLiteral("at_ms >= :since");
    QSqlQuery q(db);
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT id, at_ms, client_address, client_port, method, file, "
                             "byte_range, status, bytes_sent, bytes_expected, duration_ms, "
                             "completed, user_name, user_agent FROM file_access_log") +
              (where.isEmpty() ? QString()
                               : QStringLiteral(" WHERE ") + where.join(QLatin1String(" AND "))) +
              QStringLiteral(" ORDER BY at_ms DESC, id DESC LIMIT :limit"));
    if (!query.file.isEmpty())
        q.bindValue(QStringLiteral(":file"), query.file);
    if (!query.clientAddress.isEmpty())
        q.bindValue(QStringLiteral(":addr"), query.clientAddress);
    if (query.since.isValid())
        q.bindValue(QStringLiteral(":since"), query.since.toMSecsSinceEpoch());
    q.bindValue(QStringLiteral(":limit"), qMax(0, query.limit));
    QList<FileAccessEntry> out;
    if (!q.exec()) {
        *error = q.lastError().text();
        return out;
    }
    while (q.next()) {
        FileAccessEntry e;
        e.id = q.value(0).toLongLong();
        e.at = QDateTime::fromMSecsSinceEpoch(q.value(1).toLongLong(), Qt::UTC);
        e.clientAddress = q.value(2).toString();
        e.clientPort = q.value(3).toInt();
        e.method = q.value(4).toString();
        e.file = q.value(5).toString();
        e.range = q.value(6).toString();
        e.status = q.value(7).toInt();
        e.bytesSent = q.value(8).toLongLong();
        e.bytesExpected = q.value(9).toLongLong();
        e.durationMs = q.value(10).toLongLong();
        e.completed = q.value(11).toInt() != 0;
        e.user = q.value(12).toString();
        e.userAgent = q.value(13).toString();
        out.append(e);
    }
    return out;
}

QList<FileAccessSummary> FileAccessRepository::summaries(QSqlDatabase &db, QString *error)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    QList<FileAccessSummary> out;
    if (!q.exec(QStringLiteral(
            "SELECT file, COUNT(*), "
            "SUM(CASE WHEN completed = 1 AND method = 'GET' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN completed = 0 AND method = 'GET' AND status IN (200, 206) "
            "THEN 1 ELSE 0 END), "
            "SUM(bytes_sent), COUNT(DISTINCT client_address), MAX(at_ms) "
            "FROM file_access_log GROUP BY file ORDER BY file"))) {
        *error = q.lastError().text();
        return out;
    }
    while (q.next()) {
        FileAccessSummary s;
        s.file = q.value(0).toString();
        s.requests = q.value(1).toLongLong();
        s.completed = q.value(2).toLongLong();
        s.brokenOff = q.value(3).toLongLong();
        s.bytesSent = q.value(4).toLongLong();
        s.clients = q.value(5).toLongLong();
        s.lastAccess = QDateTime::fromMSecsSinceEpoch(q.value(6).toLongLong(), Qt::UTC);
        out.append(s);
    }
    return out;
}

} // namespace fwd::store
