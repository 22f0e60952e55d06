#include "acs/nbijob.h"

#include "core/logging.h"

#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSslConfiguration>

#include <algorithm>

namespace fwd::acs {

namespace {

// A short, printable excerpt of a body for error messages (GenieACS puts its error text there).
QString excerpt(const QByteArray &body)
{
    QString text = QString::fromUtf8(body.left(300)).simplified();
    if (body.size() > 300)
        text += QStringLiteral("…");
    return text;
}

// A request body that can be read once only. Qt 6.4's HTTP layer silently re-sends a request
// whose connection closed before a status line arrived (any method); GenieACS >= 1.2.10 closes
// the connection of a request that crashed its NBI worker, so a re-send would crash the worker
// again. With an unbuffered body that cannot be reset, Qt fails with ContentReSendError
// instead, and the job decides (it never repeats such a request).
class OneShotBody final : public QIODevice
{
public:
    explicit OneShotBody(QByteArray data)
        : m_data(std::move(data))
    {
        open(QIODevice::ReadOnly);
    }
    bool isSequential() const override { return true; }
    qint64 bytesAvailable() const override
    {
        return m_data.size() - m_pos + QIODevice::bytesAvailable();
    }
    bool atEnd() const override { return m_pos >= m_data.size() && QIODevice::atEnd(); }
    bool reset() override { return false; }

protected:
    qint64 readData(char *data, qint64 maxSize) override
    {
        const qint64 n = std::min<qint64>(maxSize, m_data.size() - m_pos);
        if (n > 0)
            memcpy(data, m_data.constData() + m_pos, size_t(n));
        m_pos += n;
        return n;
    }
    qint64 writeData(const char *, qint64) override { return -1; }

private:
    QByteArray m_data;
    qint64 m_pos = 0;
};

bool isTransportError(QNetworkReply::NetworkError e)
{
    return e > QNetworkReply::NoError && e < QNetworkReply::ProxyConnectionRefusedError;
}

} // namespace

NbiJob::NbiJob(NbiClient &client, NbiRequest request)
    : QObject(&client)
    , m_client(client)
    , m_request(std::move(request))
{
    m_timeout.setSingleShot(true);
    connect(&m_timeout, &QTimer::timeout, this, &NbiJob::onTimeout);
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, [this] { m_client.enqueue(this); });
}

NbiJob::~NbiJob()
{
    m_client.dequeue(this);
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
        delete m_reply.data();
    }
    if (m_holdsSlot) {
        m_holdsSlot = false;
        --m_client.m_inFlight;
        if (m_request.longCall)
            --m_client.m_longInFlight;
    }
}

void NbiJob::start()
{
    if (m_started)
        return;
    m_started = true;
    m_requestId = m_client.nextRequestId();
    const QString urlProblem = m_client.checkUrl();
    if (!urlProblem.isEmpty() || !m_rejected.isEmpty()) {
        NbiStatus status;
        status.error = urlProblem.isEmpty() ? m_rejectedAs : NbiError::InvalidUrl;
        status.errorString = urlProblem.isEmpty() ? m_rejected : urlProblem;
        status.requestId = m_requestId;
        qCWarning(lcNbi).noquote()
            << m_requestId << "refused before sending:" << status.errorString;
        // Always asynchronous, so callers can connect after start() returns too.
        QMetaObject::invokeMethod(
            this, [this, status] { deliver(NbiReply(), status); }, Qt::QueuedConnection);
        return;
    }
    m_elapsed.start();
    m_client.enqueue(this);
}

void NbiJob::cancel()
{
    if (m_finished)
        return;
    if (!m_started) {
        m_started = true;
        m_requestId = m_client.nextRequestId();
    }
    m_abort = Abort::Cancelled;
    m_retryTimer.stop();
    m_rejected.clear();
    m_client.dequeue(this);
    if (m_reply) {
        m_reply->abort(); // onFinished delivers Cancelled
        return;
    }
    NbiStatus status;
    status.error = NbiError::Cancelled;
    status.errorString = tr("The request was cancelled.");
    status.requestId = m_requestId;
    status.attempts = m_attempts;
    deliver(NbiReply(), status);
}

void NbiJob::rejectInput(const QString &message, NbiError error)
{
    if (m_rejected.isEmpty()) {
        m_rejected = message;
        m_rejectedAs = error;
    }
}

void NbiJob::sendNext(NbiRequest request)
{
    m_request = std::move(request);
    m_attempts = 0;
    m_requestId = m_client.nextRequestId();
    m_elapsed.start();
    m_client.enqueue(this);
}

void NbiJob::done()
{
    m_finished = true;
    deleteLater();
}

NbiStatus NbiJob::failure(const NbiStatus &from, NbiError error, const QString &message) const
{
    NbiStatus s = from;
    s.error = error;
    s.errorString = message;
    return s;
}

void NbiJob::send(QNetworkAccessManager &manager)
{
    ++m_attempts;
    m_body.clear();
    m_abort = Abort::None;
    m_untrusted = false;
    m_answerStarted = false;
    m_droppedQuickly = false;
    const QNetworkRequest request = m_client.buildRequest(m_request, m_requestId);
    qCDebug(lcNbi).noquote() << m_requestId << "→" << m_request.method
                             << redactUrl(request.url().toString(QUrl::FullyEncoded)) << "attempt"
                             << m_attempts
                             << (m_request.body.isEmpty()
                                     ? QString()
                                     : QStringLiteral("body %1 B").arg(m_request.body.size()));
    QNetworkReply *reply = nullptr;
    if (!m_request.uploadFile.isEmpty()) {
        auto file = std::make_unique<QFile>(m_request.uploadFile);
        if (!file->open(QIODevice::ReadOnly)) {
            NbiStatus status;
            status.error = NbiError::InvalidInput;
            status.errorString =
                tr("Cannot read %1: %2").arg(m_request.uploadFile, file->errorString());
            status.requestId = m_requestId;
            status.attempts = m_attempts;
            m_client.release(this, NbiReply());
            QMetaObject::invokeMethod(
                this, [this, status] { deliver(NbiReply(), status); }, Qt::QueuedConnection);
            return;
        }
        QNetworkRequest withLength = request;
        withLength.setHeader(QNetworkRequest::ContentLengthHeader, file->size());
        m_upload = std::move(file);
        reply = manager.sendCustomRequest(withLength, m_request.method, m_upload.get());
    } else if (m_request.method == "HEAD") {
        // Qt must know it is a HEAD to expect no body (GenieACS sends no Content-Length).
        reply = manager.head(request);
    } else {
        QNetworkRequest once = request;
        if (!once.header(QNetworkRequest::ContentTypeHeader).isValid() && !m_request.body.isEmpty())
            once.setHeader(QNetworkRequest::ContentTypeHeader,
                           QByteArrayLiteral("application/json"));
        once.setHeader(QNetworkRequest::ContentLengthHeader, m_request.body.size());
        once.setAttribute(QNetworkRequest::DoNotBufferUploadDataAttribute, true);
        m_upload = std::make_unique<OneShotBody>(m_request.body);
        reply = manager.sendCustomRequest(once, m_request.method, m_upload.get());
    }
    m_reply = reply;
    connect(reply, &QNetworkReply::readyRead, this, &NbiJob::onReadyRead);
    connect(reply, &QNetworkReply::metaDataChanged, this, [this] { m_answerStarted = true; });
    connect(reply, &QNetworkReply::finished, this, &NbiJob::onFinished);
    connect(reply, &QNetworkReply::downloadProgress, this, [this](qint64 received, qint64) {
        m_timeout.start();
        Q_EMIT downloadProgress(received);
    });
    connect(reply, &QNetworkReply::uploadProgress, this, [this](qint64 sent, qint64 total) {
        m_timeout.start();
        Q_EMIT uploadProgress(sent, total);
    });
    connect(reply, &QNetworkReply::sslErrors, this, [this, reply](const QList<QSslError> &errors) {
        if (!m_client.handleSslErrors(reply, errors))
            m_untrusted = true;
    });
    m_timeout.setInterval(m_client.timeoutFor(m_request));
    m_timeout.start();
    m_attemptTimer.start();
}

void NbiJob::onReadyRead()
{
    if (!m_reply || m_abort != Abort::None)
        return;
    const qint64 limit = m_client.options().maxBodyBytes;
    // Read what is there, at most one byte past the limit. QIODevice::read(n) allocates n bytes
    // before reading, and a shrunk QByteArray keeps its capacity: asking for the limit itself
    // would reserve 256 MiB per chunk and leave it attached to every body.
    const qint64 room = std::max<qint64>(0, limit - m_body.size()) + 1;
    m_body += m_reply->read(std::min(m_reply->bytesAvailable(), room));
    if (!m_body.isEmpty())
        m_answerStarted = true;
    if (m_body.size() > limit) {
        m_abort = Abort::TooLarge;
        m_reply->abort();
    }
}

void NbiJob::onTimeout()
{
    if (m_reply && m_abort == Abort::None) {
        m_abort = Abort::Timeout;
        m_reply->abort();
    }
}

void NbiJob::onFinished()
{
    m_timeout.stop();
    QNetworkReply *reply = m_reply.data();
    if (!reply)
        return;
    if (m_abort == Abort::None)
        onReadyRead();
    m_reply = nullptr;
    reply->disconnect(this);
    reply->deleteLater();
    m_upload.reset();

    NbiReply result;
    result.httpStatus = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    result.reasonPhrase =
        reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString().left(512);
    for (const auto &[name, value] : reply->rawHeaderPairs())
        result.headers.insert(name.toLower(), value);
    result.body = std::move(m_body);
    m_body = QByteArray();
    result.peerCertificate = reply->sslConfiguration().peerCertificate();
    result.certificateUntrusted = m_untrusted;
    if (result.httpStatus != 0)
        m_answerStarted = true;
    m_droppedQuickly = m_attemptTimer.isValid() &&
                       m_attemptTimer.elapsed() < m_client.options().staleConnectionWindowMs;
    const auto networkError = reply->error();

    NbiStatus status = classify(result, int(networkError));
    if (status.error == NbiError::Network || status.error == NbiError::BadResponse)
        status.errorString += QLatin1Char(' ') + reply->errorString();
    m_client.release(this, result);

    qCDebug(lcNbi).noquote()
        << m_requestId << "←" << result.httpStatus << result.reasonPhrase << result.body.size()
        << "B" << m_elapsed.elapsed() << "ms"
        << (status.ok()
                ? QString()
                : QStringLiteral("error %1 (%2)").arg(int(status.error)).arg(int(networkError)));
    if (shouldRetry(status, result)) {
        const int delay = retryDelayMs(result);
        qCInfo(lcNbi).noquote() << m_requestId << "retrying in" << delay
                                << "ms after:" << status.errorString;
        m_retryTimer.start(delay);
        return;
    }
    if (!status.ok())
        qCWarning(lcNbi).noquote()
            << m_requestId << m_request.method << QString::fromLatin1(m_request.path)
            << "failed:" << status.errorString;
    deliver(result, status);
}

NbiStatus NbiJob::classify(const NbiReply &reply, int networkErrorCode) const
{
    const auto networkError = static_cast<QNetworkReply::NetworkError>(networkErrorCode);
    NbiStatus s;
    s.httpStatus = reply.httpStatus;
    s.reasonPhrase = reply.reasonPhrase;
    s.requestId = m_requestId;
    s.attempts = m_attempts;
    const QString host = m_client.profile().nbiUrl.host() +
                         (m_client.profile().nbiUrl.port() > 0
                              ? QLatin1Char(':') + QString::number(m_client.profile().nbiUrl.port())
                              : QString());
    const int timeoutMs = m_client.timeoutFor(m_request);

    auto fail = [&s](NbiError e, const QString &message) {
        s.error = e;
        s.errorString = message;
        return s;
    };

    switch (m_abort) {
    case Abort::Cancelled:
        return fail(NbiError::Cancelled, tr("The request was cancelled."));
    case Abort::Timeout: {
        QString message =
            tr("%1 did not answer within %2 seconds.").arg(host).arg(timeoutMs / 1000.0);
        if (silentTimeout() && m_request.idempotent)
            message += QLatin1Char(' ') +
                       tr("It was not sent again: GenieACS 1.2.10 and later also fall silent, "
                          "for about 21 seconds, when a request crashes the NBI worker, and a "
                          "second copy would crash it again.");
        return fail(NbiError::Timeout, message + notRepeatedNote());
    }
    case Abort::TooLarge:
        return fail(NbiError::TooLarge,
                    tr("The answer from %1 is larger than %2 MiB; it was cut off.")
                        .arg(host)
                        .arg(m_client.options().maxBodyBytes / 1048576.0));
    case Abort::None:
        break;
    }

    if (reply.httpStatus == 0) {
        switch (networkError) {
        case QNetworkReply::NoError:
            return fail(NbiError::NoResponse,
                        tr("%1 closed the connection without an HTTP answer.").arg(host) +
                            notRepeatedNote());
        case QNetworkReply::ConnectionRefusedError:
            return fail(NbiError::Refused,
                        tr("%1 refused the connection: nothing listens there, or GenieACS's NBI "
                           "is restarting.")
                            .arg(host));
        case QNetworkReply::HostNotFoundError:
            return fail(NbiError::HostNotFound, tr("The host name %1 could not be resolved.")
                                                    .arg(m_client.profile().nbiUrl.host()));
        case QNetworkReply::RemoteHostClosedError:
        case QNetworkReply::ContentReSendError: // see OneShotBody
            if (m_droppedQuickly)
                // GenieACS drops a crashing request only after about 21 s (N2); this soon, the
                // server closed an idle keep-alive connection as the request went out.
                return fail(NbiError::NoResponse,
                            tr("%1 closed the connection without an HTTP answer right after the "
                               "request was sent, as a server does when it closes an idle "
                               "connection at that moment.")
                                    .arg(host) +
                                notRepeatedNote());
            return fail(NbiError::NoResponse,
                        tr("%1 closed the connection without an HTTP answer. GenieACS 1.2.10 and "
                           "later do this when a request crashes its NBI worker (for example an "
                           "invalid task or query); the NBI is then unavailable for about 20 "
                           "seconds.")
                                .arg(host) +
                            notRepeatedNote());
        case QNetworkReply::TimeoutError:
            return fail(
                NbiError::Timeout,
                tr("%1 did not answer within %2 seconds.").arg(host).arg(timeoutMs / 1000.0));
        case QNetworkReply::OperationCanceledError:
            return fail(NbiError::Cancelled, tr("The request was cancelled."));
        case QNetworkReply::SslHandshakeFailedError:
            if (reply.certificateUntrusted)
                return fail(NbiError::TlsUntrusted,
                            tr("The TLS certificate of %1 is not trusted (SHA-256 %2). Approve it "
                               "only if it is the certificate of your GenieACS server.")
                                .arg(host, certificateFingerprint(reply.peerCertificate)));
            return fail(NbiError::TlsError, tr("The TLS handshake with %1 failed.").arg(host));
        case QNetworkReply::ProtocolUnknownError:
        case QNetworkReply::ProtocolFailure:
            return fail(NbiError::BadResponse, tr("%1 did not answer with valid HTTP.").arg(host));
        default:
            return fail(NbiError::Network, tr("The connection to %1 failed.").arg(host));
        }
    }

    // An HTTP answer whose body was cut by a transport error.
    if (isTransportError(networkError) || networkError == QNetworkReply::ProtocolFailure)
        return fail(NbiError::BadResponse,
                    tr("The connection to %1 broke in the middle of the answer (HTTP %2).")
                        .arg(host)
                        .arg(reply.httpStatus));

    const bool fromGenieAcs = !reply.header("genieacs-version").isEmpty();
    const QString reason = reply.reasonPhrase;
    const QString text = excerpt(reply.body);
    const int code = reply.httpStatus;

    if (code == 401 || code == 403)
        return fail(NbiError::Unauthorized,
                    tr("%1 refused the credentials (HTTP %2 %3); check the user name and "
                       "password of the profile.")
                        .arg(host)
                        .arg(code)
                        .arg(reason));
    if (m_request.requireGenieAcs && !fromGenieAcs)
        return fail(NbiError::NotGenieAcs,
                    tr("%1 answered HTTP %2 %3 without a GenieACS-Version header: this is not "
                       "GenieACS's NBI (its default port is 7557).")
                        .arg(host)
                        .arg(code)
                        .arg(reason));
    if (code >= 200 && code < 300)
        return s;
    if (code >= 300 && code < 400) {
        const QString location = QString::fromLatin1(reply.header("location")).left(300);
        return fail(NbiError::HttpError,
                    tr("%1 redirects to %2 (HTTP %3); change the profile's NBI URL to that "
                       "address.")
                        .arg(host, location.isEmpty() ? tr("another address") : location)
                        .arg(code));
    }
    const QString detail = text.isEmpty() ? reason : text;
    if (code == 404) {
        if (reason.contains(QLatin1String("No such device"), Qt::CaseInsensitive) ||
            text.contains(QLatin1String("No such device"), Qt::CaseInsensitive))
            return fail(NbiError::NoSuchDevice, tr("GenieACS knows no such device."));
        return fail(NbiError::NotFound, tr("GenieACS answered 404: %1").arg(detail));
    }
    if (code == 503 && (reason.contains(QLatin1String("in session"), Qt::CaseInsensitive) ||
                        text.contains(QLatin1String("in session"), Qt::CaseInsensitive)))
        return fail(NbiError::DeviceInSession,
                    tr("The device is in a session with GenieACS right now; try again when the "
                       "session has ended."));
    if (code == 500 && reply.header("connection").toLower() == "close")
        return fail(NbiError::HttpError,
                    tr("GenieACS failed on this request (HTTP 500: %1); GenieACS 1.2.9 and older "
                       "answer so when a request crashes the NBI worker.")
                        .arg(detail));
    return fail(NbiError::HttpError,
                tr("GenieACS answered HTTP %1 %2: %3").arg(code).arg(reason, detail));
}

bool NbiJob::shouldRetry(const NbiStatus &status, const NbiReply &reply) const
{
    if (status.ok() || m_abort == Abort::Cancelled)
        return false;
    const int maxAttempts =
        m_request.maxAttempts > 0 ? m_request.maxAttempts : m_client.options().maxAttempts;
    if (!m_request.idempotent || m_attempts >= maxAttempts)
        return false;
    switch (status.error) {
    case NbiError::Timeout:
        // GenieACS >= 1.2.10 answers a request that crashes its NBI worker with silence, for
        // about 21 s (N2); a client timeout shorter than that (the profile default is 15 s)
        // must not send it again. Retried: a timeout after the answer had begun (a stalled
        // body), Qt's own timeout, and any timeout from GenieACS <= 1.2.9 (it answers a crash
        // with 500 at once).
        return !silentTimeout();
    case NbiError::Refused:
    case NbiError::Network:
    case NbiError::DeviceInSession:
        return true;
    case NbiError::HttpError:
        if (reply.httpStatus == 502 || reply.httpStatus == 504)
            // A reverse proxy (GENIEACS.md §0) answers for GenieACS: at once when nothing
            // listens behind it (an outage: retried), but only after ~21 s for a request that
            // crashed the NBI worker (N2: the proxy sees the upstream close without an answer).
            // A late 502/504 is therefore treated like a late dropped connection.
            return m_droppedQuickly;
        return reply.httpStatus == 503;
    case NbiError::NoResponse:
        // On GenieACS ≥ 1.2.10 a request that crashed the NBI worker loses its connection after
        // about 21 s (N2); sending it again would crash the worker again. A connection that
        // closes at once was a stale keep-alive connection: the server never read the request.
        return m_droppedQuickly;
    default:
        return false;
    }
}

bool NbiJob::silentTimeout() const
{
    return m_abort == Abort::Timeout && !m_answerStarted &&
           m_client.generation() != GenieAcsVersion::Generation::Legacy;
}

QString NbiJob::notRepeatedNote() const
{
    if (m_request.idempotent)
        return {};
    return QLatin1Char(' ') +
           tr("The request was not sent again because repeating it is not safe; it may or may "
              "not have taken effect (for a task: look for it in GenieACS's task list before "
              "creating it again).");
}

int NbiJob::retryDelayMs(const NbiReply &reply) const
{
    const NbiClient::Options &o = m_client.options();
    qint64 delay = qint64(o.retryBaseDelayMs) << std::min(m_attempts - 1, 16);
    bool ok = false;
    const qint64 retryAfter = reply.header("retry-after").trimmed().toLongLong(&ok);
    if (ok && retryAfter > 0)
        delay = std::max(delay, retryAfter * 1000);
    return int(std::clamp<qint64>(delay, 0, o.retryMaxDelayMs));
}

void NbiJob::deliver(const NbiReply &reply, const NbiStatus &status)
{
    if (m_finished)
        return;
    handleReply(reply, status);
    Q_ASSERT_X(m_finished || m_queued || m_reply || m_retryTimer.isActive(), "NbiJob",
               "handleReply must call done() or sendNext()");
}

NbiRawJob::NbiRawJob(NbiClient &client, NbiRequest request)
    : NbiJob(client, std::move(request))
{}

void NbiRawJob::handleReply(const NbiReply &reply, const NbiStatus &status)
{
    Q_EMIT finished(reply, status);
    done();
}

} // namespace fwd::acs
