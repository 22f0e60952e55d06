#pragma once

#include "acs/nbijob.h"
#include "acs/taskspec.h"

#include <QList>
#include <QStringList>

namespace fwd::acs {

struct FaultSweep
{
    QList<FaultRecord> cleared;   // deleted, and their tasks with them: they will not run again
    QList<FaultRecord> remaining; // still there (device in session, …): the next sweep retries
    QStringList problems;         // one sentence per remaining fault
    bool more = false;            // the page was full: sweep again for the rest
};
using FaultSweepResult = NbiResult<FaultSweep>;

// The other half of the W5 prevention (app/acs/README.md): GenieACS drops a fault that carries
// an expiry at the start of every session and runs its task again at once, without retry
// back-off and with `retries` stuck at 0, until the task expires. Only faults of tasks sent with
// an `expiry` carry one, so this job lists the faults that have an `expiry` and deletes them
// (DELETE /faults/<id> deletes the task of a task_ channel too): a task with an expiry gets one
// attempt, and keeps GenieACS's own expiry while it has not run. Everything it needs is in
// GenieACS, so it also finds the faults of tasks created before the application restarted or
// by another FirmwareDesk. TaskJob already deletes the fault it finds when it confirms a task;
// this sweep catches tasks that faulted in a session nobody watched. Run it at start and then
// periodically (every minute is plenty: the damage is one re-send per device session).
class FaultSweepJob final : public NbiJob
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FaultSweepJob)

public:
    // At most `limit` faults per run (1–10000).
    FaultSweepJob(NbiClient &client, int limit);

    static NbiRequest listRequest(int limit);

Q_SIGNALS:
    void finished(const fwd::acs::FaultSweepResult &result);

private:
    void handleReply(const NbiReply &reply, const NbiStatus &status) override;
    void next();

    int m_limit;
    bool m_listing = true;
    NbiStatus m_listStatus;
    QList<FaultRecord> m_pending;
    FaultSweep m_sweep;
};

} // namespace fwd::acs

Q_DECLARE_METATYPE(fwd::acs::FaultSweepResult)
