#pragma once

#include <QByteArray>
#include <QList>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTimer>

#include <functional>

// A fake network layer for the acs error matrix: every request is answered by a scripted reply
// (an HTTP answer, a hang, a reset, a refusal, a body cut in the middle, an endless body),
// without sockets.
class FakeNetworkAccessManager final : public QNetworkAccessManager
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FakeNetworkAccessManager)

public:
    struct Captured
    {
        QByteArray method;
        QUrl url;
        QNetworkRequest request;
        QByteArray body;
    };
    struct Script
    {
        enum class Kind { Answer, Hang, Reset, Refuse, CutBody, Endless };
        Kind kind = Kind::Answer;
        int status = 200;
        QByteArray reason = "OK";
        QList<std::pair<QByteArray, QByteArray>> headers;
        QByteArray body;
        int delayMs = 0;

        static Script answer(int status, QByteArray reason, QByteArray body = {},
                             QList<std::pair<QByteArray, QByteArray>> headers = {});
        static Script genie(int status, QByteArray reason, QByteArray body = {},
                            QList<std::pair<QByteArray, QByteArray>> headers = {});
        static Script of(Kind kind);
    };
    using Handler = std::function<Script(const Captured &)>;

    explicit FakeNetworkAccessManager(Handler handler);

    const QList<Captured> &requests() const { return m_requests; }
    int open() const { return m_open; }       // replies not finished yet
    int maxOpen() const { return m_maxOpen; } // most replies open at once

protected:
    QNetworkReply *createRequest(Operation op, const QNetworkRequest &request,
                                 QIODevice *outgoingData) override;

private:
    Handler m_handler;
    QList<Captured> m_requests;
    int m_open = 0;
    int m_maxOpen = 0;
};

class FakeReply final : public QNetworkReply
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FakeReply)

public:
    FakeReply(const QNetworkRequest &request, QByteArray method,
              FakeNetworkAccessManager::Script script, QObject *parent);

    void abort() override;
    qint64 bytesAvailable() const override;
    bool isSequential() const override { return true; }

Q_SIGNALS:
    void done();

protected:
    qint64 readData(char *data, qint64 maxSize) override;

private:
    void run();
    void sendHeaders();
    void fail(NetworkError code, const QString &text);
    void complete();

    FakeNetworkAccessManager::Script m_script;
    QByteArray m_buffer;
    QTimer m_endless;
    bool m_done = false;
};
