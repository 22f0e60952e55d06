#pragma once

#include "fileserverconfig.h"

#include <QList>
#include <QObject>
#include <QSet>
#include <QTcpServer>
#include <QTimer>

#include <atomic>
#include <functional>
#include <memory>

namespace fwd {
class Clock;
}

namespace fwd::fileserver {

class AccessLogSink;
class BandwidthLimiter;
class Connection;
class FileCatalog;
class TlsContext;

// What the listener and all workers share while the server runs (internal). Immutable after
// start except for the atomics.
struct ServerShared
{
    FileServerConfig config;
    std::shared_ptr<TlsContext> tls; // null: plain HTTP
    FileCatalog *catalog = nullptr;
    AccessLogSink *accessLog = nullptr;
    const Clock *clock = nullptr;
    std::unique_ptr<BandwidthLimiter> limiter; // null: no cap
    int maxConnections = 0;

    std::atomic<qint64> accepted{0};
    std::atomic<qint64> refused{0};
    std::atomic<qint64> handshakeFailures{0};
    std::atomic<qint64> timedOut{0};
    std::atomic<qint64> open{0};
    std::atomic<qint64> requests{0};
    std::atomic<qint64> buffered{0};
};

// One event loop thread's share of the connections (internal). Lives in its own QThread.
class Worker final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Worker)

public:
    explicit Worker(std::shared_ptr<ServerShared> shared);
    ~Worker() override;

    // In the worker thread: starts the timers.
    void init();
    // In the worker thread: takes an accepted socket.
    void adopt(int fd);
    // In the worker thread: closes every connection (in-flight downloads are logged as broken).
    void shutdown();

    // Called by connections.
    void release(Connection *connection);
    void throttle(Connection *connection);
    ServerShared &shared() { return *m_shared; }
    char *scratch() { return m_scratch.data(); }
    qsizetype scratchSize() const { return m_scratch.size(); }

private:
    void sweep();
    void unthrottle();

    std::shared_ptr<ServerShared> m_shared;
    QSet<Connection *> m_connections;
    QList<Connection *> m_throttled;
    QTimer *m_sweepTimer = nullptr;
    QTimer *m_throttleTimer = nullptr;
    QByteArray m_scratch;
};

// Accepts connections and hands each socket to a worker (internal).
class Listener final : public QTcpServer
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Listener)

public:
    explicit Listener(std::function<void(qintptr)> onSocket, QObject *parent = nullptr);

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    std::function<void(qintptr)> m_onSocket;
};

} // namespace fwd::fileserver
