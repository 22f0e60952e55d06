#pragma once

#include "acs/nbijob.h"

#include <optional>

namespace fwd::acs {

struct ActionOutcome
{
    // False when there was nothing to do: the file, task or tag was already gone, so the call
    // that would have removed it was not sent (or GenieACS said it was not there).
    bool performed = true;
};
using ActionResult = NbiResult<ActionOutcome>;

// A call whose answer carries no document: tags, deletions, retries, uploads, presets,
// provisions. Some calls first check that their target exists, because GenieACS crashes its NBI
// worker instead of answering 404 (DELETE /files/<missing>, POST /tasks/<unknown>/retry), or
// silently answers 200 for unknown devices (tags on GenieACS ≤ 1.2.9).
class ActionJob final : public NbiJob
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ActionJob)

public:
    enum class Precheck {
        None,
        FileExists,   // skip the call when the file is not in /files/
        TaskExists,   // skip the call when the task is not in /tasks/
        DeviceExists, // fail with NoSuchDevice when the device is not in /devices/
    };

    ActionJob(NbiClient &client, NbiRequest request, Precheck precheck = Precheck::None,
              const QString &subject = {}, bool notFoundMeansGone = false);
    // A job that fails with InvalidInput without sending anything.
    ActionJob(NbiClient &client, const QString &invalidInput);

Q_SIGNALS:
    void finished(const fwd::acs::ActionResult &result);

private:
    void handleReply(const NbiReply &reply, const NbiStatus &status) override;
    void finish(const NbiStatus &status, bool performed);

    NbiRequest m_main;
    Precheck m_precheck;
    QString m_subject; // file name, task id or device id the precheck looks for
    bool m_notFoundMeansGone;
    bool m_inPrecheck = false;
};

} // namespace fwd::acs

Q_DECLARE_METATYPE(fwd::acs::ActionResult)
