#include "testclient.h"

#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpSocket>

#include <openssl/evp.h>

namespace fwd::fileserver::test {

struct RawClient::HashState
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    ~HashState() { EVP_MD_CTX_free(ctx); }
};

QByteArray ClientResponse::header(const QByteArray &lowerName) const
{
    for (const auto &h : headers) {
        if (h.first == lowerName)
            return h.second;
    }
    return {};
}

RawClient::RawClient(Tls tls, const QList<QSslCertificate> &trusted, QObject *parent)
    : QObject(parent)
    , m_tls(tls)
    , m_hash(std::make_unique<HashState>())
{
    if (tls == Tls::None) {
        m_socket = std::make_unique<QTcpSocket>();
        connect(m_socket.get(), &QTcpSocket::connected, this, [this] {
            m_ready = true;
            Q_EMIT ready();
        });
    } else {
        auto *ssl = new QSslSocket;
        m_socket.reset(ssl);
        QSslConfiguration conf = QSslConfiguration::defaultConfiguration();
        if (tls == Tls::Trusting)
            conf.setCaCertificates(trusted);
        ssl->setSslConfiguration(conf);
        connect(ssl, &QSslSocket::encrypted, this, [this] {
            m_ready = true;
            Q_EMIT ready();
        });
        connect(ssl, &QSslSocket::sslErrors, this,
                [this](const QList<QSslError> &errors) { m_sslErrors += errors; });
    }
    connect(m_socket.get(), &QTcpSocket::readyRead, this, &RawClient::onReadyRead);
    connect(m_socket.get(), &QTcpSocket::disconnected, this, [this] {
        m_disconnected = true;
        Q_EMIT disconnected();
    });
    connect(m_socket.get(), &QTcpSocket::errorOccurred, this, [this] {
        if (m_socket->state() == QAbstractSocket::UnconnectedState && !m_disconnected) {
            m_disconnected = true;
            Q_EMIT disconnected();
        }
    });
}

RawClient::~RawClient() = default;

QSslSocket *RawClient::sslSocket() const
{
    return m_tls == Tls::None ? nullptr : static_cast<QSslSocket *>(m_socket.get());
}

void RawClient::connectTo(quint16 port, const QString &host)
{
    if (auto *ssl = sslSocket())
        ssl->connectToHostEncrypted(host, port);
    else
        m_socket->connectToHost(host, port);
}

bool RawClient::waitForReady(int ms)
{
    if (auto *ssl = sslSocket())
        return ssl->waitForEncrypted(ms);
    return m_socket->waitForConnected(ms);
}

bool RawClient::waitForReadyRead(int ms)
{
    return m_socket->waitForReadyRead(ms);
}

void RawClient::setReadBufferSize(qint64 bytes)
{
    m_socket->setReadBufferSize(bytes);
}

void RawClient::send(const QByteArray &bytes, int requests, bool isHead)
{
    for (int i = 0; i < requests; ++i)
        m_pendingHead.append(isHead);
    m_socket->write(bytes);
}

void RawClient::get(const QByteArray &target, const QByteArray &extraHeaders)
{
    send("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extraHeaders + "\r\n");
}

void RawClient::abort()
{
    m_socket->abort();
}

void RawClient::onReadyRead()
{
    if (m_paused)
        return;
    m_buffer += m_socket->readAll();
    parse();
}

void RawClient::finishBody()
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(m_hash->ctx, md, &len);
    m_current.sha256 = QByteArray(reinterpret_cast<const char *>(md), int(len)).toHex();
    m_responses.append(std::move(m_current));
    m_current = ClientResponse();
    m_inBody = false;
    Q_EMIT responseReceived();
}

void RawClient::parse()
{
    for (;;) {
        if (m_inBody) {
            const qint64 take = qMin<qint64>(m_bodyRemaining, m_buffer.size());
            if (take > 0) {
                EVP_DigestUpdate(m_hash->ctx, m_buffer.constData(), size_t(take));
                if (m_current.body.size() < m_keepLimit)
                    m_current.body +=
                        m_buffer.left(qMin<qint64>(take, m_keepLimit - m_current.body.size()));
                m_current.bodyBytes += take;
                m_bodyRemaining -= take;
                m_buffer.remove(0, take);
            }
            if (m_bodyRemaining > 0)
                return;
            finishBody();
            continue;
        }
        const qsizetype end = m_buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return;
        const QList<QByteArray> lines = m_buffer.left(end).split('\n');
        m_buffer.remove(0, end + 4);
        m_current = ClientResponse();
        const QList<QByteArray> statusLine = lines.value(0).trimmed().split(' ');
        m_current.status = statusLine.value(1).toInt();
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines[i].trimmed();
            const qsizetype colon = line.indexOf(':');
            if (colon > 0)
                m_current.headers.append(
                    {line.left(colon).trimmed().toLower(), line.mid(colon + 1).trimmed()});
        }
        const bool isHead = m_pendingHead.isEmpty() ? false : m_pendingHead.takeFirst();
        m_bodyRemaining = (isHead || m_current.status == 304 || m_current.status == 204)
                              ? 0
                              : m_current.header("content-length").toLongLong();
        EVP_DigestInit_ex(m_hash->ctx, EVP_sha256(), nullptr);
        m_inBody = true;
    }
}

} // namespace fwd::fileserver::test
