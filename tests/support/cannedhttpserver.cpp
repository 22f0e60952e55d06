#include "cannedhttpserver.h"

#include <QFile>
#include <QSslKey>
#include <QSslSocket>
#include <QTcpSocket>

CannedHttpServer::CannedHttpServer(QObject *parent)
    : QTcpServer(parent)
{
    connect(this, &QTcpServer::newConnection, this, &CannedHttpServer::onNewConnection);
}

bool CannedHttpServer::start()
{
    return listen(QHostAddress::LocalHost, 0);
}

bool CannedHttpServer::useTls(const QString &certificatePem, const QString &keyPem)
{
    QFile cert(certificatePem);
    QFile key(keyPem);
    if (!cert.open(QIODevice::ReadOnly) || !key.open(QIODevice::ReadOnly))
        return false;
    m_tls = QSslConfiguration::defaultConfiguration();
    m_tls.setLocalCertificate(QSslCertificate(cert.readAll(), QSsl::Pem));
    m_tls.setPrivateKey(QSslKey(key.readAll(), QSsl::Ec, QSsl::Pem));
    m_useTls = !m_tls.localCertificate().isNull() && !m_tls.privateKey().isNull();
    return m_useTls;
}

QString CannedHttpServer::baseUrl() const
{
    return QStringLiteral("%1://127.0.0.1:%2/")
        .arg(m_useTls ? QStringLiteral("https") : QStringLiteral("http"))
        .arg(serverPort());
}

void CannedHttpServer::incomingConnection(qintptr descriptor)
{
    if (!m_useTls) {
        QTcpServer::incomingConnection(descriptor);
        return;
    }
    auto *socket = new QSslSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        return;
    }
    socket->setSslConfiguration(m_tls);
    socket->startServerEncryption();
    addPendingConnection(socket);
}

QByteArray CannedHttpServer::genieAcsHead(const QByteArray &version, qint64 total)
{
    return "HTTP/1.1 200 OK\r\nGenieACS-Version: " + version +
           "\r\nContent-Type: application/json\r\ntotal: " + QByteArray::number(total) +
           "\r\nConnection: keep-alive\r\n\r\n";
}

void CannedHttpServer::onNewConnection()
{
    while (QTcpSocket *socket = nextPendingConnection()) {
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        auto buffer = std::make_shared<QByteArray>();
        connect(socket, &QTcpSocket::readyRead, this, [this, socket, buffer] {
            buffer->append(socket->readAll());
            const qsizetype end = buffer->indexOf("\r\n\r\n");
            if (end < 0)
                return;
            m_requests.append(buffer->left(end));
            buffer->remove(0, end + 4);
            switch (m_mode) {
            case Mode::Respond:
                socket->write(m_response);
                break;
            case Mode::Silent:
                break;
            case Mode::CloseWithoutResponse:
                socket->close();
                break;
            }
        });
    }
}
