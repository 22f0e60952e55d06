#pragma once

#include "acs/nbijob.h"

#include <optional>

namespace fwd::acs {

struct ActionOutcome
{
    // False when there was nothing to do: the file, task or tag was already gone, so the call
    // that would have removed it was not sent (or GenieACS said it was not there).
    bool performed = true;

    // PUT and DELETE of files: GenieACS's CWMP side keeps its own copy of the file list, from
    // which Download RPCs take their FileSize, and PUT/DELETE /files do not invalidate it: a new
    // file goes out with FileSize 0 (a replaced one with the old size) for up to 5.5 minutes
    // (GENIEACS.md §5). The job therefore refreshes that cache after the file call
    // (NbiClient::refreshCwmpCache). Its failure is not the call's: the file is stored, and the
    // result stays ok with a warning.
    enum class CacheRefresh {
        NotRequested, // not a file call, the caller declined it, or nothing was changed
        Refreshed,    // GenieACS's CWMP side reloads its file list within 5 s
        Failed,       // see `warning`
    };
    CacheRefresh cacheRefresh = CacheRefresh::NotRequested;
    QString warning; // one translated sentence when cacheRefresh is Failed
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

    // After the main call changed something: refresh GenieACS's CWMP cache (ActionOutcome).
    void setCacheRefreshAfter(bool refresh) { m_refreshCache = refresh; }
    // The cheapest NBI call that invalidates GenieACS's CWMP cache on every 1.2.x: DELETE of a
    // legacy "object" FirmwareDesk owns and never creates (nbi.ts deletes nothing and drops the
    // cache hash, as for any write to presets, objects, provisions or virtual parameters).
    static NbiRequest cacheRefreshRequest();

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
    bool m_refreshCache = false;
    bool m_inRefresh = false;
    NbiStatus m_mainStatus;
};

} // namespace fwd::acs

Q_DECLARE_METATYPE(fwd::acs::ActionResult)
