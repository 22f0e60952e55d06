#include "acs/nbiclient.h"

#include "acs/nbijob.h"
#include "acs/nbipath.h"
#include "core/logging.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRandomGenerator>
#include <QSslConfiguration>

#include <algorithm>
#include <cmath>

namespace fwd::acs {

NbiClient::NbiClient(fwd::AcsProfile profile, QString password, QObject *parent)
    : QObject(parent)
    , m_profile(std::move(profile))
    , m_password(std::move(password))
    , m_manager(std::make_unique<QNetworkAccessManager>())
{
    init();
}

NbiClient::NbiClient(fwd::AcsProfile profile, QString password,
                     std::unique_ptr<QNetworkAccessManager> manager, Options options,
                     QObject *parent)
    : QObject(parent)
    , m_profile(std::move(profile))
    , m_password(std::move(password))
    , m_options(options)
    , m_manager(manager ? std::move(manager) : std::make_unique<QNetworkAccessManager>())
{
    init();
}

void NbiClient::init()
{
    m_manager->setParent(nullptr);
    m_manager->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
    m_manager->setAutoDeleteReplies(false);
    m_options.maxInFlight = std::max(1, m_options.maxInFlight);
    m_options.maxAttempts = std::max(1, m_options.maxAttempts);
    m_options.maxLongCallsInFlight =
        std::clamp(m_options.maxLongCallsInFlight, 1, m_options.maxInFlight);
    m_monotonic.start();
    m_paceTimer.setSingleShot(true);
    connect(&m_paceTimer, &QTimer::timeout, this, &NbiClient::dispatch);
    m_idPrefix = QString::number(QRandomGenerator::global()->generate() & 0xFFFFFF, 16)
                     .rightJustified(6, QLatin1Char('0'));
}

NbiClient::~NbiClient()
{
    // Jobs are children: they go before the manager does (it is a member, destroyed after).
    const auto jobs = findChildren<NbiJob *>(Qt::FindDirectChildrenOnly);
    for (NbiJob *job : jobs)
        delete job;
}

const fwd::AcsProfile &NbiClient::profile() const
{
    return m_profile;
}

void NbiClient::setTrustedFingerprints(const QStringList &fingerprints)
{
    m_profile.trustedFingerprints = fingerprints;
}

QString NbiClient::checkUrl() const
{
    const QUrl &url = m_profile.nbiUrl;
    if (url.isEmpty())
        return tr("No NBI URL is set; enter one such as http://acs.example.net:7557.");
    if (!url.isValid())
        return tr("The NBI URL “%1” is not a valid URL: %2.")
            .arg(url.toString(QUrl::RemoveUserInfo), url.errorString());
    const QString scheme = url.scheme().toLower();
    if (scheme != QLatin1String("http") && scheme != QLatin1String("https"))
        return tr("The NBI URL “%1” must start with http:// or https://.")
            .arg(url.toString(QUrl::RemoveUserInfo));
    if (url.host().isEmpty())
        return tr("The NBI URL “%1” has no host name.").arg(url.toString(QUrl::RemoveUserInfo));
    if (!url.userInfo().isEmpty())
        return tr("The NBI URL must not carry a user name or password; enter them in the "
                  "profile's own fields.");
    if (url.hasQuery() || url.hasFragment())
        return tr("The NBI URL “%1” must not have a query or fragment.")
            .arg(url.toString(QUrl::RemoveUserInfo));
    return {};
}

QUrl NbiClient::urlFor(const NbiRequest &request) const
{
    QByteArray base = m_profile.nbiUrl.toEncoded(QUrl::RemovePath | QUrl::RemoveQuery |
                                                 QUrl::RemoveFragment | QUrl::RemoveUserInfo);
    QByteArray basePath = m_profile.nbiUrl.path(QUrl::FullyEncoded).toLatin1();
    while (basePath.endsWith('/'))
        basePath.chop(1);
    QByteArray encoded = base + basePath + request.path;
    if (!request.query.isEmpty()) {
        encoded += '?';
        bool first = true;
        for (const auto &[name, value] : request.query) {
            if (!first)
                encoded += '&';
            first = false;
            encoded += name;
            if (!value.isNull())
                encoded += '=' + encodeQueryValue(value);
        }
    }
    return QUrl::fromEncoded(encoded, QUrl::StrictMode);
}

int NbiClient::timeoutFor(const NbiRequest &request) const
{
    if (request.timeoutMs > 0)
        return request.timeoutMs;
    return m_profile.timeoutMs > 0 ? m_profile.timeoutMs : 15000;
}

QNetworkRequest NbiClient::buildRequest(const NbiRequest &request, const QString &requestId) const
{
    QNetworkRequest r(urlFor(request));
    r.setHeader(QNetworkRequest::UserAgentHeader,
                QByteArrayLiteral("FirmwareDesk/" FWD_VERSION " (Qt " QT_VERSION_STR ")"));
    r.setRawHeader("Accept", "application/json, text/plain;q=0.5, */*;q=0.1");
    r.setRawHeader("X-Request-ID", requestId.toLatin1());
    if (!m_profile.username.isEmpty()) {
        const QByteArray credentials =
            (m_profile.username + QLatin1Char(':') + m_password).toUtf8();
        r.setRawHeader("Authorization", "Basic " + credentials.toBase64());
    }
    for (const auto &[name, value] : request.headers)
        r.setRawHeader(name, value);
    // GenieACS's answers carry meaning in the HTTP reason phrase, which HTTP/2 does not have.
    r.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    r.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    r.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    r.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    r.setAttribute(QNetworkRequest::AuthenticationReuseAttribute, QNetworkRequest::Manual);
    r.setTransferTimeout(0); // the job keeps its own timer (it also covers fake managers)
    return r;
}

QString NbiClient::nextRequestId()
{
    return m_idPrefix + QLatin1Char('-') + QString::number(++m_requestCounter);
}

void NbiClient::enqueue(NbiJob *job)
{
    m_queue.push_back(job);
    job->m_queued = true;
    dispatch();
}

void NbiClient::dequeue(NbiJob *job)
{
    if (!job->m_queued)
        return;
    job->m_queued = false;
    m_queue.erase(std::remove(m_queue.begin(), m_queue.end(), job), m_queue.end());
}

void NbiClient::release(NbiJob *job, const NbiReply &reply)
{
    if (job->m_holdsSlot) {
        job->m_holdsSlot = false;
        --m_inFlight;
        if (job->m_request.longCall)
            --m_longInFlight;
    }
    const QByteArray version = reply.header("genieacs-version");
    if (!version.isEmpty()) {
        const GenieAcsVersion parsed = GenieAcsVersion::parse(QString::fromLatin1(version));
        if (parsed.isValid() && parsed.raw() != m_serverVersion.raw()) {
            m_serverVersion = parsed;
            Q_EMIT serverVersionChanged(m_serverVersion);
        }
    }
    // Dispatch from the event loop: the caller may be inside a reply's signal.
    QMetaObject::invokeMethod(this, &NbiClient::dispatch, Qt::QueuedConnection);
}

void NbiClient::dispatch()
{
    const qint64 interval = m_options.connectionRequestsPerSecond > 0
                                ? std::llround(1000.0 / m_options.connectionRequestsPerSecond)
                                : 0;
    qint64 waitMs = -1;
    for (auto it = m_queue.begin(); it != m_queue.end() && m_inFlight < m_options.maxInFlight;) {
        NbiJob *job = *it;
        if (job->m_request.longCall && m_longInFlight >= m_options.maxLongCallsInFlight) {
            ++it; // released when a long call ends
            continue;
        }
        if (job->m_request.connectionRequest && interval > 0) {
            const qint64 now = m_monotonic.elapsed();
            if (now < m_nextConnectionRequestMs) {
                // Paced: let other calls pass and come back when the next slot opens.
                waitMs = waitMs < 0 ? m_nextConnectionRequestMs - now
                                    : std::min(waitMs, m_nextConnectionRequestMs - now);
                ++it;
                continue;
            }
            m_nextConnectionRequestMs = std::max(now, m_nextConnectionRequestMs) + interval;
        }
        it = m_queue.erase(it);
        job->m_queued = false;
        job->m_holdsSlot = true;
        ++m_inFlight;
        if (job->m_request.longCall)
            ++m_longInFlight;
        job->send(*m_manager);
    }
    if (waitMs >= 0 && !m_paceTimer.isActive())
        m_paceTimer.start(int(std::clamp<qint64>(waitMs, 1, 60000)));
}

bool NbiClient::handleSslErrors(QNetworkReply *reply, const QList<QSslError> &errors)
{
    QSslCertificate leaf = reply->sslConfiguration().peerCertificate();
    if (leaf.isNull()) {
        for (const QSslError &e : errors)
            if (!e.certificate().isNull()) {
                leaf = e.certificate();
                break;
            }
    }
    const QString fingerprint = certificateFingerprint(leaf);
    if (fingerprint.isEmpty() ||
        !m_profile.trustedFingerprints.contains(fingerprint, Qt::CaseInsensitive)) {
        qCWarning(lcNbi).noquote() << "TLS certificate of" << m_profile.nbiUrl.host()
                                   << "not approved, SHA-256" << fingerprint;
        return false;
    }
    // Ignore exactly the errors of the approved certificate; anything about another
    // certificate of the chain still fails the call.
    for (const QSslError &e : errors) {
        if (!e.certificate().isNull() && e.certificate() != leaf) {
            qCWarning(lcNbi).noquote()
                << "TLS error outside the approved certificate:" << e.errorString();
            return false;
        }
    }
    reply->ignoreSslErrors(errors);
    return true;
}

} // namespace fwd::acs
