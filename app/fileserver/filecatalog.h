#pragma once

#include "publishedfile.h"

#include <QByteArray>
#include <QHash>
#include <QMutex>
#include <QReadWriteLock>

#include <QDateTime>

#include <atomic>
#include <memory>
#include <optional>

namespace fwd::fileserver {

// Counters of one published name, updated by the workers without a lock. Each worker adds to
// its own shard (a cache line of its own), so that workers serving the same file do not take
// the line from each other on every request; snapshot() adds the shards up.
struct AtomicFileCounters
{
    // worker: the worker's index (any number; shards are shared beyond kShards workers).
    void add(const FileCounters &delta, int worker = 0);
    FileCounters snapshot() const;

private:
    static constexpr int kShards = 8;
    struct alignas(64) Shard
    {
        std::atomic<qint64> requests{0};
        std::atomic<qint64> bytesSent{0};
        std::atomic<qint64> completed{0};
        std::atomic<qint64> brokenOff{0};
        std::atomic<qint64> notModified{0};
        std::atomic<qint64> denied{0};
    };
    Shard m_shards[kShards];
};

// A published file with what every response needs precomputed (immutable once built).
struct CatalogEntry
{
    PublishedFile file;
    QByteArray encodedPath;      // for open()
    QByteArray etag;             // quoted, strong
    QDateTime lastModified;      // whole seconds, UTC
    QByteArray validatorHeaders; // "ETag: ...\r\nLast-Modified: ...\r\n"
    QByteArray contentType;
    std::shared_ptr<AtomicFileCounters> counters;
};

// What is published, under which credentials, and the per-file counters (internal to the
// server, thread-safe: the library publishes from its thread, workers look up from theirs).
class FileCatalog final
{
public:
    FileCatalog() = default;
    Q_DISABLE_COPY_MOVE(FileCatalog)

    // Completes size and mtime from the file system when not given. Empty string when published,
    // else the reason.
    QString publish(PublishedFile file);
    bool unpublish(const QString &name);
    std::shared_ptr<const CatalogEntry> find(const QString &name) const;
    QList<PublishedFile> files() const;

    void setCredentials(const QString &setName, const QString &user, const QString &password);
    void removeCredentials(const QString &setName);
    enum class AuthResult { Allowed, Denied };
    // A file without a credential set is open to all; a set that has no credentials denies all.
    AuthResult authorize(const PublishedFile &file, const QByteArray &authorizationHeader,
                         QString *user) const;

    // Counters (keyed by published name, kept after unpublish).
    FileCounters counters(const QString &name) const;
    QHash<QString, FileCounters> allCounters() const;

private:
    struct Credentials
    {
        QString user;
        QByteArray passwordHash; // SHA-256 of salt + password
        QByteArray salt;
    };

    mutable QReadWriteLock m_lock;
    QHash<QString, std::shared_ptr<const CatalogEntry>> m_files;
    QHash<QString, Credentials> m_credentials;

    mutable QMutex m_countersMutex;
    QHash<QString, std::shared_ptr<AtomicFileCounters>> m_counters;
};

} // namespace fwd::fileserver
