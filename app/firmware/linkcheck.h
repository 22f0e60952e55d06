#pragma once

#include "firmware/descriptorvalidator.h"
#include "firmware/linkprobe.h"

#include <QList>
#include <QObject>
#include <QPointer>

namespace fwd::firmware {

// Checks that every link of a descriptor answers a HEAD request with 2xx and the size the
// library holds. Runs at most `maxParallel` probes at once; cancellable; reports progress.
class LinkCheck final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LinkCheck)

public:
    explicit LinkCheck(LinkProbe &probe, QObject *parent = nullptr);
    ~LinkCheck() override;

    void setMaxParallel(int n) { m_maxParallel = qMax(1, n); }

    // Starts checking; a running check is cancelled first. finished() always follows, also
    // for an empty list (then asynchronously, like every other outcome).
    void start(const QList<DescriptorPackage> &packages);
    void cancel();

    bool isRunning() const { return m_running; }
    bool wasCancelled() const { return m_cancelled; }
    // Problems found, in the order of the packages; valid after finished().
    QList<DescriptorIssue> issues() const { return m_issues; }
    QList<LinkProbeResult> results() const { return m_results; }

Q_SIGNALS:
    void progress(int done, int total);
    void finished();

private:
    void launchMore();
    void onReplyFinished(int index, LinkProbeReply *reply);
    void complete();

    LinkProbe &m_probe;
    int m_maxParallel = 4;
    QList<DescriptorPackage> m_packages;
    QList<LinkProbeResult> m_results;
    QList<QPointer<LinkProbeReply>> m_replies;
    QList<DescriptorIssue> m_issues;
    int m_next = 0;
    int m_done = 0;
    bool m_running = false;
    bool m_cancelled = false;
    quint64 m_generation = 0;
};

} // namespace fwd::firmware
