#include "linkprobe.h"

#include <QCoreApplication>

namespace fwd::firmware {

LinkProbeReply::LinkProbeReply(const QUrl &url, QObject *parent)
    : QObject(parent)
{
    m_result.url = url;
}

void LinkProbeReply::cancel()
{
    if (m_finished)
        return;
    Q_EMIT cancelRequested();
    if (m_finished)
        return;
    LinkProbeResult r;
    r.url = m_result.url;
    r.cancelled = true;
    r.errorString = QCoreApplication::translate("fwd::firmware::LinkProbe", "Cancelled.");
    finish(r);
}

void LinkProbeReply::finish(const LinkProbeResult &result)
{
    if (m_finished)
        return;
    m_finished = true;
    const QUrl url = m_result.url;
    m_result = result;
    m_result.url = url; // the reply's URL is authoritative
    Q_EMIT finished();
}

} // namespace fwd::firmware
