#pragma once

#include "accesslog.h"
#include "fileserverconfig.h"

#include <QByteArray>
#include <QString>

#include <atomic>
#include <memory>
#include <thread>
#include <unordered_map>
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
struct CatalogEntry;

// A published file held open by a worker for the requests of its connections (internal).
struct OpenFile
{
    std::shared_ptr<const CatalogEntry> entry;
    int fd = -1;
    int users = 0;       // connections sending from it now
    bool cached = false; // still in the worker's cache (else closed by the last user)
    qint64 openedMs = 0; // monotonic; reopened by path after a while
    qint64 mtimeNs = 0;  // what fstat said when opened
};

// What all workers share while the server runs (internal). Immutable after start except for
// the atomics, which change once per connection (not per request).
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

    // Open connections per worker, for balancing the accepts (each on a cache line of its own;
    // written by its worker once per connection, read by the others once per loop turn).
    struct alignas(64) WorkerLoad
    {
        std::atomic<int> connections{0};
        // Set while the worker stays off the listener because it is ahead of the others; a
        // worker that accepts wakes it through wakeFd (its eventfd) once it may accept again.
        std::atomic<bool> waitingForOthers{false};
        std::atomic<int> wakeFd{-1};
    };
    std::unique_ptr<WorkerLoad[]> loads;
    int workerCount = 0;
};

// Counters a worker changes per request, on a cache line of its own so that the workers do not
// contend for it; FileServer::stats() adds them up.
struct alignas(64) WorkerCounters
{
    std::atomic<qint64> requests{0};
    std::atomic<qint64> buffered{0};

    // Only the worker's own thread writes: no locked read-modify-write needed.
    static void add(std::atomic<qint64> &counter, qint64 delta)
    {
        counter.store(counter.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
    }
};

// One thread's share of the connections (internal): an epoll loop (level-triggered, O(ready)
// per wake-up, so thousands of idle keep-alive connections cost nothing per request) that
// accepts from the shared listening socket, serves its connections, runs their timeouts and the
// bandwidth-cap wake-ups. Not a Qt event loop: no QObject or socket notifier per connection, and
// nothing runs in the thread that owns the FileServer.
//
// Every worker watches the one non-blocking listening socket with EPOLLEXCLUSIVE: the kernel
// wakes one idle worker per incoming connection (no thundering herd), and a worker accepts one
// connection per wake-up so that a burst spreads over the workers. A worker holding more
// connections than the least busy one plus kAcceptSlack stops watching the listener until the
// others catch up (keep-alive clients such as wrk's stay on the worker that accepted them, so an
// uneven start would last); the worker whose accept lets it catch up wakes it at once, so that
// in a burst of TLS handshakes no worker sits idle while another has a queue. Out of file
// descriptors, a worker stops watching the listener for a moment and tries again.
class Worker final
{
public:
    Worker(std::shared_ptr<ServerShared> shared, int index, int listenFd);
    ~Worker();
    Q_DISABLE_COPY_MOVE(Worker)

    // Creates the epoll and wake-up descriptors, watches the listener and starts the thread.
    bool start(QString *error);
    // Any thread: stops accepting, closes every connection (in-flight downloads are logged as
    // broken off) and joins the thread.
    void stop();
    const WorkerCounters &counters() const { return m_counters; }

    // For connections, in the worker thread.
    bool watch(Connection *connection, int fd);
    void setInterest(int fd, Connection *connection, bool read, bool write);
    void release(Connection *connection);
    void throttle(Connection *connection);
    ServerShared &shared() { return *m_shared; }
    WorkerCounters &counters() { return m_counters; }
    int index() const { return m_index; }
    // The Date header value, formatted once per second.
    const QByteArray &httpDate(qint64 nowMs);
    // The published file of `entry`, open for reading and checked against the published size
    // (fstat on every call; unlinked or changed files are reopened by path). Null with errno
    // set when it cannot be opened (EMFILE...), or with *changed when it no longer matches.
    OpenFile *acquireFile(const std::shared_ptr<const CatalogEntry> &entry, qint64 nowMs,
                          bool *changed);
    void releaseFile(OpenFile *file);
    // Queues an access-log record; the worker hands its records to the sink in one batch at the
    // end of each turn of its loop (one lock per turn instead of one per request).
    void log(AccessRecord &&record);
    char *scratch() { return m_scratch.data(); }
    // Where response heads are put together (keeps its capacity between responses).
    QByteArray &headBuffer() { return m_headBuffer; }
    // "Keep-Alive: timeout=N\r\n"
    const QByteArray &keepAliveHeader() const { return m_keepAliveHeader; }
    qsizetype scratchSize() const { return qsizetype(m_scratch.size()); }

private:
    void run();
    void acceptOne(qint64 now);
    bool watchListener(bool on);
    // Watches the listener when this worker may accept now (not paused, not ahead of the others).
    void updateListening(qint64 now);
    void setConnectionCount();
    void wakeWorkersThatMayAccept(int mine);
    void sweep(qint64 now);
    void closeAll();
    void dropFile(OpenFile *file);
    void flushLog();

    std::shared_ptr<ServerShared> m_shared;
    WorkerCounters m_counters;
    int m_index;
    int m_listenFd;
    bool m_listening = false;    // the listener is in this worker's epoll set
    qint64 m_acceptResumeMs = 0; // when accepting paused after EMFILE: when to try again
    int m_epoll = -1;
    int m_wake = -1;
    std::thread m_thread;
    std::atomic<bool> m_stopping{false};

    std::unordered_set<Connection *> m_connections;
    std::vector<Connection *> m_graveyard; // deleted after the events of one wake-up
    std::vector<Connection *> m_throttled;
    std::vector<char> m_scratch;
    // Published files kept open between requests (saves open() and close() per request),
    // at most kMaxOpenFiles per worker.
    std::unordered_map<const CatalogEntry *, OpenFile *> m_files;
    int m_sweepIntervalMs = 1000;
    qint64 m_dateSecond = -1;
    QByteArray m_date;
    QByteArray m_headBuffer;
    QList<AccessRecord> m_logBatch;
    QByteArray m_keepAliveHeader;
};

// Creates the non-blocking listening socket all workers accept from (internal): IPv4 or IPv6
// by the address; QHostAddress::Any is dual-stack. Returns the descriptor, or -1 with *error.
int createListeningSocket(const QHostAddress &address, quint16 port, int backlog,
                          quint16 *boundPort, QString *error);

} // namespace fwd::fileserver
