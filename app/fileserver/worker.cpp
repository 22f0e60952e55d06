#include "worker.h"

#include "connection.h"
#include "filecatalog.h"
#include "fileserverlogging.h"
#include "httpdate.h"

#include "core/clock.h"

#include <QCoreApplication>
#include <QHostAddress>
#include <QTimeZone>

#include <net/if.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
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
// How long a worker stops accepting after running out of file descriptors.
constexpr int kAcceptPauseMs = 200;

// Published files a worker keeps open, and how long before one is reopened by its path (an
// unlinked or replaced file is seen at once through fstat's link count; this catches a path
// that now names another file while the old one is still linked elsewhere).
constexpr size_t kMaxOpenFiles = 64;
constexpr qint64 kReopenAfterMs = 1000;

// How many connections a worker may hold beyond the least busy worker and still accept.
constexpr int kAcceptSlack = 2;
// How often a worker that stopped accepting looks again whether it may.
constexpr int kAcceptRecheckMs = 50;

// Tags of the two descriptors in a worker's epoll set that are not connections.
char g_wakeTag;
char g_listenTag;

QString systemError(int error)
{
    return QString::fromLocal8Bit(std::strerror(error));
}

} // namespace

Worker::Worker(std::shared_ptr<ServerShared> shared, int index, int listenFd)
    : m_shared(std::move(shared))
    , m_index(index)
    , m_listenFd(listenFd)
    , m_scratch(16 * 1024)
{
    const FileServerConfig &c = m_shared->config;
    const int shortest = qMin(qMin(c.headerTimeoutMs, c.keepAliveTimeoutMs), c.sendStallTimeoutMs);
    m_sweepIntervalMs = qBound(20, shortest / 4, 1000);
    m_headBuffer.reserve(1024);
    m_keepAliveHeader =
        "Keep-Alive: timeout=" + QByteArray::number(c.keepAliveTimeoutMs / 1000) + "\r\n";
}

Worker::~Worker()
{
    stop();
    if (m_shared->loads)
        m_shared->loads[m_index].wakeFd.store(-1, std::memory_order_relaxed);
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
    ev.data.ptr = &g_wakeTag;
    if (m_epoll < 0 || m_wake < 0 || ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_wake, &ev) != 0 ||
        !watchListener(true)) {
        *error = QCoreApplication::translate("fwd::fileserver::FileServer",
                                             "Cannot create the event loop of a worker: %1")
                     .arg(systemError(errno));
        return false;
    }
    if (m_shared->loads)
        m_shared->loads[m_index].wakeFd.store(m_wake, std::memory_order_relaxed);
    m_thread = std::thread([this] { run(); });
    return true;
}

bool Worker::watchListener(bool on)
{
    if (on == m_listening)
        return true;
    epoll_event ev = {};
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    ev.data.ptr = &g_listenTag;
    if (::epoll_ctl(m_epoll, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, m_listenFd, &ev) != 0)
        return false;
    m_listening = on;
    return true;
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
        if (!m_listening) // paused after EMFILE, or ahead of the other workers
            wait = qMin(wait, m_acceptResumeMs > now ? m_acceptResumeMs - now : kAcceptRecheckMs);
        const int n =
            ::epoll_wait(m_epoll, events.data(), int(events.size()), int(qMax<qint64>(0, wait)));
        if (n < 0 && errno != EINTR) {
            qCCritical(lcFileServer) << "epoll_wait failed:" << std::strerror(errno);
            break;
        }
        bool acceptNow = false;
        for (int i = 0; i < n; ++i) {
            void *tag = events[size_t(i)].data.ptr;
            if (tag == &g_wakeTag) {
                quint64 count = 0;
                [[maybe_unused]] const ssize_t r = ::read(m_wake, &count, sizeof count);
                continue;
            }
            if (tag == &g_listenTag) {
                acceptNow = true; // after the connections that were ready
                continue;
            }
            auto *c = static_cast<Connection *>(tag);
            if (!c->isClosed())
                c->onEvent(events[size_t(i)].events);
        }
        const qint64 after = monotonicMs();
        if (acceptNow && !m_stopping)
            acceptOne(after);
        updateListening(after);
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
        flushLog();
    }
    closeAll();
}

void Worker::updateListening(qint64 now)
{
    bool want = !m_stopping && now >= m_acceptResumeMs;
    if (want && m_shared->workerCount > 1) {
        const int mine = int(m_connections.size());
        int least = mine;
        for (int i = 0; i < m_shared->workerCount; ++i) {
            if (i != m_index)
                least = qMin(least, m_shared->loads[i].connections.load(std::memory_order_relaxed));
        }
        want = mine <= least + kAcceptSlack;
        m_shared->loads[m_index].waitingForOthers.store(!want && now >= m_acceptResumeMs,
                                                        std::memory_order_relaxed);
    }
    if (want != m_listening)
        watchListener(want);
}

void Worker::wakeWorkersThatMayAccept(int mine)
{
    // A worker off the listener because it was ahead may accept again once the others hold
    // about as many connections; without this it would only notice at its next recheck
    // (kAcceptRecheckMs), idle meanwhile while this one works through a queue of handshakes.
    for (int i = 0; i < m_shared->workerCount; ++i) {
        ServerShared::WorkerLoad &other = m_shared->loads[i];
        if (i == m_index || !other.waitingForOthers.load(std::memory_order_relaxed))
            continue;
        if (other.connections.load(std::memory_order_relaxed) > mine + kAcceptSlack)
            continue;
        const int fd = other.wakeFd.load(std::memory_order_relaxed);
        if (fd >= 0 && other.waitingForOthers.exchange(false, std::memory_order_relaxed)) {
            const quint64 one = 1;
            [[maybe_unused]] const ssize_t n = ::write(fd, &one, sizeof one);
        }
    }
}

void Worker::setConnectionCount()
{
    if (m_shared->loads)
        m_shared->loads[m_index].connections.store(int(m_connections.size()),
                                                   std::memory_order_relaxed);
}

void Worker::acceptOne(qint64 now)
{
    sockaddr_storage peer = {};
    socklen_t len = sizeof peer;
    int fd = -1;
    for (;;) {
        fd = ::accept4(m_listenFd, reinterpret_cast<sockaddr *>(&peer), &len,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0)
            break;
        const int error = errno;
        if (error == EINTR || error == ECONNABORTED || error == EPROTO)
            continue; // that client gave up; the next one may be waiting
        if (error == EAGAIN || error == EWOULDBLOCK)
            return; // another worker took it
        // EMFILE, ENFILE, ENOBUFS, ENOMEM: the connection waits in the backlog until some
        // descriptors are free again; meanwhile this worker stops watching the listener (it
        // is level-triggered and would wake us at once).
        qCWarning(lcFileServer) << "accept failed:" << std::strerror(error) << "- retrying in"
                                << kAcceptPauseMs << "ms";
        watchListener(false);
        m_acceptResumeMs = now + kAcceptPauseMs;
        return;
    }
    ServerShared &s = *m_shared;
    if (s.open.fetch_add(1) >= s.maxConnections) {
        --s.open;
        ::close(fd);
        ++s.refused;
        qCWarning(lcFileServer) << "connection refused: limit of" << s.maxConnections << "reached";
        return;
    }
    ++s.accepted;
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    QHostAddress address(reinterpret_cast<const sockaddr *>(&peer));
    quint16 port = 0;
    if (peer.ss_family == AF_INET)
        port = ntohs(reinterpret_cast<const sockaddr_in *>(&peer)->sin_port);
    else if (peer.ss_family == AF_INET6)
        port = ntohs(reinterpret_cast<const sockaddr_in6 *>(&peer)->sin6_port);
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    const QString text = isV4 ? QHostAddress(v4).toString() : address.toString();

    auto *connection = new Connection(this, fd, text, port, now);
    m_connections.insert(connection);
    setConnectionCount();
    if (m_shared->workerCount > 1)
        wakeWorkersThatMayAccept(int(m_connections.size()));
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

const QByteArray &Worker::httpDate(qint64 nowMs)
{
    const qint64 second = nowMs / 1000;
    if (second != m_dateSecond) {
        m_dateSecond = second;
        m_date = formatHttpDate(QDateTime::fromMSecsSinceEpoch(second * 1000, QTimeZone::utc()));
    }
    return m_date;
}

OpenFile *Worker::acquireFile(const std::shared_ptr<const CatalogEntry> &entry, qint64 nowMs,
                              bool *changed)
{
    *changed = false;
    const qint64 size = entry->file.size;
    auto matches = [size](const struct stat &st) {
        return S_ISREG(st.st_mode) && st.st_size == size && st.st_nlink > 0;
    };
    const auto it = m_files.find(entry.get());
    if (it != m_files.end()) {
        OpenFile *f = it->second;
        struct stat st = {};
        if (nowMs - f->openedMs < kReopenAfterMs && ::fstat(f->fd, &st) == 0 && matches(st) &&
            qint64(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec == f->mtimeNs) {
            ++f->users;
            return f;
        }
        dropFile(f); // changed, unlinked or due for a fresh look by path
    }
    const int fd = ::open(entry->encodedPath.constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        const int error = errno;
        *changed = error != EMFILE && error != ENFILE;
        errno = error;
        return nullptr;
    }
    struct stat st = {};
    if (::fstat(fd, &st) != 0 || !matches(st)) {
        ::close(fd);
        *changed = true;
        return nullptr;
    }
    if (m_files.size() >= kMaxOpenFiles) {
        std::vector<OpenFile *> idle;
        for (const auto &[key, f] : m_files) {
            if (f->users == 0)
                idle.push_back(f);
        }
        for (OpenFile *f : idle)
            dropFile(f);
    }
    auto *f = new OpenFile;
    f->entry = entry;
    f->fd = fd;
    f->users = 1;
    f->openedMs = nowMs;
    f->mtimeNs = qint64(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    f->cached = m_files.size() < kMaxOpenFiles;
    if (f->cached)
        m_files.emplace(entry.get(), f);
    return f;
}

void Worker::releaseFile(OpenFile *file)
{
    if (--file->users == 0 && !file->cached) {
        ::close(file->fd);
        delete file;
    }
}

void Worker::dropFile(OpenFile *file)
{
    if (file->cached) {
        m_files.erase(file->entry.get());
        file->cached = false;
    }
    if (file->users == 0) {
        ::close(file->fd);
        delete file;
    }
}

void Worker::log(AccessRecord &&record)
{
    m_logBatch.append(std::move(record));
    if (m_logBatch.size() >= 1024)
        flushLog(); // a long turn (many pipelined requests): do not let the batch grow
}

void Worker::flushLog()
{
    if (m_logBatch.isEmpty())
        return;
    if (m_shared->accessLog)
        m_shared->accessLog->recordBatch(m_logBatch);
    m_logBatch.clear(); // keeps its capacity unless the sink took the list
}

void Worker::release(Connection *connection)
{
    if (m_connections.erase(connection) > 0) {
        m_graveyard.push_back(connection);
        setConnectionCount();
    }
}

void Worker::throttle(Connection *connection)
{
    if (std::find(m_throttled.begin(), m_throttled.end(), connection) == m_throttled.end())
        m_throttled.push_back(connection);
}

void Worker::sweep(qint64 now)
{
    // Files nobody sends from, opened a while ago (unpublished ones among them): close them,
    // so that a file deleted from the library does not stay open here.
    std::vector<OpenFile *> old;
    for (const auto &[key, f] : m_files) {
        if (f->users == 0 && now - f->openedMs >= kReopenAfterMs)
            old.push_back(f);
    }
    for (OpenFile *f : old)
        dropFile(f);

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
        delete c; // logs and closes (and gives its file back)
    setConnectionCount();
    std::vector<OpenFile *> files;
    for (const auto &[key, f] : m_files)
        files.push_back(f);
    for (OpenFile *f : files)
        dropFile(f);
    flushLog();
    watchListener(false);
}

int createListeningSocket(const QHostAddress &address, quint16 port, int backlog,
                          quint16 *boundPort, QString *error)
{
    sockaddr_storage storage = {};
    socklen_t length = 0;
    int family = AF_INET;
    int v6Only = -1; // leave the system default
    const bool dualStack = address == QHostAddress(QHostAddress::Any);
    if (address.protocol() == QAbstractSocket::IPv4Protocol ||
        address == QHostAddress(QHostAddress::AnyIPv4)) {
        auto *in = reinterpret_cast<sockaddr_in *>(&storage);
        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        in->sin_addr.s_addr = address == QHostAddress(QHostAddress::AnyIPv4)
                                  ? htonl(INADDR_ANY)
                                  : htonl(address.toIPv4Address());
        length = sizeof(sockaddr_in);
    } else if (address.protocol() == QAbstractSocket::IPv6Protocol || dualStack) {
        family = AF_INET6;
        auto *in6 = reinterpret_cast<sockaddr_in6 *>(&storage);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        if (!dualStack) {
            const Q_IPV6ADDR bytes = address.toIPv6Address();
            std::memcpy(&in6->sin6_addr, &bytes, sizeof bytes);
            if (!address.scopeId().isEmpty()) {
                bool numeric = false;
                const uint id = address.scopeId().toUInt(&numeric);
                in6->sin6_scope_id = numeric ? id : ::if_nametoindex(address.scopeId().toUtf8());
            }
        }
        v6Only = dualStack ? 0 : (address == QHostAddress(QHostAddress::AnyIPv6) ? 1 : -1);
        length = sizeof(sockaddr_in6);
    } else {
        *error = QCoreApplication::translate("fwd::fileserver::FileServer",
                                             "The bind address \"%1\" is not an IP address.")
                     .arg(address.toString());
        return -1;
    }

    int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 && family == AF_INET6 && dualStack && errno == EAFNOSUPPORT) {
        // No IPv6 on this machine: "any" is any IPv4 address.
        return createListeningSocket(QHostAddress(QHostAddress::AnyIPv4), port, backlog, boundPort,
                                     error);
    }
    auto fail = [&](int code) {
        *error = systemError(code);
        if (fd >= 0)
            ::close(fd);
        return -1;
    };
    if (fd < 0)
        return fail(errno);
    const int one = 1;
    // Like Qt's listening sockets: a restart is not refused while old connections linger.
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (v6Only >= 0 && ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6Only, sizeof v6Only) != 0)
        return fail(errno);
    if (::bind(fd, reinterpret_cast<const sockaddr *>(&storage), length) != 0)
        return fail(errno);
    if (::listen(fd, backlog) != 0)
        return fail(errno);
    sockaddr_storage bound = {};
    socklen_t boundLength = sizeof bound;
    if (::getsockname(fd, reinterpret_cast<sockaddr *>(&bound), &boundLength) != 0)
        return fail(errno);
    *boundPort = ntohs(bound.ss_family == AF_INET6
                           ? reinterpret_cast<const sockaddr_in6 *>(&bound)->sin6_port
                           : reinterpret_cast<const sockaddr_in *>(&bound)->sin_port);
    return fd;
}

} // namespace fwd::fileserver
