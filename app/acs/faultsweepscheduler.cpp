#include "acs/faultsweepscheduler.h"

#include "acs/nbiclient.h"
#include "core/logging.h"

#include <algorithm>

namespace fwd::acs {

FaultSweepScheduler::FaultSweepScheduler(QObject *parent)
    : FaultSweepScheduler(Options(), parent)
{}

FaultSweepScheduler::FaultSweepScheduler(Options options, QObject *parent)
    : QObject(parent)
    , m_options(options)
{
    m_options.intervalMs = std::max(1, m_options.intervalMs);
    m_options.moreDelayMs = std::max(0, m_options.moreDelayMs);
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &FaultSweepScheduler::sweepNow);
}

FaultSweepScheduler::~FaultSweepScheduler()
{
    stop();
}

void FaultSweepScheduler::stop()
{
    m_timer.stop();
    if (m_job) {
        m_job->disconnect(this);
        m_job->cancel();
    }
    m_job.clear();
}

void FaultSweepScheduler::setClient(NbiClient *client)
{
    if (client == m_client)
        return;
    stop();
    m_client = client;
    m_failing = false;
    if (m_client)
        sweepNow();
}

bool FaultSweepScheduler::sweepNow()
{
    if (!m_client || m_job)
        return false;
    m_timer.stop();
    FaultSweepJob *job = m_client->clearExpiringFaults(m_options.limit);
    m_job = job;
    connect(job, &FaultSweepJob::finished, this, &FaultSweepScheduler::onFinished);
    job->start();
    return true;
}

int FaultSweepScheduler::nextSweepInMs() const
{
    return m_timer.isActive() ? m_timer.remainingTime() : -1;
}

void FaultSweepScheduler::onFinished(const FaultSweepResult &result)
{
    m_job.clear();
    ++m_finished;
    const QString host = m_client ? m_client->profile().nbiUrl.host() : QString();
    if (!result.ok()) {
        if (!m_failing)
            qCWarning(lcNbi).noquote()
                << "sweep of faults of expiring tasks on" << host << "failed (retried every"
                << m_options.intervalMs / 1000 << "s):" << result.errorString;
        else
            qCDebug(lcNbi).noquote() << "sweep of faults of expiring tasks on" << host
                                     << "failed again:" << result.errorString;
        m_failing = true;
    } else {
        if (m_failing)
            qCInfo(lcNbi).noquote()
                << "sweep of faults of expiring tasks on" << host << "works again";
        m_failing = false;
        m_cleared += int(result.payload.cleared.size());
        if (!result.payload.cleared.isEmpty())
            qCInfo(lcNbi).noquote()
                << "sweep on" << host << "deleted" << result.payload.cleared.size()
                << "faults of tasks with an expiry (W5: GenieACS would re-send those tasks at "
                   "every session)";
        for (qsizetype i = 0; i < result.payload.remaining.size(); ++i)
            qCInfo(lcNbi).noquote()
                << "sweep on" << host << "left fault" << result.payload.remaining.at(i).id
                << "for the next sweep:" << result.payload.problems.value(i);
        if (result.payload.cleared.isEmpty() && result.payload.remaining.isEmpty())
            qCDebug(lcNbi).noquote() << "sweep on" << host << "found no faults of expiring tasks";
    }
    if (m_client)
        m_timer.start(result.ok() && result.payload.more ? m_options.moreDelayMs
                                                         : m_options.intervalMs);
    Q_EMIT swept(result);
}

} // namespace fwd::acs
