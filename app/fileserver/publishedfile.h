#pragma once

#include <QDateTime>
#include <QList>
#include <QString>

namespace fwd::fileserver {

// A file the library publishes. name is the URL path below the base URL ("routeros-6.48.4.npk"
// or "batch-12/upgrade.xml"); absolutePath is where it is on disk.
struct PublishedFile
{
    QString name;
    QString absolutePath;
    // -1 / invalid: taken from the file system at publish time.
    qint64 size = -1;
    QDateTime lastModified;
    // Entity tag without quotes, e.g. the SHA-256 hex when known; empty: derived from size+mtime.
    QString etag;
    // Name of the credential set (HTTP Basic) that protects this file; empty: no credentials.
    QString credentialSet;
};

// Per-file counters since the server was created.
struct FileCounters
{
    qint64 requests = 0;
    qint64 bytesSent = 0;   // body bytes handed to the network
    qint64 completed = 0;   // 200/206 responses whose body was sent in full
    qint64 brokenOff = 0;   // 200/206 responses that ended before the body was complete
    qint64 notModified = 0; // 304 answers
    qint64 denied = 0;      // 401 answers

    bool operator==(const FileCounters &) const = default;
};

// Server-wide figures.
struct ServerStats
{
    qint64 acceptedConnections = 0;
    qint64 refusedConnections = 0; // over the connection limit
    qint64 handshakeFailures = 0;
    qint64 timedOut = 0; // header, keep-alive or stall timeouts
    qint64 openConnections = 0;
    qint64 requests = 0;
    // Bytes held in per-connection response buffers right now (bounded-memory checks).
    qint64 bufferedBytes = 0;
    // Open connections of each worker thread (how evenly accepting spreads them).
    QList<qint64> openPerWorker;
};

} // namespace fwd::fileserver
