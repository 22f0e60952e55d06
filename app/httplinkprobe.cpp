#include "httplinkprobe.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QSslCertificate>
#include <QSslError>
#include <QTimer>

namespace fwd {

struct HttpLinkProbe::Trust
{
    QStringList fingerprints;
    std::function<QStringList()> source;

    bool trusts(const QSslCertificate &certificate) const
    {
        if (certificate.isNull())
            return false;
        const QString fp = QString::fromLatin1(
            QCryptographicHash::hash(certificate.toDer(), QCryptographicHash::Sha256).toHex());
        if (fingerprints.contains(fp, Qt::CaseInsensitive))
            return true;
        return source && source().contains(fp, Qt::CaseInsensitive);
    }
};

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("fwd::HttpLinkProbe", text);
}

} // namespace

HttpLinkProbe::HttpLinkProbe()
    : HttpLinkProbe(Options{})
{}

HttpLinkProbe::HttpLinkProbe(Options options)
    : m_options(options)
    , m_trust(std::make_shared<Trust>())
    , m_manager(std::make_unique<QNetworkAccessManager>())
{}

HttpLinkProbe::~HttpLinkProbe() = default;

void HttpLinkProbe::setTrustedFingerprints(const QStringList &fingerprints)
{
    m_trust->fingerprints = fingerprints;
}

void HttpLinkProbe::setFingerprintSource(std::function<QStringList()> source)
{
    m_trust->source = std::move(source);
}

firmware::LinkProbeReply *HttpLinkProbe::head(const QUrl &url)
{
    auto *probe = new firmware::LinkProbeReply(url);
    const QString scheme = url.scheme().toLower();
    if (!url.isValid() || url.host().isEmpty() ||
        (scheme != QLatin1String("http") && scheme != QLatin1String("https"))) {
        // Never finish inside head(): callers connect after it returns.
        QTimer::singleShot(0, probe, [probe, url] {
            firmware::LinkProbeResult r;
            r.url = url;
            r.errorString = tr("%1 is not an http or https address.").arg(url.toString());
            probe->finish(r);
        });
        return probe;
    }

    QNetworkRequest request(url);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::NoLessSafeRedirectPolicy);
    request.setMaximumRedirectsAllowed(m_options.maxRedirects);
    request.setTransferTimeout(m_options.timeoutMs);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    request.setHeader(QNetworkRequest::UserAgentHeader, QByteArrayLiteral("FirmwareDesk"));
    QNetworkReply *reply = m_manager->head(request);
    reply->setParent(probe); // deleting the probe reply aborts the request

    auto cancelled = std::make_shared<bool>(false);
    QObject::connect(probe, &firmware::LinkProbeReply::cancelRequested, reply, [reply, cancelled] {
        *cancelled = true;
        reply->abort();
    });
    QObject::connect(reply, &QNetworkReply::sslErrors, reply,
                     [reply, trust = m_trust](const QList<QSslError> &errors) {
                         const QSslCertificate peer = reply->sslConfiguration().peerCertificate();
                         if (trust->trusts(peer))
                             reply->ignoreSslErrors(errors);
                     });
    const int timeoutMs = m_options.timeoutMs;
    QObject::connect(
        reply, &QNetworkReply::finished, probe, [probe, reply, url, cancelled, timeoutMs] {
            firmware::LinkProbeResult r;
            r.url = url;
            r.httpStatus = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            r.reachable = r.httpStatus > 0;
            const QVariant length = reply->header(QNetworkRequest::ContentLengthHeader);
            if (r.reachable && length.isValid())
                r.contentLength = length.toLongLong();
            if (*cancelled) {
                r.cancelled = true;
                r.reachable = false;
                r.httpStatus = 0;
                r.contentLength = -1;
            } else if (!r.reachable) {
                switch (reply->error()) {
                case QNetworkReply::OperationCanceledError:
                case QNetworkReply::TimeoutError:
                    r.errorString = tr("%1 did not answer within %2 s.")
                                        .arg(url.host())
                                        .arg(timeoutMs / 1000.0);
                    break;
                case QNetworkReply::SslHandshakeFailedError:
                    r.errorString = tr("The certificate of %1 is not trusted: approve its "
                                       "fingerprint or use a certificate routers trust (%2).")
                                        .arg(url.host(), reply->errorString());
                    break;
                default:
                    r.errorString = reply->errorString();
                    break;
                }
            }
            reply->deleteLater();
            probe->finish(r);
        });
    return probe;
}

} // namespace fwd
