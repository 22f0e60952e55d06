#include "lab/labserver.h"

#include "core/clock.h"
#include "lab/fleet.h"
#include "lab/labfileserver.h"
#include "lab/lablogging.h"
#include "lab/labstore.h"
#include "lab/nbiserver.h"

#include <QFile>
#include <QSslKey>
#include <QTextStream>
#include <QTimer>

namespace fwd::lab {

LabServer::LabServer(Options options, const Clock *clock, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
{
    if (clock) {
        m_clock = clock;
    } else {
        m_system = std::make_unique<SystemClock>();
        m_accelerated =
            std::make_unique<AcceleratedClock>(m_system->now(), m_options.clockFactor, *m_system);
        m_clock = m_accelerated.get();
    }
    m_store = std::make_unique<LabStore>(*m_clock);
    NbiServer::Options nbi;
    nbi.http.crashCloseDelayMs = m_options.crashCloseDelayMs;
    nbi.http.crashOutageMs = m_options.crashOutageMs;
    m_nbi = std::make_unique<NbiServer>(*m_store, nbi);
    m_fs = std::make_unique<LabFileServer>(*m_store);
}

LabServer::~LabServer()
{
    m_nbi.reset();
    m_fleet.reset();
}

bool LabServer::start()
{
    FleetProfile profile = m_options.profile.value_or(FleetProfile::defaultProfile());
    if (!m_options.profile && !m_options.profileFile.isEmpty()) {
        const auto p = FleetProfile::fromFile(m_options.profileFile, &m_error);
        if (!p)
            return false;
        profile = *p;
    }
    if (m_options.fsCertificateFile.isEmpty() != m_options.fsKeyFile.isEmpty()) {
        // One without the other would serve plain HTTP (or fail later) without saying why.
        m_error = m_options.fsCertificateFile.isEmpty()
                      ? tr("--fs-key needs --fs-cert: a private key without its certificate "
                           "cannot serve HTTPS")
                      : tr("--fs-cert needs --fs-key: the certificate's private key is missing");
        return false;
    }
    if (!m_options.fsCertificateFile.isEmpty()) {
        QFile cert(m_options.fsCertificateFile);
        QFile key(m_options.fsKeyFile);
        if (!cert.open(QIODevice::ReadOnly) || !key.open(QIODevice::ReadOnly)) {
            m_error = QStringLiteral("cannot read the file server's certificate or key");
            return false;
        }
        QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
        ssl.setLocalCertificate(QSslCertificate(cert.readAll(), QSsl::Pem));
        ssl.setPrivateKey(QSslKey(key.readAll(), QSsl::Rsa, QSsl::Pem));
        ssl.setPeerVerifyMode(QSslSocket::VerifyNone);
        if (ssl.localCertificate().isNull() || ssl.privateKey().isNull()) {
            m_error = QStringLiteral("the file server's certificate or key is not valid PEM");
            return false;
        }
        m_fs->setSslConfiguration(ssl);
    }
    if (!m_nbi->listen(QHostAddress::LocalHost, m_options.nbiPort)) {
        m_error = QStringLiteral("cannot listen on 127.0.0.1:%1 (NBI)").arg(m_options.nbiPort);
        return false;
    }
    if (!m_fs->listen(QHostAddress::LocalHost, m_options.fsPort)) {
        m_error =
            QStringLiteral("cannot listen on 127.0.0.1:%1 (file server)").arg(m_options.fsPort);
        return false;
    }
    if (m_options.maxConcurrentRequests >= 0)
        profile.maxConcurrentRequests = m_options.maxConcurrentRequests;
    Fleet::Options fo;
    fo.devices = m_options.devices;
    fo.seed = m_options.seed;
    fo.tickMs = m_options.tickMs;
    fo.engine.fsUrlPrefix = fsUrlPrefix();
    fo.engine.staleFileCache = m_options.staleFileCache;
    fo.engine.extDir = m_options.extDir;
    fo.engine.extTimeoutMs = m_options.extTimeoutMs;
    m_fleet = std::make_unique<Fleet>(*m_store, *m_clock, profile, fo);
    m_nbi->setConnectionRequester(m_fleet.get());
    m_fleet->start();
    if (m_options.statsIntervalMs > 0) {
        auto *timer = new QTimer(this);
        connect(timer, &QTimer::timeout, this, [this] {
            QTextStream out(stdout);
            out << statsLine() << '\n';
            out.flush();
        });
        timer->start(m_options.statsIntervalMs);
    }
    qCInfo(lcLab) << "lab started:" << m_options.devices << "routers, NBI port" << nbiPort()
                  << "file server" << fsUrlPrefix();
    return true;
}

QString LabServer::statsLine() const
{
    return QStringLiteral(
               "stats lab-time=%1 sessions=%2 devices=%3 tasks=%4 faults=%5 operations=%6 "
               "in-progress=%7 turned-away=%8 crashed=%9 refused-in-session=%10 terminated=%11")
        .arg(m_clock->now().toUTC().toString(Qt::ISODate))
        .arg(m_fleet ? m_fleet->sessionsRun() : 0)
        .arg(m_store->devices().size())
        .arg(m_store->tasks().size())
        .arg(m_store->faults().size())
        .arg(m_store->operations().size())
        .arg(m_fleet ? m_fleet->sessionsInProgress() : 0)
        .arg(m_fleet ? m_fleet->sessionsTurnedAway() : 0)
        .arg(m_fleet ? m_fleet->sessionsCrashed() : 0)
        .arg(m_fleet ? m_fleet->sessionsRefusedInSession() : 0)
        .arg(m_fleet ? m_fleet->sessionsTerminated() : 0);
}

quint16 LabServer::nbiPort() const
{
    return m_nbi->port();
}

quint16 LabServer::fsPort() const
{
    return m_fs->port();
}

QString LabServer::fsUrlPrefix() const
{
    return m_options.fsUrlPrefix.isEmpty() ? m_fs->urlPrefix() : m_options.fsUrlPrefix;
}

} // namespace fwd::lab
