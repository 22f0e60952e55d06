#pragma once

#include "fileserverconfig.h"

#include <QByteArray>
#include <QMutex>
#include <QString>
#include <QTcpServer>

#include <atomic>
#include <functional>
#include <memory>
#include <thread>
#include <unordered_set>
#include <vector>

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

// One thread's share of the connections (internal): an epoll loop (level-triggered, O(ready)
// per wake-up, so thousands of idle keep-alive connections cost nothing per request), the
// connections' timeouts and the bandwidth-cap wake-ups. Not a Qt event loop: no QObject or
// socket notifier per connection.
class Worker final
{
public:
    explicit Worker(std::shared_ptr<ServerShared> shared);
    ~Worker();
    Q_DISABLE_COPY_MOVE(Worker)

    // Creates the epoll and wake-up descriptors and starts the thread.
    bool start(QString *error);
    // Any thread: hands over an accepted socket.
    void post(int fd);
    // Any thread: closes every connection (in-flight downloads are logged as broken off) and
    // joins the thread.
    void stop();

    // For connections, in the worker thread.
    bool watch(Connection *connection, int fd);
    void setInterest(int fd, Connection *connection, bool read, bool write);
    void release(Connection *connection);
    void throttle(Connection *connection);
    ServerShared &shared() { return *m_shared; }
    // The Date header value, formatted once per second.
    const QByteArray &httpDate();
    char *scratch() { return m_scratch.data(); }
    qsizetype scratchSize() const { return qsizetype(m_scratch.size()); }

private:
    void run();
    void adoptQueued();
    void adopt(int fd);
    void sweep(qint64 now);
    void closeAll();

    std::shared_ptr<ServerShared> m_shared;
    int m_epoll = -1;
    int m_wake = -1;
    std::thread m_thread;
    std::atomic<bool> m_stopping{false};
    QMutex m_queueMutex;
    std::vector<int> m_queue;

    std::unordered_set<Connection *> m_connections;
    std::vector<Connection *> m_graveyard; // deleted after the events of one wake-up
    std::vector<Connection *> m_throttled;
    std::vector<char> m_scratch;
    int m_sweepIntervalMs = 1000;
    qint64 m_dateSecond = -1;
    QByteArray m_date;
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
