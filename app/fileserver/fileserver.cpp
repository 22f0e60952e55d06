#include "fileserver.h"

#include "accesslog.h"
#include "bandwidthlimiter.h"
#include "filecatalog.h"
#include "fileserverlogging.h"
#include "tlscontext.h"
#include "worker.h"

#include <QHostInfo>
#include <QThread>
#include <QTimer>

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

    auto listener = std::make_unique<Listener>([this](qintptr s) { dispatch(s); });
    listener->setListenBacklogSize(4096);
    // QTcpServer stops accepting after a non-temporary accept error (EMFILE when every file
    // descriptor is in use): accept again shortly, once some connections have ended.
    Listener *rawListener = listener.get();
    connect(rawListener, &QTcpServer::acceptError, rawListener,
            [rawListener](QAbstractSocket::SocketError error) {
                qCWarning(lcFileServer) << "accept failed:" << error << "- retrying in 200 ms";
                QTimer::singleShot(200, rawListener, [rawListener] {
                    if (rawListener->isListening())
                        rawListener->resumeAccepting();
                });
            });
    if (!listener->listen(config.bindAddress, config.port))
        return fail(tr("Cannot listen on %1 port %2: %3")
                        .arg(config.bindAddress.toString())
                        .arg(config.port)
                        .arg(listener->errorString()));

    const int threads =
        config.workerThreads > 0 ? config.workerThreads : qMax(1, QThread::idealThreadCount());
    for (int i = 0; i < threads; ++i) {
        auto worker = std::make_unique<Worker>(shared);
        QString error;
        if (!worker->start(&error)) {
            m_workers.clear();
            return fail(error);
        }
        m_workers.push_back(std::move(worker));
    }
    m_shared = shared;
    m_listener = std::move(listener);

    {
        QMutexLocker lock(&m_mutex);
        m_config = config;
        m_error.clear();
        m_port = m_listener->serverPort();
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
    if (!m_listener)
        return;
    m_listener->close();
    for (auto &w : m_workers)
        w->stop(); // closes the connections, logs downloads in flight as broken off
    m_workers.clear();
    m_listener.reset();
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

void FileServer::dispatch(qintptr socket)
{
    ServerShared &s = *m_shared;
    if (s.open.load() >= s.maxConnections) {
        ::close(int(socket));
        ++s.refused;
        qCWarning(lcFileServer) << "connection refused: limit of" << s.maxConnections << "reached";
        return;
    }
    ++s.open;
    ++s.accepted;
    Worker *w = m_workers[size_t(m_nextWorker)].get();
    m_nextWorker = (m_nextWorker + 1) % int(m_workers.size());
    w->post(int(socket));
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
    st.requests = s->requests;
    st.bufferedBytes = s->buffered;
    return st;
}

} // namespace fwd::fileserver
