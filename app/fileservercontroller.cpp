#include "fileservercontroller.h"

#include "core/logging.h"
#include "core/settings.h"
#include "fileserver/accesslog.h"
#include "fileserver/fileserver.h"
#include "store/fileaccessrepository.h"
#include "store/store.h"

#include <QCoreApplication>

namespace fwd {

namespace {
store::FileAccessEntry toEntry(const fileserver::AccessRecord &r)
{
    store::FileAccessEntry e;
    e.at = r.time;
    e.clientAddress = r.clientAddress;
    e.clientPort = r.clientPort;
    e.method = r.method;
    e.file = r.file;
    e.range = r.range;
    e.status = r.status;
    e.bytesSent = r.bytesSent;
    e.bytesExpected = r.bytesExpected;
    e.durationMs = r.durationMs;
    e.completed = r.completed;
    e.user = r.user;
    e.userAgent = r.userAgent;
    return e;
}
} // namespace

FileServerController::FileServerController(Settings &settings, store::Store &store,
                                           const Clock &clock, QString dataDirectory,
                                           QObject *parent)
    : QObject(parent)
    , m_settings(settings)
    , m_store(store)
    , m_dataDirectory(std::move(dataDirectory))
    , m_batcher(std::make_unique<fileserver::AccessLogBatcher>())
    , m_server(std::make_unique<fileserver::FileServer>(clock, m_batcher.get()))
{
    // Each batch of the access log goes into the database in one transaction, off this thread.
    connect(m_batcher.get(), &fileserver::AccessLogBatcher::batchReady, this,
            [this](const QList<fileserver::AccessRecord> &batch) {
                QList<store::FileAccessEntry> entries;
                entries.reserve(batch.size());
                for (const auto &r : batch)
                    entries.append(toEntry(r));
                m_store
                    .run([entries](QSqlDatabase &db) {
                        QString error;
                        store::FileAccessRepository::appendBatch(db, entries, &error);
                        return std::make_pair(error, qint64(entries.size()));
                    })
                    .then(this, [this](const std::pair<QString, qint64> &r) {
                        if (r.first.isEmpty())
                            return;
                        m_logErrors += r.second;
                        qCWarning(lcApp) << "file server access log not stored:" << r.first;
                    });
            });
}

FileServerController::~FileServerController()
{
    m_server->stop();
    m_batcher->flush();
    m_store.drain();
}

fileserver::FileServerConfig FileServerController::configFromSettings() const
{
    fileserver::FileServerConfig c;
    c.port = quint16(qBound(0, m_settings.value(Settings::FileServerPort), 65535));
    c.https = m_settings.value(Settings::FileServerHttps);
    c.publicHost = m_settings.value(Settings::FileServerPublicHost).trimmed();
    const QString prefix = m_settings.value(Settings::FileServerExternalPrefix).trimmed();
    if (!prefix.isEmpty())
        c.externalUrlPrefix = QUrl(prefix);
    c.certificateChainPath = m_settings.value(Settings::FileServerCertificate);
    c.privateKeyPath = m_settings.value(Settings::FileServerKey);
    c.bandwidthBytesPerSecond = qMax<qlonglong>(0, m_settings.value(Settings::FileServerBandwidth));
    c.dataDirectory = m_dataDirectory;
    return c;
}

bool FileServerController::apply()
{
    if (!m_settings.value(Settings::FileServerEnabled)) {
        stop();
        return true;
    }
    const fileserver::FileServerConfig config = configFromSettings();
    if (!m_server->start(config)) {
        setStatus(Level::Error, tr("File server stopped: %1").arg(m_server->errorString()),
                  m_server->errorString());
        return false;
    }
    const QString base = m_server->baseUrl().toString();
    const QString warning = m_server->securityWarning();
    if (!warning.isEmpty()) {
        setStatus(Level::Warning, tr("Files: %1 (plain HTTP)").arg(base), warning);
    } else {
        const QString fp = m_server->fingerprint();
        setStatus(Level::Ok, tr("Files: %1").arg(base),
                  fp.isEmpty() ? base : tr("Certificate SHA-256 fingerprint: %1").arg(fp));
    }
    qCInfo(lcApp) << "file server on" << base;
    return true;
}

void FileServerController::stop()
{
    m_server->stop();
    setStatus(Level::Off, tr("File server off"),
              tr("The built-in file server is switched off in its settings."));
}

void FileServerController::setStatus(Level level, const QString &text, const QString &details)
{
    m_level = level;
    m_text = text;
    m_details = details;
    Q_EMIT statusChanged();
}

} // namespace fwd
