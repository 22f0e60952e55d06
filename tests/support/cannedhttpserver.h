#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QSslConfiguration>
#include <QTcpServer>
#include <QTcpSocket>

#include <functional>
#include <memory>

// A small HTTP/1.1 server on 127.0.0.1, port 0, for tests that play a GenieACS NBI, an nginx
// page or a proxy asking for credentials: it parses requests (head and Content-Length body) and
// hands them to a handler that writes whatever (well- or ill-formed) answer the test needs, or
// nothing, or closes the connection. With a TLS configuration it is a QSslServer.
class CannedHttpServer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CannedHttpServer)

public:
    struct Request
    {
        QByteArray method;
        QByteArray target;                     // path and query, as sent
        QHash<QByteArray, QByteArray> headers; // lower-case names
        QByteArray body;
    };
    // Write the answer to the socket (or nothing, or close it).
    using Handler = std::function<void(QTcpSocket *socket, const Request &request)>;

    explicit CannedHttpServer(Handler handler, const QSslConfiguration *tls = nullptr,
                              QObject *parent = nullptr);
    ~CannedHttpServer() override;

    quint16 port() const;
    QString baseUrl() const; // http(s)://127.0.0.1:<port>, no trailing slash
    const QList<Request> &requests() const { return m_requests; }
    void setHandler(Handler handler) { m_handler = std::move(handler); }
    // Stops listening (the port then refuses connections); open connections stay.
    void close();

    // Canned answers.
    static QByteArray response(int status, const QByteArray &reason,
                               const QList<std::pair<QByteArray, QByteArray>> &headers,
                               const QByteArray &body, bool head = false);
    static Handler answer(int status, const QByteArray &reason,
                          QList<std::pair<QByteArray, QByteArray>> headers, QByteArray body);
    // Writes these bytes as they are, whatever was asked.
    static Handler raw(QByteArray bytes);
    // Reads the request and never answers.
    static Handler silent();
    // Closes the connection without a response (GenieACS >= 1.2.10 on invalid input).
    static Handler closeWithoutResponse();
    // A GenieACS NBI answering HEAD /devices/ (and anything else) with its version and a total.
    static Handler genieAcsHead(const QByteArray &version, qint64 total);

    // A server configuration from PEM files (certificate, then an EC or RSA key); a null
    // configuration (no local certificate) when either cannot be read.
    static QSslConfiguration tlsFromPem(const QString &certificatePem, const QString &keyPem);

private:
    void onConnection(QTcpSocket *socket);
    void onReadyRead(QTcpSocket *socket);

    Handler m_handler;
    std::unique_ptr<QTcpServer> m_server;
    bool m_tls = false;
    QHash<QTcpSocket *, QByteArray> m_buffers;
    QList<Request> m_requests;
};
