#pragma once

#include <QDateTime>
#include <QList>
#include <QSqlDatabase>
#include <QString>

namespace fwd::store {

// One request to the built-in file server (its access log, kept in the store so that a batch
// can show which routers fetched their files and where downloads broke off).
struct FileAccessEntry
{
    qint64 id = 0;
    QDateTime at; // UTC
    QString clientAddress;
    int clientPort = 0;
    QString method;
    QString file;
    QString range; // "bytes 0-1023/4096"; empty for a full body
    int status = 0;
    qint64 bytesSent = 0;
    qint64 bytesExpected = 0;
    qint64 durationMs = 0;
    bool completed = false;
    QString user;
    QString userAgent;
};

struct FileAccessQuery
{
    QString file;          // exact published name; empty = all
    QString clientAddress; // exact; empty = all
    QDateTime since;       // inclusive; invalid = no bound
    int limit = 1000;
};

// Per published file: what the routers did with it.
struct FileAccessSummary
{
    QString file;
    qint64 requests = 0;
    qint64 completed = 0; // bodies sent in full (200/206)
    qint64 brokenOff = 0; // bodies that stopped before the end
    qint64 bytesSent = 0;
    qint64 clients = 0; // distinct client addresses
    QDateTime lastAccess;
};

namespace FileAccessRepository {
// Writes a batch in one transaction.
bool appendBatch(QSqlDatabase &db, const QList<FileAccessEntry> &entries, QString *error);
// Newest first.
QList<FileAccessEntry> list(QSqlDatabase &db, const FileAccessQuery &query, QString *error);
QList<FileAccessSummary> summaries(QSqlDatabase &db, QString *error);
} // namespace FileAccessRepository

} // namespace fwd::store
