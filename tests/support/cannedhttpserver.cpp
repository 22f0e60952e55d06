#include "cannedhttpserver.h"

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

QString CannedHttpServer::baseUrl() const
{
    return QStringLiteral("http://127.0.0.1:%1/").arg(serverPort());
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
