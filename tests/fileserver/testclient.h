#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPair>
#include <QSslCertificate>
#include <QSslError>

#include <memory>

class QTcpSocket;
class QSslSocket;

namespace fwd::fileserver::test {

// One HTTP response as the client saw it.
struct ClientResponse
{
    int status = 0;
    QList<QPair<QByteArray, QByteArray>> headers; // names lower-cased
    QByteArray body;                              // kept up to the client's keep limit
    QByteArray sha256;                            // of the whole body, hex
    qint64 bodyBytes = 0;

    QByteArray header(const QByteArray &lowerName) const;
};

// A raw HTTP/1.1 client over a real socket, plain or TLS (QSslSocket, OpenSSL underneath), for
// tests and tools: it sends exactly the bytes it is given and parses responses incrementally,
// hashing bodies (SHA-256) instead of keeping large ones.
class RawClient final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RawClient)

public:
    enum class Tls { None, Trusting, SystemTrust };
    RawClient(Tls tls, const QList<QSslCertificate> &trusted = {}, QObject *parent = nullptr);
    ~RawClient() override;

    void connectTo(quint16 port, const QString &host = QStringLiteral("127.0.0.1"));
    // Sends bytes; isHead tells the parser that the response to this request has no body.
    void send(const QByteArray &bytes, int requests = 1, bool isHead = false);
    void get(const QByteArray &target, const QByteArray &extraHeaders = {});
    void setKeepBodyLimit(qint64 bytes) { m_keepLimit = bytes; }
    void setReadBufferSize(qint64 bytes);
    // Stops reading from the socket (a client that hangs).
    void stopReading() { m_paused = true; }
    void abort();
    // Blocking waits for a thread without an event loop: the connection (and TLS handshake),
    // then more bytes (parsed as they arrive).
    bool waitForReady(int ms);
    bool waitForReadyRead(int ms);

    bool isReady() const { return m_ready; }
    bool isDisconnected() const { return m_disconnected; }
    bool hadSslErrors() const { return !m_sslErrors.isEmpty(); }
    QList<QSslError> sslErrors() const { return m_sslErrors; }
    const QList<ClientResponse> &responses() const { return m_responses; }
    qint64 bodyBytesSoFar() const { return m_current.bodyBytes; }
    QSslSocket *sslSocket() const;

Q_SIGNALS:
    void ready();
    void responseReceived();
    void disconnected();

private:
    void onReadyRead();
    void parse();
    void finishBody();

    Tls m_tls;
    std::unique_ptr<QTcpSocket> m_socket;
    bool m_ready = false;
    bool m_disconnected = false;
    bool m_paused = false;
    QList<QSslError> m_sslErrors;
    QList<bool> m_pendingHead; // per outstanding request: HEAD?
    QByteArray m_buffer;
    bool m_inBody = false;
    qint64 m_bodyRemaining = 0;
    qint64 m_keepLimit = 1024 * 1024;
    ClientResponse m_current;
    struct HashState;
    std::unique_ptr<HashState> m_hash;
    QList<ClientResponse> m_responses;
};

} // namespace fwd::fileserver::test
