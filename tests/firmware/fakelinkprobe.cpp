#include "fakelinkprobe.h"

#include <QTimer>

using fwd::firmware::LinkProbeReply;
using fwd::firmware::LinkProbeResult;

void FakeLinkProbe::serve(const QUrl &url, qint64 contentLength, int status)
{
    LinkProbeResult r;
    r.url = url;
    r.reachable = true;
    r.httpStatus = status;
    r.contentLength = contentLength;
    m_table.insert(url, r);
}

void FakeLinkProbe::fail(const QUrl &url, const QString &error)
{
    LinkProbeResult r;
    r.url = url;
    r.errorString = error;
    m_table.insert(url, r);
}

LinkProbeResult FakeLinkProbe::resultFor(const QUrl &url) const
{
    if (m_table.contains(url))
        return m_table.value(url);
    LinkProbeResult r; // like a server that has no such file
    r.url = url;
    r.reachable = true;
    r.httpStatus = 404;
    return r;
}

LinkProbeReply *FakeLinkProbe::head(const QUrl &url)
{
    requested << url;
    auto *reply = new LinkProbeReply(url);
    ++m_inFlight;
    maxInFlight = qMax(maxInFlight, m_inFlight);
    QObject::connect(reply, &LinkProbeReply::cancelRequested, reply, [this] { ++cancelRequests; });
    QObject::connect(reply, &LinkProbeReply::finished, reply, [this] { --m_inFlight; });
    if (holdReplies)
        m_held << reply;
    else
        finishLater(reply);
    return reply;
}

void FakeLinkProbe::finishLater(LinkProbeReply *reply)
{
    const LinkProbeResult r = resultFor(reply->url());
    QTimer::singleShot(0, reply, [reply, r] { reply->finish(r); });
}

void FakeLinkProbe::releaseAll()
{
    const auto held = m_held;
    m_held.clear();
    for (const auto &r : held) {
        if (r)
            finishLater(r);
    }
}
