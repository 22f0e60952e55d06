#include "acs/actionjob.h"

#include "acs/queryjob.h"

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

void ActionJob::handleReply(const NbiReply &reply, const NbiStatus &status)
{
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
    finish(status, true);
}

} // namespace fwd::acs
