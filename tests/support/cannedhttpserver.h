#pragma once

#include <QByteArray>
#include <QList>
#include <QSslConfiguration>
#include <QTcpServer>

// A tiny HTTP server on 127.0.0.1 that answers every request with one canned response: enough
// to play a GenieACS NBI, an nginx page or a proxy asking for credentials in a test.
class CannedHttpServer final : public QTcpServer
{
    Q_OBJECT

public:
    enum class Mode { Respond, Silent, CloseWithoutResponse };

    explicit CannedHttpServer(QObject *parent = nullptr);
    bool start(); // listens on 127.0.0.1, any free port
    // Serves HTTPS with this certificate and key (PEM files) instead of plain HTTP.
    bool useTls(const QString &certificatePem, const QString &keyPem);
    QString baseUrl() const;

    void setResponse(const QByteArray &rawResponse) { m_response = rawResponse; }
    void setMode(Mode mode) { m_mode = mode; }
    // A GenieACS-like answer to HEAD /devices/.
    static QByteArray genieAcsHead(const QByteArray &version, qint64 total);

    QList<QByteArray> requests() const { return m_requests; } // request heads, as received

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    void onNewConnection();

    QByteArray m_response;
    Mode m_mode = Mode::Respond;
    QList<QByteArray> m_requests;
    QSslConfiguration m_tls;
    bool m_useTls = false;
};
