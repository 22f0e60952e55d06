#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPair>
#include <QPointer>
#include <QSslConfiguration>

#include <functional>
#include <memory>
#include <optional>

class QTcpServer;
class QTcpSocket;
class QTimer;

namespace fwd::lab {

using HttpHeaders = QList<QPair<QByteArray, QByteArray>>;

struct HttpRequest
{
    QByteArray method;
    QByteArray target;   // as received: path and query, percent-encoded
    QByteArray path;     // target without the query
    QByteArray rawQuery; // after '?', without it
    HttpHeaders headers;
    QByteArray body;

    QByteArray header(const QByteArray &name) const; // case-insensitive, first match
    bool hasHeader(const QByteArray &name) const;
    // WHATWG URLSearchParams semantics ('+' is a space, percent-decoding).
    bool hasQueryItem(const QString &name) const;
    QString queryItem(const QString &name) const;
};

struct HttpResponse
{
    int status = 200;
    QByteArray reason; // empty: the standard phrase
    HttpHeaders headers;
    QByteArray body;
    // Node's http module sends bodies chunked unless a Content-Length header was set.
    bool chunked = true;

    static QByteArray standardReason(int status);
};

class HttpServer;

// One request waiting for its answer. The handler may answer at once or later (a task with a
// connection request waits for the simulated session); if the client went away meanwhile the
// answer is dropped.
class HttpExchange final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpExchange)

public:
    HttpExchange(HttpServer *server, QTcpSocket *socket, HttpRequest request, bool closeAfter);
    const HttpRequest &request() const { return m_request; }
    void respond(const HttpResponse &response);
    // GenieACS's NBI worker dies on an unhandled error: no response at all (see HttpServer).
    void crash(const QString &why);
    bool isConnected() const;
    bool isDone() const { return m_done; }

private:
    QPointer<HttpServer> m_server;
    QPointer<QTcpSocket> m_socket;
    HttpRequest m_request;
    bool m_closeAfter = false;
    bool m_done = false;
};

// A small HTTP/1.1 server on 127.0.0.1 with keep-alive, written to answer on the wire the way
// Node's http module does for GenieACS (chunked bodies, Connection/Keep-Alive headers, 431 for
// oversized headers), optionally over TLS (QSslServer).
class HttpServer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpServer)

public:
    using Handler = std::function<void(HttpExchange *)>;

    struct Options
    {
        QByteArray serverHeaderName; // a header sent first on every response (empty: none)
        QByteArray serverHeaderValue;
        qsizetype maxHeaderBytes = 16 * 1024;  // Node's default --max-http-header-size
        qint64 maxBodyBytes = qint64(1) << 30; // lab protection: 413 beyond (GenieACS: no limit)
        int keepAliveTimeoutMs = 5000;
        // Crash emulation (GENIEACS.md N2): the connection of the failing request closes with no
        // response after closeDelayMs, together with every other open connection (the worker
        // exits); if outageMs > 0 the port refuses connections for that long, then listens again.
        int crashCloseDelayMs = 0;
        int crashOutageMs = 0;
    };

    explicit HttpServer(Options options, QObject *parent = nullptr);
    ~HttpServer() override;

    // TLS: call before listen(); the socket then speaks HTTPS only.
    void setSslConfiguration(const QSslConfiguration &config);
    bool listen(const QHostAddress &address = QHostAddress::LocalHost, quint16 port = 0);
    void close();
    quint16 port() const { return m_port; }
    bool isListening() const;
    void setHandler(Handler handler) { m_handler = std::move(handler); }
    const Options &options() const { return m_options; }
    void setCrashEmulation(int closeDelayMs, int outageMs);
    bool isCrashed() const { return m_crashed; }
    int crashCount() const { return m_crashCount; }

Q_SIGNALS:
    void crashed(const QString &why);
    void recovered();

private:
    friend class HttpExchange;
    struct Connection;
    void onNewConnection();
    void onReadyRead(QTcpSocket *socket);
    void processBuffer(QTcpSocket *socket);
    void sendRaw(QTcpSocket *socket, const QByteArray &bytes, bool close);
    void exchangeDone(QTcpSocket *socket, bool close);
    void startCrash(const QString &why);
    bool startListening();

    Options m_options;
    std::optional<QSslConfiguration> m_ssl;
    QTcpServer *m_server = nullptr;
    QHostAddress m_address;
    quint16 m_port = 0;
    Handler m_handler;
    QHash<QTcpSocket *, std::shared_ptr<Connection>> m_connections;
    bool m_crashed = false;
    int m_crashCount = 0;
};

} // namespace fwd::lab
