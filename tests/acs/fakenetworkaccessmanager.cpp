#include "fakenetworkaccessmanager.h"

FakeNetworkAccessManager::Script
FakeNetworkAccessManager::Script::answer(int status, QByteArray reason, QByteArray body,
                                         QList<std::pair<QByteArray, QByteArray>> headers)
{
    Script s;
    s.status = status;
    s.reason = std::move(reason);
    s.body = std::move(body);
    s.headers = std::move(headers);
    return s;
}

FakeNetworkAccessManager::Script
FakeNetworkAccessManager::Script::genie(int status, QByteArray reason, QByteArray body,
                                        QList<std::pair<QByteArray, QByteArray>> headers)
{
    headers.prepend({"GenieACS-Version", "1.2.16+26120138e9"});
    return answer(status, std::move(reason), std::move(body), std::move(headers));
}

FakeNetworkAccessManager::Script FakeNetworkAccessManager::Script::of(Kind kind)
{
    Script s;
    s.kind = kind;
    return s;
}

FakeNetworkAccessManager::FakeNetworkAccessManager(Handler handler)
    : m_handler(std::move(handler))
{}

QNetworkReply *FakeNetworkAccessManager::createRequest(Operation op, const QNetworkRequest &request,
                                                       QIODevice *outgoingData)
{
    Captured c;
    switch (op) {
    case GetOperation:
        c.method = "GET";
        break;
    case HeadOperation:
        c.method = "HEAD";
        break;
    case PostOperation:
        c.method = "POST";
        break;
    case PutOperation:
        c.method = "PUT";
        break;
    case DeleteOperation:
        c.method = "DELETE";
        break;
    default:
        c.method = request.attribute(QNetworkRequest::CustomVerbAttribute).toByteArray();
        break;
    }
    c.url = request.url();
    c.request = request;
    if (outgoingData)
        c.body = outgoingData->readAll();
    m_requests.append(c);
    auto *reply = new FakeReply(request, c.method, m_handler(c), this);
    m_maxOpen = std::max(m_maxOpen, ++m_open);
    connect(reply, &FakeReply::done, this, [this] { --m_open; });
    return reply;
}

FakeReply::FakeReply(const QNetworkRequest &request, QByteArray method,
                     FakeNetworkAccessManager::Script script, QObject *parent)
    : QNetworkReply(parent)
    , m_script(std::move(script))
{
    setRequest(request);
    setUrl(request.url());
    setOperation(method == "GET"      ? QNetworkAccessManager::GetOperation
                 : method == "HEAD"   ? QNetworkAccessManager::HeadOperation
                 : method == "PUT"    ? QNetworkAccessManager::PutOperation
                 : method == "DELETE" ? QNetworkAccessManager::DeleteOperation
                                      : QNetworkAccessManager::PostOperation);
    open(QIODevice::ReadOnly | QIODevice::Unbuffered);
    QTimer::singleShot(m_script.delayMs, this, &FakeReply::run);
}

void FakeReply::run()
{
    if (m_done)
        return;
    using Kind = FakeNetworkAccessManager::Script::Kind;
    switch (m_script.kind) {
    case Kind::Hang:
        return;
    case Kind::Refuse:
        fail(ConnectionRefusedError, QStringLiteral("Connection refused"));
        return;
    case Kind::Reset:
        fail(RemoteHostClosedError, QStringLiteral("Connection closed"));
        return;
    case Kind::CutBody:
        sendHeaders();
        m_buffer += m_script.body.left(m_script.body.size() / 2);
        Q_EMIT readyRead();
        fail(RemoteHostClosedError, QStringLiteral("Connection closed"));
        return;
    case Kind::Endless: {
        sendHeaders();
        connect(&m_endless, &QTimer::timeout, this, [this] {
            m_buffer += QByteArray(256 * 1024, '[');
            Q_EMIT readyRead();
        });
        m_endless.start(0);
        return;
    }
    case Kind::Answer:
        sendHeaders();
        m_buffer += m_script.body;
        if (!m_script.body.isEmpty())
            Q_EMIT readyRead();
        if (m_script.status >= 400)
            setError(m_script.status == 404   ? ContentNotFoundError
                     : m_script.status == 401 ? AuthenticationRequiredError
                     : m_script.status == 403 ? ContentAccessDenied
                     : m_script.status >= 500 ? InternalServerError
                                              : UnknownContentError,
                     QString::fromLatin1(m_script.reason));
        complete();
        return;
    }
}

void FakeReply::sendHeaders()
{
    setAttribute(QNetworkRequest::HttpStatusCodeAttribute, m_script.status);
    setAttribute(QNetworkRequest::HttpReasonPhraseAttribute, m_script.reason);
    for (const auto &[name, value] : m_script.headers)
        setRawHeader(name, value);
    Q_EMIT metaDataChanged();
}

void FakeReply::fail(NetworkError code, const QString &text)
{
    if (m_done)
        return;
    m_endless.stop();
    setError(code, text);
    Q_EMIT errorOccurred(code);
    complete();
}

void FakeReply::complete()
{
    if (m_done)
        return;
    m_done = true;
    m_endless.stop();
    setFinished(true);
    Q_EMIT done();
    Q_EMIT finished();
}

void FakeReply::abort()
{
    fail(OperationCanceledError, QStringLiteral("Operation canceled"));
}

qint64 FakeReply::bytesAvailable() const
{
    return m_buffer.size() + QIODevice::bytesAvailable();
}

qint64 FakeReply::readData(char *data, qint64 maxSize)
{
    const qint64 n = std::min<qint64>(maxSize, m_buffer.size());
    memcpy(data, m_buffer.constData(), size_t(n));
    m_buffer.remove(0, n);
    return n;
}
