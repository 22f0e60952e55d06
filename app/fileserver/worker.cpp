#include "worker.h"

#include "connection.h"
#include "fileserverlogging.h"

#include <QHostAddress>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

namespace fwd::fileserver {

namespace {

qint64 monotonicMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

} // namespace

Worker::Worker(std::shared_ptr<ServerShared> shared)
    : m_shared(std::move(shared))
{}

Worker::~Worker()
{
    shutdown();
}

void Worker::init()
{
    const FileServerConfig &c = m_shared->config;
    const int shortest = qMin(qMin(c.headerTimeoutMs, c.keepAliveTimeoutMs), c.sendStallTimeoutMs);
    m_sweepTimer = new QTimer(this);
    m_sweepTimer->setInterval(qBound(20, shortest / 4, 1000));
    connect(m_sweepTimer, &QTimer::timeout, this, &Worker::sweep);
    m_sweepTimer->start();
    m_throttleTimer = new QTimer(this);
    m_throttleTimer->setSingleShot(true);
    m_throttleTimer->setInterval(10);
    connect(m_throttleTimer, &QTimer::timeout, this, &Worker::unthrottle);
    // One buffer per thread for reading request bytes.
    m_scratch.resize(16 * 1024);
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

void Worker::shutdown()
{
    const QSet<Connection *> all = std::exchange(m_connections, {});
    m_throttled.clear();
    for (Connection *c : all)
        delete c; // logs and closes
    // Timers die in the thread that runs them.
    delete m_sweepTimer;
    m_sweepTimer = nullptr;
    delete m_throttleTimer;
    m_throttleTimer = nullptr;
}

void Worker::release(Connection *connection)
{
    if (m_connections.remove(connection)) {
        m_throttled.removeAll(connection);
        connection->deleteLater();
    }
}

void Worker::throttle(Connection *connection)
{
    if (!m_throttled.contains(connection))
        m_throttled.append(connection);
    if (m_throttleTimer && !m_throttleTimer->isActive())
        m_throttleTimer->start();
}

void Worker::unthrottle()
{
    const QList<Connection *> waiting = std::exchange(m_throttled, {});
    for (Connection *c : waiting) {
        if (m_connections.contains(c))
            c->resume();
    }
}

void Worker::sweep()
{
    const qint64 now = monotonicMs();
    QList<Connection *> expired;
    for (Connection *c : std::as_const(m_connections)) {
        if (c->deadline() <= now)
            expired.append(c);
    }
    for (Connection *c : std::as_const(expired)) {
        if (m_connections.contains(c))
            c->timeOut();
    }
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
