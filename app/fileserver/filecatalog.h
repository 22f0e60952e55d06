#pragma once

#include "publishedfile.h"

#include <QByteArray>
#include <QHash>
#include <QMutex>
#include <QReadWriteLock>

#include <optional>

namespace fwd::fileserver {

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
    std::optional<PublishedFile> find(const QString &name) const;
    QList<PublishedFile> files() const;

    void setCredentials(const QString &setName, const QString &user, const QString &password);
    void removeCredentials(const QString &setName);
    enum class AuthResult { Allowed, Denied };
    // A file without a credential set is open to all; a set that has no credentials denies all.
    AuthResult authorize(const PublishedFile &file, const QByteArray &authorizationHeader,
                         QString *user) const;

    // Counters (keyed by published name, kept after unpublish).
    void count(const QString &name, const FileCounters &delta);
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
    QHash<QString, PublishedFile> m_files;
    QHash<QString, Credentials> m_credentials;

    mutable QMutex m_countersMutex;
    QHash<QString, FileCounters> m_counters;
};

} // namespace fwd::fileserver
