#include "cannedhttpserver.h"

#include <QFile>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>

CannedHttpServer::CannedHttpServer(Handler handler, const QSslConfiguration *tls, QObject *parent)
    : QObject(parent)
    , m_handler(std::move(handler))
{
    if (tls) {
        auto server = std::make_unique<QSslServer>();
        server->setSslConfiguration(*tls);
        m_tls = true;
        m_server = std::move(server);
    } else {
        m_server = std::make_unique<QTcpServer>();
    }
    connect(m_server.get(), &QTcpServer::pendingConnectionAvailable, this, [this] {
        while (QTcpSocket *socket = m_server->nextPendingConnection())
            onConnection(socket);
    });
    if (!m_server->listen(QHostAddress::LocalHost, 0))
        qFatal("CannedHttpServer: cannot listen on 127.0.0.1");
}

CannedHttpServer::~CannedHttpServer() = default;

quint16 CannedHttpServer::port() const
{
    return m_server->serverPort();
}

QString CannedHttpServer::baseUrl() const
{
    return QStringLiteral("%1://127.0.0.1:%2")
        .arg(m_tls ? QStringLiteral("https") : QStringLiteral("http"))
        .arg(port());
}

void CannedHttpServer::close()
{
    m_server->close();
}

void CannedHttpServer::onConnection(QTcpSocket *socket)
{
    socket->setParent(this);
    connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
    connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
        m_buffers.remove(socket);
        socket->deleteLater();
    });
    if (socket->bytesAvailable() > 0)
        onReadyRead(socket);
}

void CannedHttpServer::onReadyRead(QTcpSocket *socket)
{
    QByteArray &buffer = m_buffers[socket];
    buffer += socket->readAll();
    for (;;) {
        const qsizetype end = buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return;
        Request request;
        const QList<QByteArray> lines = buffer.left(end).split('\n');
        const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
        request.method = first.value(0);
        request.target = first.value(1);
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines[i].indexOf(':');
            if (colon > 0)
                request.headers.insert(lines[i].left(colon).trimmed().toLower(),
                                       lines[i].mid(colon + 1).trimmed());
        }
        const qint64 length = request.headers.value("content-length").toLongLong();
        if (buffer.size() < end + 4 + length)
            return;
        request.body = buffer.mid(end + 4, length);
        buffer.remove(0, end + 4 + length);
        m_requests.append(request);
        m_handler(socket, request);
        if (socket->state() != QAbstractSocket::ConnectedState)
            return;
    }
}

QByteArray CannedHttpServer::response(int status, const QByteArray &reason,
                                      const QList<std::pair<QByteArray, QByteArray>> &headers,
                                      const QByteArray &body, bool head)
{
    QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reason + "\r\n";
    bool hasLength = false;
    for (const auto &[name, value] : headers) {
        out += name + ": " + value + "\r\n";
        hasLength = hasLength || name.toLower() == "content-length" ||
                    name.toLower() == "transfer-encoding";
    }
    if (!hasLength)
        out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    out += "\r\n";
    if (!head)
        out += body;
    return out;
}

CannedHttpServer::Handler CannedHttpServer::answer(int status, const QByteArray &reason,
                                                   QList<std::pair<QByteArray, QByteArray>> headers,
                                                   QByteArray body)
{
    return [=](QTcpSocket *socket, const Request &request) {
        socket->write(response(status, reason, headers, body, request.method == "HEAD"));
    };
}

CannedHttpServer::Handler CannedHttpServer::raw(QByteArray bytes)
{
    return [bytes = std::move(bytes)](QTcpSocket *socket, const Request &) {
        socket->write(bytes);
    };
}

CannedHttpServer::Handler CannedHttpServer::silent()
{
    return [](QTcpSocket *, const Request &) {
    };
}

CannedHttpServer::Handler CannedHttpServer::closeWithoutResponse()
{
    return [](QTcpSocket *socket, const Request &) {
        socket->close();
    };
}

CannedHttpServer::Handler CannedHttpServer::genieAcsHead(const QByteArray &version, qint64 total)
{
    return answer(200, "OK",
                  {{"GenieACS-Version", version},
                   {"Content-Type", "application/json"},
                   {"total", QByteArray::number(total)},
                   {"Connection", "keep-alive"}},
                  "[]");
}

QSslConfiguration CannedHttpServer::tlsFromPem(const QString &certificatePem, const QString &keyPem)
{
    QFile cert(certificatePem);
    QFile key(keyPem);
    if (!cert.open(QIODevice::ReadOnly) || !key.open(QIODevice::ReadOnly))
        return {};
    const QByteArray keyBytes = key.readAll();
    QSslKey privateKey(keyBytes, QSsl::Ec, QSsl::Pem);
    if (privateKey.isNull())
        privateKey = QSslKey(keyBytes, QSsl::Rsa, QSsl::Pem);
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setLocalCertificate(QSslCertificate(cert.readAll(), QSsl::Pem));
    tls.setPrivateKey(privateKey);
    if (tls.localCertificate().isNull() || tls.privateKey().isNull())
        return {};
    return tls;
}
