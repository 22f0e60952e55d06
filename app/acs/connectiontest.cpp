#include "acs/connectiontest.h"

#include "acs/nbijob.h"
#include "acs/queryjob.h"
#include "core/logging.h"

namespace fwd::acs {

qint64 parseTotalHeader(const QByteArray &value)
{
    return parseTotal(value);
}

ConnectionTest::ConnectionTest(NbiClient &client, QObject *parent)
    : QObject(parent)
    , m_client(client)
{}

ConnectionTest::~ConnectionTest()
{
    if (m_job) {
        m_job->disconnect(this);
        m_job->cancel();
    }
}

void ConnectionTest::start()
{
    if (m_job)
        return;
    const QString urlProblem = m_client.checkUrl();
    if (!urlProblem.isEmpty()) {
        ConnectionReport report;
        report.failure = ConnectionReport::Failure::InvalidUrl;
        report.message = urlProblem;
        QMetaObject::invokeMethod(
            this, [this, report] { finish(report); }, Qt::QueuedConnection);
        return;
    }
    NbiRequest request;
    request.method = "HEAD";
    request.path = "/devices/";
    request.query = {{"query", QStringLiteral("{}")}};
    request.requireGenieAcs = true;
    request.maxAttempts = 1;
    auto *job = new NbiRawJob(m_client, std::move(request));
    m_job = job;
    connect(
        job, &NbiRawJob::finished, this, [this](const NbiReply &reply, const NbiStatus &status) {
            m_job = nullptr;
            ConnectionReport r;
            r.httpStatus = reply.httpStatus;
            r.genieAcsVersion = QString::fromLatin1(reply.header("genieacs-version")).left(64);
            r.certificateFingerprint = certificateFingerprint(reply.peerCertificate);
            r.certificateSubject = certificateDescription(reply.peerCertificate);
            r.message = status.errorString;
            using F = ConnectionReport::Failure;
            switch (status.error) {
            case NbiError::None: {
                r.deviceCount = parseTotalHeader(reply.header("total"));
                if (r.deviceCount < 0) {
                    r.failure = F::NotGenieAcs;
                    r.message = reply.headers.contains("total")
                                    ? tr("The answer's “total” header is not a device count, so "
                                         "this is not GenieACS's NBI or a proxy changed it.")
                                    : tr("The server answered without GenieACS's “total” header: "
                                         "this is not GenieACS's NBI (its default port is 7557), "
                                         "or a proxy removes the header.");
                } else {
                    r.message = tr("Connected to GenieACS %1; it manages %n device(s).", nullptr,
                                   int(std::min<qint64>(r.deviceCount, INT_MAX)))
                                    .arg(r.genieAcsVersion.section(u'+', 0, 0));
                }
                break;
            }
            case NbiError::InvalidUrl:
            case NbiError::InvalidInput:
                r.failure = F::InvalidUrl;
                break;
            case NbiError::HostNotFound:
                r.failure = F::HostNotFound;
                break;
            case NbiError::Refused:
                r.failure = F::Refused;
                break;
            case NbiError::Timeout:
                r.failure = F::Timeout;
                break;
            case NbiError::TlsUntrusted:
                r.failure = F::TlsUntrusted;
                break;
            case NbiError::TlsError:
                r.failure = F::TlsError;
                break;
            case NbiError::Unauthorized:
                r.failure = F::Unauthorized;
                break;
            case NbiError::NotGenieAcs:
            case NbiError::BadResponse:
                r.failure = F::NotGenieAcs;
                break;
            case NbiError::NotFound:
            case NbiError::NoSuchDevice:
            case NbiError::DeviceInSession:
            case NbiError::HttpError:
            case NbiError::Unsupported:
                r.failure = F::HttpError;
                break;
            case NbiError::Cancelled:
                r.failure = F::Cancelled;
                break;
            case NbiError::NoResponse:
            case NbiError::TooLarge:
            case NbiError::Network:
                r.failure = F::Network;
                break;
            }
            finish(r);
        });
    job->start();
}

void ConnectionTest::cancel()
{
    if (m_job)
        m_job->cancel();
}

void ConnectionTest::finish(const ConnectionReport &report)
{
    qCInfo(lcNbi).noquote() << "connection test of" << m_client.profile().name << ":"
                            << (report.ok() ? QStringLiteral("ok") : report.message);
    Q_EMIT finished(report);
}

} // namespace fwd::acs
