#pragma once

#include <QByteArray>
#include <QList>
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
    QString baseUrl() const;

    void setResponse(const QByteArray &rawResponse) { m_response = rawResponse; }
    void setMode(Mode mode) { m_mode = mode; }
    // A GenieACS-like answer to HEAD /devices/.
    static QByteArray genieAcsHead(const QByteArray &version, qint64 total);

    QList<QByteArray> requests() const { return m_requests; } // request heads, as received

private:
    void onNewConnection();

    QByteArray m_response;
    Mode m_mode = Mode::Respond;
    QList<QByteArray> m_requests;
};
