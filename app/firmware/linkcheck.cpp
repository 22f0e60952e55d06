#include "linkcheck.h"

#include "firmware/firmwarelogging.h"

#include <QTimer>

namespace fwd::firmware {

LinkCheck::LinkCheck(LinkProbe &probe, QObject *parent)
    : QObject(parent)
    , m_probe(probe)
{}

LinkCheck::~LinkCheck()
{
    for (const QPointer<LinkProbeReply> &r : std::as_const(m_replies)) {
        if (r) {
            r->disconnect(this);
            r->cancel();
            delete r.data();
        }
    }
}

void LinkCheck::start(const QList<DescriptorPackage> &packages)
{
    if (m_running)
        cancel();
    ++m_generation;
    m_packages = packages;
    m_results = QList<LinkProbeResult>(packages.size());
    m_replies = QList<QPointer<LinkProbeReply>>(packages.size());
    m_issues.clear();
    m_next = 0;
    m_done = 0;
    m_running = true;
    m_cancelled = false;
    if (packages.isEmpty()) {
        const quint64 generation = m_generation;
        QTimer::singleShot(0, this, [this, generation] {
            if (generation == m_generation && m_running)
                complete();
        });
        return;
    }
    launchMore();
}

void LinkCheck::cancel()
{
    if (!m_running)
        return;
    m_cancelled = true;
    m_running = false;
    ++m_generation;
    for (const QPointer<LinkProbeReply> &r : std::as_const(m_replies)) {
        if (r) {
            r->disconnect(this);
            r->cancel();
            r->deleteLater();
        }
    }
    m_replies.clear();
    m_issues.clear();
    Q_EMIT finished();
}

void LinkCheck::launchMore()
{
    const quint64 generation = m_generation;
    while (m_running && generation == m_generation && m_next < m_packages.size() &&
           (m_next - m_done) < m_maxParallel) {
        const int index = m_next++;
        LinkProbeReply *reply = m_probe.head(m_packages.at(index).url);
        if (!reply) {
            LinkProbeResult r;
            r.url = m_packages.at(index).url;
            r.errorString = tr("The link could not be checked.");
            m_results[index] = r;
            ++m_done;
            continue;
        }
        m_replies[index] = reply;
        connect(reply, &LinkProbeReply::finished, this,
                [this, index, reply] { onReplyFinished(index, reply); });
        if (reply->isFinished()) // a misbehaving probe; handle it anyway
            onReplyFinished(index, reply);
    }
    if (m_running && generation == m_generation && m_done == m_packages.size())
        complete();
}

void LinkCheck::onReplyFinished(int index, LinkProbeReply *reply)
{
    if (!m_running || m_replies.value(index) != reply)
        return;
    reply->disconnect(this);
    m_results[index] = reply->result();
    m_replies[index] = nullptr;
    reply->deleteLater();
    ++m_done;
    qCDebug(lcFirmware) << "HEAD" << reply->url().toDisplayString() << "->"
                        << m_results[index].httpStatus << m_results[index].contentLength;
    Q_EMIT progress(m_done, int(m_packages.size()));
    launchMore();
}

void LinkCheck::complete()
{
    using S = DescriptorIssue::Severity;
    using C = DescriptorIssue::Code;
    m_running = false;
    m_issues.clear();
    for (int i = 0; i < m_packages.size(); ++i) {
        const DescriptorPackage &p = m_packages.at(i);
        const LinkProbeResult &r = m_results.at(i);
        const QString link = p.url.toDisplayString();
        DescriptorIssue issue;
        issue.url = p.url;
        if (!r.reachable) {
            issue.code = C::LinkUnreachable;
            issue.message =
                tr("%1 cannot be reached: %2")
                    .arg(link, r.errorString.isEmpty() ? tr("no answer") : r.errorString);
        } else if (r.httpStatus < 200 || r.httpStatus > 299) {
            issue.code = C::HttpError;
            issue.message = tr("%1 answered HTTP %2 instead of 200.").arg(link).arg(r.httpStatus);
        } else if (r.contentLength < 0) {
            issue.severity = S::Warning;
            issue.code = C::SizeUnknown;
            issue.message = tr("%1 answered without a Content-Length, so its size could not be "
                               "compared with the library's copy.")
                                .arg(link);
        } else if (p.expectedSize >= 0 && r.contentLength != p.expectedSize) {
            issue.code = C::SizeMismatch;
            issue.message = tr("%1 serves %2 bytes, but the library's copy has %3 bytes: the "
                               "published file is not the one in the library.")
                                .arg(link)
                                .arg(r.contentLength)
                                .arg(p.expectedSize);
        } else {
            continue;
        }
        m_issues << issue;
    }
    Q_EMIT finished();
}

} // namespace fwd::firmware
