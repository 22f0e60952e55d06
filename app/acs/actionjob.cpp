#include "acs/actionjob.h"

#include "acs/queryjob.h"
#include "core/logging.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace fwd::acs {

namespace {

NbiRequest precheckRequest(ActionJob::Precheck precheck, const QString &subject)
{
    NbiRequest r;
    const QString query =
        QString::fromUtf8(QJsonDocument(QJsonObject{{QStringLiteral("_id"), subject}})
                              .toJson(QJsonDocument::Compact));
    switch (precheck) {
    case ActionJob::Precheck::FileExists:
        r.path = collectionPath(Collection::Files);
        break;
    case ActionJob::Precheck::TaskExists:
        r.path = collectionPath(Collection::Tasks);
        break;
    case ActionJob::Precheck::DeviceExists:
    case ActionJob::Precheck::None:
        r.path = collectionPath(Collection::Devices);
        break;
    }
    r.method = "GET";
    r.query = {
        {"query", query}, {"projection", QStringLiteral("_id")}, {"limit", QStringLiteral("1")}};
    return r;
}

} // namespace

ActionJob::ActionJob(NbiClient &client, NbiRequest request, Precheck precheck,
                     const QString &subject, bool notFoundMeansGone)
    : NbiJob(client, precheck == Precheck::None ? request : precheckRequest(precheck, subject))
    , m_main(std::move(request))
    , m_precheck(precheck)
    , m_subject(subject)
    , m_notFoundMeansGone(notFoundMeansGone)
    , m_inPrecheck(precheck != Precheck::None)
{}

ActionJob::ActionJob(NbiClient &client, const QString &invalidInput)
    : NbiJob(client, NbiRequest())
    , m_precheck(Precheck::None)
    , m_notFoundMeansGone(false)
{
    rejectInput(invalidInput);
}

void ActionJob::finish(const NbiStatus &status, bool performed)
{
    ActionResult result;
    static_cast<NbiStatus &>(result) = status;
    result.payload.performed = performed && status.ok();
    Q_EMIT finished(result);
    done();
}

NbiRequest ActionJob::cacheRefreshRequest()
{
    NbiRequest r;
    r.method = "DELETE";
    r.path = "/objects/firmwaredesk-cache-refresh";
    return r;
}

void ActionJob::handleReply(const NbiReply &reply, const NbiStatus &status)
{
    if (m_inRefresh) {
        ActionResult result;
        static_cast<NbiStatus &>(result) = m_mainStatus;
        result.payload.performed = true;
        if (status.ok()) {
            result.payload.cacheRefresh = ActionOutcome::CacheRefresh::Refreshed;
        } else {
            result.payload.cacheRefresh = ActionOutcome::CacheRefresh::Failed;
            result.payload.warning =
                tr("The file call succeeded, but GenieACS's download cache could not be "
                   "refreshed (%1): Download RPCs may carry FileSize 0 or the old size for up "
                   "to 5 minutes.")
                    .arg(status.errorString);
            qCWarning(lcNbi).noquote() << requestId() << result.payload.warning;
        }
        Q_EMIT finished(result);
        done();
        return;
    }
    if (!status.ok()) {
        if (!m_inPrecheck && m_notFoundMeansGone && status.error == NbiError::NotFound) {
            NbiStatus gone = status;
            gone.error = NbiError::None;
            gone.errorString.clear();
            finish(gone, false);
            return;
        }
        finish(status, false);
        return;
    }
    if (m_inPrecheck) {
        m_inPrecheck = false;
        QList<QJsonObject> documents;
        QString error;
        if (!parseDocumentArray(reply.body, &documents, &error)) {
            finish(failure(status, NbiError::BadResponse, error), false);
            return;
        }
        if (documents.isEmpty()) {
            if (m_precheck == Precheck::DeviceExists) {
                finish(failure(status, NbiError::NoSuchDevice,
                               tr("GenieACS knows no device “%1”.").arg(m_subject)),
                       false);
            } else {
                finish(status, false); // nothing to delete or retry
            }
            return;
        }
        sendNext(m_main);
        return;
    }
    if (m_refreshCache) {
        m_inRefresh = true;
        m_mainStatus = status;
        sendNext(cacheRefreshRequest());
        return;
    }
    finish(status, true);
}

} // namespace fwd::acs
