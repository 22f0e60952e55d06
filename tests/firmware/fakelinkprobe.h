#pragma once

#include "firmware/linkprobe.h"

#include <QHash>
#include <QList>
#include <QPointer>

// A LinkProbe for tests: answers from a table, asynchronously (next event-loop turn), or keeps
// replies pending until release() when `holdReplies` is set.
class FakeLinkProbe final : public fwd::firmware::LinkProbe
{
public:
    // 200 with the given Content-Length (-1: none).
    void serve(const QUrl &url, qint64 contentLength, int status = 200);
    // A transport error: connection refused, host not found...
    void fail(const QUrl &url, const QString &error);

    fwd::firmware::LinkProbeReply *head(const QUrl &url) override;

    bool holdReplies = false;
    void releaseAll();

    QList<QUrl> requested;
    int cancelRequests = 0;
    int maxInFlight = 0;

private:
    fwd::firmware::LinkProbeResult resultFor(const QUrl &url) const;
    void finishLater(fwd::firmware::LinkProbeReply *reply);

    QHash<QUrl, fwd::firmware::LinkProbeResult> m_table;
    QList<QPointer<fwd::firmware::LinkProbeReply>> m_held;
    int m_inFlight = 0;
};
