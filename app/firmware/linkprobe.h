#pragma once

#include <QObject>
#include <QString>
#include <QUrl>

namespace fwd::firmware {

// What a HEAD request on a package link found.
struct LinkProbeResult
{
    QUrl url;
    bool reachable = false;    // an HTTP answer arrived (any status)
    int httpStatus = 0;        // 0 when not reachable
    qint64 contentLength = -1; // -1 when the server sent none
    QString errorString;       // transport error, translated; empty when reachable
    bool cancelled = false;
};

// One pending probe. Implementations call finish() once (later calls are ignored); callers
// connect to finished() and may cancel(). The caller owns the reply.
class LinkProbeReply final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LinkProbeReply)

public:
    explicit LinkProbeReply(const QUrl &url, QObject *parent = nullptr);

    QUrl url() const { return m_result.url; }
    bool isFinished() const { return m_finished; }
    LinkProbeResult result() const { return m_result; }

    // Asks the implementation to stop (cancelRequested) and finishes as cancelled unless the
    // implementation delivered a result meanwhile.
    void cancel();

    // For implementations: delivers the result and emits finished().
    void finish(const LinkProbeResult &result);

Q_SIGNALS:
    void finished();
    void cancelRequested();

private:
    LinkProbeResult m_result;
    bool m_finished = false;
};

// Asynchronous HEAD requests on package links (issue 6: "every link answering a HEAD request
// with the size the library holds"). fwd_firmware links no network code: the QtNetwork
// implementation lives with the network layer, tests use a fake.
class LinkProbe
{
public:
    virtual ~LinkProbe() = default;
    // Starts a HEAD request. The reply must not finish inside this call.
    virtual LinkProbeReply *head(const QUrl &url) = 0;
};

} // namespace fwd::firmware
