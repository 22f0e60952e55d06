#include "lab/httpserver.h"

#include "lab/lablogging.h"

#include <QDateTime>
#include <QLocale>
#include <QSslServer>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

namespace fwd::lab {

namespace {

QByteArray httpDate(const QDateTime &t)
{
    return QLocale::c()
        .toString(t.toUTC(), QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'"))
        .toLatin1();
}

QString decodeFormComponent(QByteArray s)
{
    s.replace('+', ' ');
    return QString::fromUtf8(QByteArray::fromPercentEncoding(s));
}

} // namespace

QByteArray HttpRequest::header(const QByteArray &name) const
{
    for (const auto &[k, v] : headers) {
        if (k.compare(name, Qt::CaseInsensitive) == 0)
            return v;
    }
    return {};
}

bool HttpRequest::hasHeader(const QByteArray &name) const
{
    for (const auto &[k, v] : headers) {
        if (k.compare(name, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

bool HttpRequest::hasQueryItem(const QString &name) const
{
    if (rawQuery.isEmpty())
        return false;
    for (const QByteArray &part : rawQuery.split('&')) {
        const qsizetype eq = part.indexOf('=');
        if (decodeFormComponent(eq < 0 ? part : part.left(eq)) == name)
            return true;
    }
    return false;
}

QString HttpRequest::queryItem(const QString &name) const
{
    for (const QByteArray &part : rawQuery.split('&')) {
        const qsizetype eq = part.indexOf('=');
        if (decodeFormComponent(eq < 0 ? part : part.left(eq)) == name)
            return eq < 0 ? QString() : decodeFormComponent(part.mid(eq + 1));
    }
    return {};
}

QByteArray HttpResponse::standardReason(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 206:
        return "Partial Content";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 412:
        return "Precondition Failed";
    case 413:
        return "Payload Too Large";
    case 416:
        return "Range Not Satisfiable";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "Unknown";
    }
}

struct HttpServer::Connection
{
    QByteArray buffer;
    bool busy = false; // an exchange is waiting for its answer
    bool sentContinue = false;
    bool closing = false;
    QTimer *idle = nullptr;
};

HttpExchange::HttpExchange(HttpServer *server, QTcpSocket *socket, HttpRequest request,
                           bool closeAfter)
    : QObject(server)
    , m_server(server)
    , m_socket(socket)
    , m_request(std::move(request))
    , m_closeAfter(closeAfter)
{}

bool HttpExchange::isConnected() const
{
    return m_socket && m_socket->state() == QAbstractSocket::ConnectedState;
}

void HttpExchange::respond(const HttpResponse &response)
{
    if (m_done)
        return;
    m_done = true;
    deleteLater();
    if (!m_server || !m_socket || m_server->m_crashed)
        return;
    const bool head = m_request.method == "HEAD";
    const bool noBody = head || response.status == 304 || response.status == 204;
    QByteArray out;
    out.reserve(256 + response.body.size());
    out += "HTTP/1.1 " + QByteArray::number(response.status) + ' ' +
           (response.reason.isEmpty() ? HttpResponse::standardReason(response.status)
                                      : response.reason) +
           "\r\n";
    const auto &opt = m_server->m_options;
    if (!opt.serverHeaderName.isEmpty())
        out += opt.serverHeaderName + ": " + opt.serverHeaderValue + "\r\n";
    bool hasLength = false;
    for (const auto &[k, v] : response.headers) {
        out += k + ": " + v + "\r\n";
        hasLength |= k.compare("Content-Length", Qt::CaseInsensitive) == 0;
    }
    out += "Date: " + httpDate(QDateTime::currentDateTimeUtc()) + "\r\n";
    if (m_closeAfter) {
        out += "Connection: close\r\n";
    } else {
        out += "Connection: keep-alive\r\nKeep-Alive: timeout=" +
               QByteArray::number(opt.keepAliveTimeoutMs / 1000) + "\r\n";
    }
    const bool chunked = response.chunked && !hasLength && !noBody;
    if (chunked)
        out += "Transfer-Encoding: chunked\r\n";
    out += "\r\n";
    if (!noBody) {
        if (chunked) {
            if (!response.body.isEmpty())
                out +=
                    QByteArray::number(response.body.size(), 16) + "\r\n" + response.body + "\r\n";
            out += "0\r\n\r\n";
        } else {
            out += response.body;
        }
    }
    m_server->sendRaw(m_socket, out, m_closeAfter);
    m_server->exchangeDone(m_socket, m_closeAfter);
}

void HttpExchange::crash(const QString &why)
{
    if (m_done)
        return;
    m_done = true;
    deleteLater();
    if (m_server)
        m_server->startCrash(why);
}

HttpServer::HttpServer(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
{}

HttpServer::~HttpServer()
{
    for (auto it = m_connections.begin(); it != m_connections.end(); ++it) {
        it.key()->disconnect(this);
        it.key()->abort();
    }
}

void HttpServer::setSslConfiguration(const QSslConfiguration &config)
{
    m_ssl = config;
}

void HttpServer::setCrashEmulation(int closeDelayMs, int outageMs)
{
    m_options.crashCloseDelayMs = closeDelayMs;
    m_options.crashOutageMs = outageMs;
}

bool HttpServer::isListening() const
{
    return m_server && m_server->isListening();
}

bool HttpServer::listen(const QHostAddress &address, quint16 port)
{
    m_address = address;
    m_port = port;
    return startListening();
}

bool HttpServer::startListening()
{
    if (m_server) {
        m_server->close();
        m_server->deleteLater();
        m_server = nullptr;
    }
    if (m_ssl) {
        auto *ssl = new QSslServer(this);
        ssl->setSslConfiguration(*m_ssl);
        m_server = ssl;
    } else {
        m_server = new QTcpServer(this);
    }
    connect(m_server, &QTcpServer::pendingConnectionAvailable, this, &HttpServer::onNewConnection);
    if (!m_server->listen(m_address, m_port)) {
        qCWarning(lcLab) << "cannot listen on" << m_address << m_port << m_server->errorString();
        return false;
    }
    m_port = m_server->serverPort();
    return true;
}

void HttpServer::close()
{
    if (m_server)
        m_server->close();
    const auto sockets = m_connections.keys();
    for (QTcpSocket *s : sockets)
        s->abort();
}

void HttpServer::onNewConnection()
{
    while (m_server && m_server->hasPendingConnections()) {
        QTcpSocket *socket = m_server->nextPendingConnection();
        if (!socket)
            break;
        auto conn = std::make_shared<Connection>();
        conn->idle = new QTimer(socket);
        conn->idle->setSingleShot(true);
        conn->idle->setInterval(m_options.keepAliveTimeoutMs);
        connect(conn->idle, &QTimer::timeout, socket, [socket] { socket->disconnectFromHost(); });
        conn->idle->start();
        m_connections.insert(socket, conn);
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
            m_connections.remove(socket);
            socket->deleteLater();
        });
        if (socket->bytesAvailable() > 0)
            onReadyRead(socket);
    }
}

void HttpServer::onReadyRead(QTcpSocket *socket)
{
    auto it = m_connections.find(socket);
    if (it == m_connections.end())
        return;
    it.value()->buffer.append(socket->readAll());
    it.value()->idle->stop();
    processBuffer(socket);
}

void HttpServer::sendRaw(QTcpSocket *socket, const QByteArray &bytes, bool close)
{
    if (!socket || socket->state() != QAbstractSocket::ConnectedState)
        return;
    socket->write(bytes);
    if (close) {
        if (auto it = m_connections.find(socket); it != m_connections.end())
            it.value()->closing = true;
        socket->disconnectFromHost();
    }
}

void HttpServer::exchangeDone(QTcpSocket *socket, bool close)
{
    auto it = m_connections.find(socket);
    if (it == m_connections.end())
        return;
    it.value()->busy = false;
    if (close)
        return;
    it.value()->idle->start();
    if (!it.value()->buffer.isEmpty())
        QTimer::singleShot(0, socket, [this, socket] { processBuffer(socket); });
}

void HttpServer::processBuffer(QTcpSocket *socket)
{
    auto it = m_connections.find(socket);
    if (it == m_connections.end())
        return;
    Connection &c = *it.value();
    if (c.busy || c.closing || m_crashed)
        return;
    QByteArray &buf = c.buffer;
    // Skip stray CRLFs between requests (RFC 9112 2.2).
    while (buf.startsWith("\r\n"))
        buf.remove(0, 2);
    if (buf.isEmpty())
        return;
    const qsizetype headerEnd = buf.indexOf("\r\n\r\n");
    if (headerEnd < 0) {
        if (buf.size() > m_options.maxHeaderBytes)
            sendRaw(socket,
                    "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n",
                    true);
        return;
    }
    if (headerEnd > m_options.maxHeaderBytes) {
        sendRaw(socket, "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n",
                true);
        return;
    }
    const QList<QByteArray> lines = buf.left(headerEnd).split('\n');
    const QList<QByteArray> requestLine = lines.first().trimmed().split(' ');
    HttpRequest req;
    if (requestLine.size() != 3 || !requestLine.at(2).startsWith("HTTP/1.") ||
        requestLine.at(1).isEmpty()) {
        sendRaw(socket, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n", true);
        return;
    }
    req.method = requestLine.at(0);
    req.target = requestLine.at(1);
    const qsizetype q = req.target.indexOf('?');
    req.path = q < 0 ? req.target : req.target.left(q);
    req.rawQuery = q < 0 ? QByteArray() : req.target.mid(q + 1);
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0) {
            sendRaw(socket, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n", true);
            return;
        }
        req.headers.emplaceBack(line.left(colon).trimmed(), line.mid(colon + 1).trimmed());
    }
    const bool http10 = requestLine.at(2) == "HTTP/1.0";
    const QByteArray connectionHeader = req.header("Connection").toLower();
    const bool closeAfter =
        connectionHeader.contains("close") || (http10 && !connectionHeader.contains("keep-alive"));

    // Body.
    qsizetype consumed = headerEnd + 4;
    const bool expectContinue = req.header("Expect").toLower() == "100-continue";
    if (req.header("Transfer-Encoding").toLower().contains("chunked")) {
        QByteArray body;
        qsizetype pos = consumed;
        while (true) {
            const qsizetype lineEnd = buf.indexOf("\r\n", pos);
            if (lineEnd < 0) {
                if (expectContinue && !c.sentContinue) {
                    c.sentContinue = true;
                    sendRaw(socket, "HTTP/1.1 100 Continue\r\n\r\n", false);
                }
                return;
            }
            bool ok = false;
            const qint64 size =
                buf.mid(pos, lineEnd - pos).split(';').first().trimmed().toLongLong(&ok, 16);
            if (!ok || size < 0) {
                sendRaw(socket, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n", true);
                return;
            }
            if (body.size() + size > m_options.maxBodyBytes) {
                sendRaw(socket, "HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\n\r\n",
                        true);
                return;
            }
            if (size == 0) {
                const qsizetype trailerEnd = buf.indexOf("\r\n\r\n", lineEnd);
                if (buf.mid(lineEnd, 4) == "\r\n\r\n") {
                    consumed = lineEnd + 4;
                } else if (trailerEnd >= 0) {
                    consumed = trailerEnd + 4;
                } else {
                    return;
                }
                break;
            }
            if (buf.size() < lineEnd + 2 + size + 2)
                return;
            body.append(buf.mid(lineEnd + 2, size));
            pos = lineEnd + 2 + size + 2;
        }
        req.body = body;
    } else {
        const QByteArray cl = req.header("Content-Length");
        qint64 length = 0;
        if (!cl.isEmpty()) {
            bool ok = false;
            length = cl.toLongLong(&ok);
            if (!ok || length < 0) {
                sendRaw(socket, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n", true);
                return;
            }
        }
        if (length > m_options.maxBodyBytes) {
            sendRaw(socket, "HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\n\r\n", true);
            return;
        }
        if (buf.size() - consumed < length) {
            if (expectContinue && !c.sentContinue) {
                c.sentContinue = true;
                sendRaw(socket, "HTTP/1.1 100 Continue\r\n\r\n", false);
            }
            return;
        }
        req.body = buf.mid(consumed, length);
        consumed += length;
    }
    buf.remove(0, consumed);
    c.sentContinue = false;
    c.busy = true;
    qCDebug(lcLab) << req.method << req.target;
    auto *exchange = new HttpExchange(this, socket, std::move(req), closeAfter);
    if (m_handler)
        m_handler(exchange);
    else
        exchange->respond(HttpResponse{404, {}, {}, "404 Not Found", true});
}

void HttpServer::startCrash(const QString &why)
{
    qCWarning(lcLab) << "emulating a GenieACS NBI worker crash:" << why;
    m_crashed = true;
    ++m_crashCount;
    Q_EMIT crashed(why);
    if (m_options.crashOutageMs > 0 && m_server)
        m_server->close();
    QTimer::singleShot(m_options.crashCloseDelayMs, this, [this] {
        const auto sockets = m_connections.keys();
        for (QTcpSocket *s : sockets)
            s->abort();
        if (m_options.crashOutageMs <= 0) {
            m_crashed = false;
            Q_EMIT recovered();
        }
    });
    if (m_options.crashOutageMs > 0) {
        QTimer::singleShot(
            qMax(m_options.crashOutageMs, m_options.crashCloseDelayMs), this, [this] {
                m_crashed = false;
                if (!startListening())
                    qCWarning(lcLab) << "could not listen again after the emulated crash";
                Q_EMIT recovered();
            });
    }
}

} // namespace fwd::lab
