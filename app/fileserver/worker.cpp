#include "worker.h"

#include "connection.h"
#include "fileserverlogging.h"
#include "httpdate.h"

#include "core/clock.h"

#include <QCoreApplication>
#include <QHostAddress>
#include <QTimeZone>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace fwd::fileserver {

namespace {

qint64 monotonicMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// How often throttled downloads are offered bandwidth again.
constexpr int kThrottleMs = 10;

} // namespace

Worker::Worker(std::shared_ptr<ServerShared> shared)
    : m_shared(std::move(shared))
    , m_scratch(16 * 1024)
{
    const FileServerConfig &c = m_shared->config;
    const int shortest = qMin(qMin(c.headerTimeoutMs, c.keepAliveTimeoutMs), c.sendStallTimeoutMs);
    m_sweepIntervalMs = qBound(20, shortest / 4, 1000);
}

Worker::~Worker()
{
    stop();
    if (m_epoll >= 0)
        ::close(m_epoll);
    if (m_wake >= 0)
        ::close(m_wake);
}

bool Worker::start(QString *error)
{
    m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
    m_wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    epoll_event ev = {};
    ev.events = EPOLLIN;
    ev.data.ptr = nullptr; // the wake-up descriptor
    if (m_epoll < 0 || m_wake < 0 || ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_wake, &ev) != 0) {
        *error = QCoreApplication::translate("fwd::fileserver::FileServer",
                                             "Cannot create the event loop of a worker: %1")
                     .arg(QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    m_thread = std::thread([this] { run(); });
    return true;
}

void Worker::post(int fd)
{
    {
        QMutexLocker lock(&m_queueMutex);
        m_queue.push_back(fd);
    }
    const quint64 one = 1;
    [[maybe_unused]] const ssize_t n = ::write(m_wake, &one, sizeof one);
}

void Worker::stop()
{
    if (!m_thread.joinable())
        return;
    m_stopping = true;
    const quint64 one = 1;
    [[maybe_unused]] const ssize_t n = ::write(m_wake, &one, sizeof one);
    m_thread.join();
}

void Worker::run()
{
    std::vector<epoll_event> events(256);
    qint64 nextSweep = monotonicMs() + m_sweepIntervalMs;
    qint64 nextThrottle = 0;
    while (!m_stopping) {
        const qint64 now = monotonicMs();
        qint64 wait = nextSweep - now;
        if (!m_throttled.empty())
            wait = qMin(wait, nextThrottle - now);
        const int n =
            ::epoll_wait(m_epoll, events.data(), int(events.size()), int(qMax<qint64>(0, wait)));
        if (n < 0 && errno != EINTR) {
            qCCritical(lcFileServer) << "epoll_wait failed:" << std::strerror(errno);
            break;
        }
        for (int i = 0; i < n; ++i) {
            auto *c = static_cast<Connection *>(events[size_t(i)].data.ptr);
            if (!c) {
                quint64 count = 0;
                [[maybe_unused]] const ssize_t r = ::read(m_wake, &count, sizeof count);
                adoptQueued();
                continue;
            }
            if (!c->isClosed())
                c->onEvent(events[size_t(i)].events);
        }
        const qint64 after = monotonicMs();
        if (!m_throttled.empty() && after >= nextThrottle) {
            std::vector<Connection *> waiting;
            waiting.swap(m_throttled);
            for (Connection *c : waiting) {
                if (!c->isClosed())
                    c->resume();
            }
            nextThrottle = after + kThrottleMs;
        }
        if (after >= nextSweep) {
            sweep(after);
            nextSweep = after + m_sweepIntervalMs;
        }
        for (Connection *c : m_graveyard)
            delete c;
        m_graveyard.clear();
    }
    closeAll();
}

void Worker::adoptQueued()
{
    std::vector<int> fds;
    {
        QMutexLocker lock(&m_queueMutex);
        fds.swap(m_queue);
    }
    for (int fd : fds)
        adopt(fd);
}

void Worker::adopt(int fd)
{
    const int flags = ::fcntl(fd, F_GETFL);
    ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    sockaddr_storage peer = {};
    socklen_t len = sizeof peer;
    QHostAddress address;
    quint16 port = 0;
    if (::getpeername(fd, reinterpret_cast<sockaddr *>(&peer), &len) == 0) {
        address.setAddress(reinterpret_cast<const sockaddr *>(&peer));
        if (peer.ss_family == AF_INET)
            port = ntohs(reinterpret_cast<const sockaddr_in *>(&peer)->sin_port);
        else if (peer.ss_family == AF_INET6)
            port = ntohs(reinterpret_cast<const sockaddr_in6 *>(&peer)->sin6_port);
    }
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    const QString text = isV4 ? QHostAddress(v4).toString() : address.toString();

    auto *connection = new Connection(this, fd, text, port, monotonicMs());
    m_connections.insert(connection);
    connection->start();
}

bool Worker::watch(Connection *connection, int fd)
{
    epoll_event ev = {};
    ev.events = EPOLLIN;
    ev.data.ptr = connection;
    return ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &ev) == 0;
}

void Worker::setInterest(int fd, Connection *connection, bool read, bool write)
{
    epoll_event ev = {};
    ev.events = (read ? EPOLLIN : 0u) | (write ? EPOLLOUT : 0u);
    ev.data.ptr = connection;
    ::epoll_ctl(m_epoll, EPOLL_CTL_MOD, fd, &ev);
}

const QByteArray &Worker::httpDate()
{
    const qint64 nowMs = m_shared->clock->nowMs();
    const qint64 second = nowMs / 1000;
    if (second != m_dateSecond) {
        m_dateSecond = second;
        m_date = formatHttpDate(QDateTime::fromMSecsSinceEpoch(second * 1000, QTimeZone::utc()));
    }
    return m_date;
}

void Worker::release(Connection *connection)
{
    if (m_connections.erase(connection) > 0)
        m_graveyard.push_back(connection);
}

void Worker::throttle(Connection *connection)
{
    if (std::find(m_throttled.begin(), m_throttled.end(), connection) == m_throttled.end())
        m_throttled.push_back(connection);
}

void Worker::sweep(qint64 now)
{
    std::vector<Connection *> expired;
    for (Connection *c : m_connections) {
        if (c->deadline() <= now)
            expired.push_back(c);
    }
    for (Connection *c : expired) {
        if (!c->isClosed())
            c->timeOut();
    }
}

void Worker::closeAll()
{
    for (Connection *c : m_graveyard)
        delete c;
    m_graveyard.clear();
    m_throttled.clear();
    const std::unordered_set<Connection *> all = std::exchange(m_connections, {});
    for (Connection *c : all)
        delete c; // logs and closes
    // Sockets handed over but never adopted.
    QMutexLocker lock(&m_queueMutex);
    for (int fd : m_queue) {
        ::close(fd);
        --m_shared->open;
    }
    m_queue.clear();
}

Listener::Listener(std::function<void(qintptr)> onSocket, QObject *parent)
    : QTcpServer(parent)
    , m_onSocket(std::move(onSocket))
{}

void Listener::incomingConnection(qintptr socketDescriptor)
{
    m_onSocket(socketDescriptor);
}

} // namespace fwd::fileserver
