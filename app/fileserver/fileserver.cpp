#include "fileserver.h"

#include "accesslog.h"
#include "bandwidthlimiter.h"
#include "filecatalog.h"
#include "fileserverlogging.h"
#include "tlscontext.h"
#include "worker.h"

#include <QHostInfo>
#include <QThread>

#include <csignal>
#include <sys/resource.h>
#include <unistd.h>

namespace fwd::fileserver {

namespace {

// Raises the soft limit of open files to the hard limit; returns the soft limit now in force.
qint64 raiseFileLimit()
{
    rlimit rl = {};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 1024;
    if (rl.rlim_cur < rl.rlim_max) {
        rlimit wanted = rl;
        wanted.rlim_cur = rl.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &wanted) == 0)
            rl = wanted;
    }
    return rl.rlim_cur == RLIM_INFINITY ? qint64(1) << 20 : qint64(rl.rlim_cur);
}

bool isSpecific(const QHostAddress &a)
{
    return !a.isNull() && a != QHostAddress(QHostAddress::Any) &&
           a != QHostAddress(QHostAddress::AnyIPv4) && a != QHostAddress(QHostAddress::AnyIPv6);
}

} // namespace

FileServer::FileServer(const Clock &clock, AccessLogSink *accessLog, QObject *parent)
    : QObject(parent)
    , m_clock(clock)
    , m_accessLog(accessLog)
    , m_catalog(std::make_unique<FileCatalog>())
{}

FileServer::~FileServer()
{
    stop();
}

bool FileServer::start(const FileServerConfig &requested)
{
    stop();
    FileServerConfig config = requested;
    auto fail = [this](const QString &message) {
        QMutexLocker lock(&m_mutex);
        m_error = message;
        qCWarning(lcFileServer).noquote() << "cannot start:" << message;
        return false;
    };
    if (config.chunkBytes < 4096 || config.maxHeaderBytes < 256 || config.maxHeaderCount < 4 ||
        config.headerTimeoutMs <= 0 || config.keepAliveTimeoutMs <= 0 ||
        config.sendStallTimeoutMs <= 0 || config.maxConnections <= 0 ||
        config.bandwidthBytesPerSecond < 0 || config.workerThreads < 0)
        return fail(tr("The file server settings are out of range."));
    if (config.externalUrlPrefix.isValid() && !config.externalUrlPrefix.isEmpty() &&
        config.externalUrlPrefix.scheme() != QLatin1String("https") &&
        config.externalUrlPrefix.scheme() != QLatin1String("http"))
        return fail(tr("The external URL prefix must start with https:// or http://."));

    auto shared = std::make_shared<ServerShared>();
    TlsIdentity identity;
    if (config.https) {
        QString error;
        if (!config.certificateChainPath.isEmpty() || !config.privateKeyPath.isEmpty()) {
            identity = loadTlsIdentity(config.certificateChainPath, config.privateKeyPath, &error);
        } else {
            QStringList hosts;
            if (!config.publicHost.isEmpty())
                hosts << config.publicHost;
            else
                hosts << QHostInfo::localHostName();
            if (isSpecific(config.bindAddress))
                hosts << config.bindAddress.toString();
            identity = ensureSelfSignedIdentity(config.dataDirectory, hosts, &error);
        }
        if (identity.isNull())
            return fail(error);
        shared->tls = TlsContext::create(identity, &error);
        if (!shared->tls)
            return fail(error);
    }

    shared->config = config;
    shared->catalog = m_catalog.get();
    shared->accessLog = m_accessLog;
    shared->clock = &m_clock;
    if (config.bandwidthBytesPerSecond > 0)
        shared->limiter = std::make_unique<BandwidthLimiter>(config.bandwidthBytesPerSecond);
    // OpenSSL writes to the sockets with write(): a peer that went away must give EPIPE, not
    // kill the process (Qt's own sockets ignore SIGPIPE the same way).
    ::signal(SIGPIPE, SIG_IGN);
    const qint64 fileLimit = raiseFileLimit();
    shared->maxConnections = int(qMin<qint64>(config.maxConnections, fileLimit - 128));
    if (shared->maxConnections < 16)
        return fail(
            tr("The process may open too few files (%1) to serve downloads.").arg(fileLimit));

    // One non-blocking listening socket; every worker accepts from it in its own thread, so
    // neither accepting nor serving needs this thread's event loop.
    quint16 boundPort = 0;
    QString listenError;
    const int listenFd =
        createListeningSocket(config.bindAddress, config.port, 4096, &boundPort, &listenError);
    if (listenFd < 0)
        return fail(tr("Cannot listen on %1 port %2: %3")
                        .arg(config.bindAddress.toString())
                        .arg(config.port)
                        .arg(listenError));

    const int threads =
        config.workerThreads > 0 ? config.workerThreads : qMax(1, QThread::idealThreadCount());
    shared->loads = std::make_unique<ServerShared::WorkerLoad[]>(size_t(threads));
    shared->workerCount = threads;
    for (int i = 0; i < threads; ++i) {
        auto worker = std::make_unique<Worker>(shared, i, listenFd);
        QString error;
        if (!worker->start(&error)) {
            for (auto &w : m_workers) // all stopped before any is destroyed: they wake each other
                w->stop();
            m_workers.clear();
            ::close(listenFd);
            return fail(error);
        }
        m_workers.push_back(std::move(worker));
    }
    m_shared = shared;
    m_listenFd = listenFd;

    {
        QMutexLocker lock(&m_mutex);
        m_config = config;
        m_error.clear();
        m_port = boundPort;
        identity.privateKeyPem.clear();
        m_identity = identity;
    }
    const QUrl base = computeBaseUrl();
    {
        QMutexLocker lock(&m_mutex);
        m_baseUrl = base;
    }
    qCInfo(lcFileServer).noquote()
        << "serving on" << config.bindAddress.toString() << "port" << m_port << "as"
        << base.toString() << "with" << threads << "worker threads, at most"
        << shared->maxConnections << "connections"
        << (config.https ? QStringLiteral("; certificate SHA-256 ") +
                               formatFingerprint(identity.fingerprintSha256)
                         : QStringLiteral("; PLAIN HTTP"));
    Q_EMIT started(base);
    return true;
}

void FileServer::stop()
{
    if (m_listenFd < 0)
        return;
    for (auto &w : m_workers)
        w->stop(); // closes the connections, logs downloads in flight as broken off
    m_workers.clear();
    ::close(m_listenFd); // connections still in the backlog are reset
    m_listenFd = -1;
    m_shared.reset();
    {
        QMutexLocker lock(&m_mutex);
        m_port = 0;
        m_baseUrl = QUrl();
        m_identity = TlsIdentity();
    }
    qCInfo(lcFileServer) << "stopped";
    Q_EMIT stopped();
}

bool FileServer::isRunning() const
{
    QMutexLocker lock(&m_mutex);
    return m_port != 0;
}

QString FileServer::errorString() const
{
    QMutexLocker lock(&m_mutex);
    return m_error;
}

FileServerConfig FileServer::config() const
{
    QMutexLocker lock(&m_mutex);
    return m_config;
}

quint16 FileServer::port() const
{
    QMutexLocker lock(&m_mutex);
    return m_port;
}

QUrl FileServer::computeBaseUrl() const
{
    QMutexLocker lock(&m_mutex);
    if (m_config.externalUrlPrefix.isValid() && !m_config.externalUrlPrefix.isEmpty()) {
        QUrl u = m_config.externalUrlPrefix;
        if (!u.path().endsWith(QLatin1Char('/')))
            u.setPath(u.path() + QLatin1Char('/'));
        return u;
    }
    QString host = m_config.publicHost;
    if (host.isEmpty())
        host = isSpecific(m_config.bindAddress) ? m_config.bindAddress.toString()
                                                : QHostInfo::localHostName();
    QUrl u;
    u.setScheme(m_config.https ? QStringLiteral("https") : QStringLiteral("http"));
    u.setHost(host);
    u.setPort(m_config.publicPort ? m_config.publicPort : m_port);
    u.setPath(QStringLiteral("/"));
    return u;
}

QUrl FileServer::baseUrl() const
{
    QMutexLocker lock(&m_mutex);
    return m_baseUrl;
}

QUrl FileServer::urlFor(const QString &name) const
{
    const QUrl base = baseUrl();
    if (base.isEmpty())
        return {};
    QByteArray path;
    const QStringList segments = name.split(QLatin1Char('/'));
    for (const QString &segment : segments) {
        if (!path.isEmpty())
            path += '/';
        path += QUrl::toPercentEncoding(segment);
    }
    return QUrl::fromEncoded(base.toEncoded() + path, QUrl::StrictMode);
}

TlsIdentity FileServer::identity() const
{
    QMutexLocker lock(&m_mutex);
    return m_identity;
}

QString FileServer::fingerprint() const
{
    QMutexLocker lock(&m_mutex);
    return m_identity.fingerprintSha256;
}

QString FileServer::securityWarning() const
{
    QMutexLocker lock(&m_mutex);
    if (m_port == 0 || m_config.https)
        return {};
    return tr("Files are served over plain HTTP: anyone on the path can read or replace the "
              "firmware routers download. Use HTTPS in production.");
}

QString FileServer::publish(const PublishedFile &file)
{
    const QString error = m_catalog->publish(file);
    if (error.isEmpty())
        qCDebug(lcFileServer).noquote() << "published" << file.name << file.absolutePath;
    return error;
}

bool FileServer::unpublish(const QString &name)
{
    return m_catalog->unpublish(name);
}

std::optional<PublishedFile> FileServer::publishedFile(const QString &name) const
{
    const auto entry = m_catalog->find(name);
    if (!entry)
        return std::nullopt;
    return entry->file;
}

QList<PublishedFile> FileServer::publishedFiles() const
{
    return m_catalog->files();
}

void FileServer::setCredentials(const QString &setName, const QString &user,
                                const QString &password)
{
    m_catalog->setCredentials(setName, user, password);
}

void FileServer::removeCredentials(const QString &setName)
{
    m_catalog->removeCredentials(setName);
}

FileCounters FileServer::counters(const QString &name) const
{
    return m_catalog->counters(name);
}

QHash<QString, FileCounters> FileServer::allCounters() const
{
    return m_catalog->allCounters();
}

ServerStats FileServer::stats() const
{
    ServerStats st;
    const std::shared_ptr<ServerShared> s = m_shared; // read in the server's thread
    if (!s)
        return st;
    st.acceptedConnections = s->accepted;
    st.refusedConnections = s->refused;
    st.handshakeFailures = s->handshakeFailures;
    st.timedOut = s->timedOut;
    st.openConnections = s->open;
    for (const auto &w : m_workers) {
        st.requests += w->counters().requests.load(std::memory_order_relaxed);
        st.bufferedBytes += w->counters().buffered.load(std::memory_order_relaxed);
    }
    for (int i = 0; i < s->workerCount; ++i)
        st.openPerWorker.append(s->loads[i].connections.load(std::memory_order_relaxed));
    return st;
}

} // namespace fwd::fileserver
