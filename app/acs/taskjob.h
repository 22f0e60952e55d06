#pragma once

#include "acs/nbijob.h"
#include "acs/taskspec.h"

#include <QJsonObject>
#include <optional>

namespace fwd::acs {

struct TaskOptions
{
    bool connectionRequest = false;
    // GenieACS's `timeout` query parameter: how long it waits for the device's session after
    // the connection request. 0 = the client's option. Must be ≥ 1000 ms: with 0 GenieACS only
    // looks once and answers "Task queued but not processed" even for online devices (N1).
    int waitMs = 0;
    // Read /faults/ and /tasks/ after the answer to confirm what it means (GenieACS's 200 and
    // 202 carry their meaning in the reason phrase, which proxies and HTTP/2 lose).
    bool confirm = true;
};

// What GenieACS's answer to a task (or a connection request) means, once confirmed.
enum class TaskOutcome {
    Queued,           // 202 Accepted without a connection request: runs at the next inform
    Done,             // the session ended without a fault for this task
    AcceptedByDevice, // a download the router accepted: its result comes later (DESIGN.md)
    Faulted,          // a fault <device>:task_<id> exists (see TaskReply::fault)
    NotProcessed,     // queued, the session did not run it (yet): "Task queued but not processed"
    DeviceOffline,    // the connection request failed: "Device is offline"; the task stays queued
    ConnectionRequestFailed, // another connection-request error (URL, auth); the task stays queued
    ConnectionRequested,     // connection request only: the router accepted it
};

struct TaskReply
{
    TaskOutcome outcome = TaskOutcome::Queued;
    QString taskId;           // 24 hex
    QJsonObject task;         // as GenieACS stored it
    QString reason;           // GenieACS's reason phrase (or body for connection requests)
    bool confirmed = false;   // /faults/ and /tasks/ were read after the answer
    bool stillQueued = false; // the task was still in /tasks/ when confirmed
    std::optional<FaultRecord> fault;
    // The task had an expiry and faulted: its fault, and with it the task, was deleted, because
    // GenieACS would otherwise send it again at every session until it expires (W5). `fault`
    // keeps what the fault said. False when the deletion failed (then the sweep of
    // NbiClient::clearExpiringFaults() removes it later).
    bool faultCleared = false;
};
using TaskResult = NbiResult<TaskReply>;

// POST /devices/<id>/tasks[?connection_request&timeout=<ms>]: creates a task (or, without one,
// asks GenieACS for a connection request only), then confirms its meaning through /faults/ and
// /tasks/. Task calls are not re-sent (they are not idempotent). With a connection request the
// call may legitimately take over three minutes (30 s lock + 2 s CR + wait + 120 s session), so
// its timeout is derived from that, not from the profile's. A task sent with an expiry gets one
// attempt: when the confirmation finds its fault, the job deletes the fault (GenieACS deletes the
// task with it) so that GenieACS does not re-send it at every session until it expires (W5).
class TaskJob final : public NbiJob
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TaskJob)

public:
    TaskJob(NbiClient &client, const QString &deviceId, const std::optional<TaskSpec> &task,
            const TaskOptions &options);

    // The longest a task call with a connection request can legitimately take.
    static int connectionRequestCallTimeoutMs(int waitMs);

Q_SIGNALS:
    void finished(const fwd::acs::TaskResult &result);

private:
    enum class Step { Create, Fault, Task, ClearFault };

    void handleReply(const NbiReply &reply, const NbiStatus &status) override;
    void finish(const NbiStatus &status);
    void resolve();

    QString m_deviceId;
    std::optional<TaskSpec> m_task;
    TaskOptions m_options;
    Step m_step = Step::Create;
    NbiStatus m_createStatus;
    TaskReply m_reply;
    bool m_reasonKnown = false;
};

} // namespace fwd::acs

Q_DECLARE_METATYPE(fwd::acs::TaskResult)
