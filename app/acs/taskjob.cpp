#include "acs/taskjob.h"

#include "acs/nbipath.h"
#include "acs/queryjob.h"
#include "core/logging.h"

#include <QJsonDocument>

namespace fwd::acs {

namespace {

bool isConnectionRequestError(const QString &reason)
{
    return reason.startsWith(QLatin1String("Connection request error"), Qt::CaseInsensitive) ||
           reason.startsWith(QLatin1String("Invalid connection request URL"),
                             Qt::CaseInsensitive) ||
           reason.startsWith(QLatin1String("Basic HTTP authentication not allowed"),
                             Qt::CaseInsensitive) ||
           reason.startsWith(QLatin1String("Unrecognized auth method"), Qt::CaseInsensitive);
}

QString compact(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

} // namespace

int TaskJob::connectionRequestCallTimeoutMs(int waitMs)
{
    // GenieACS: up to 30 s for the session lock, 2 s for the connection request, `timeout` for
    // the session to start, 120 s for it to end; plus a margin for a slow server.
    return 30000 + 2000 + std::max(waitMs, 0) + 120000 + 30000;
}

TaskJob::TaskJob(NbiClient &client, const QString &deviceId, const std::optional<TaskSpec> &task,
                 const TaskOptions &options)
    : NbiJob(client, NbiRequest())
    , m_deviceId(deviceId)
    , m_task(task)
    , m_options(options)
{
    if (m_options.waitMs == 0)
        m_options.waitMs = client.options().connectionRequestWaitMs;
    QString error = checkDeviceId(deviceId);
    if (error.isEmpty() && !task && !options.connectionRequest)
        error = tr("A task call needs a task, a connection request, or both.");
    if (error.isEmpty() && task)
        error = task->validate();
    if (error.isEmpty() && options.connectionRequest &&
        (m_options.waitMs < 1000 || m_options.waitMs > 600000))
        error = tr("The wait for the device's session must be between 1 and 600 seconds; "
                   "GenieACS answers “queued but not processed” for shorter waits.");
    if (!error.isEmpty())
        rejectInput(error);

    NbiRequest r;
    r.method = "POST";
    r.path = "/devices/" + encodePathSegment(deviceId) + "/tasks";
    r.idempotent = false;
    if (options.connectionRequest) {
        r.query.append({"connection_request", QString()});
        r.query.append({"timeout", QString::number(m_options.waitMs)});
        r.connectionRequest = true;
        r.longCall = m_task.has_value();
        r.timeoutMs = std::max(client.timeoutFor(NbiRequest()),
                               connectionRequestCallTimeoutMs(m_options.waitMs));
    } else if (client.generation() != GenieAcsVersion::Generation::Modern)
        // GenieACS <= 1.2.9 waits up to 30 s for a running session even without a CR.
        r.timeoutMs = std::max(client.timeoutFor(NbiRequest()), 30000 + 30000);
    if (task)
        r.body = QJsonDocument(task->toJson()).toJson(QJsonDocument::Compact);
    setRequest(r);
}

void TaskJob::finish(const NbiStatus &status)
{
    TaskResult result;
    static_cast<NbiStatus &>(result) = status;
    result.payload = m_reply;
    Q_EMIT finished(result);
    done();
}

void TaskJob::handleReply(const NbiReply &reply, const NbiStatus &status)
{
    switch (m_step) {
    case Step::Create:
        break;
    case Step::Fault: {
        if (!status.ok()) {
            // The task was created; only the confirmation failed. Report what is known.
            m_reply.confirmed = false;
            finish(m_createStatus);
            return;
        }
        QList<QJsonObject> docs;
        QString error;
        if (parseDocumentArray(reply.body, &docs, &error) && !docs.isEmpty()) {
            FaultRecord fault;
            if (parseFault(docs.constFirst(), &fault))
                m_reply.fault = fault;
        }
        m_step = Step::Task;
        NbiRequest r;
        r.path = collectionPath(Collection::Tasks);
        r.query = {{"query", compact(QJsonObject{{QStringLiteral("_id"), m_reply.taskId}})},
                   {"projection", QStringLiteral("_id,name,timestamp")}};
        sendNext(r);
        return;
    }
    case Step::Task: {
        QList<QJsonObject> docs;
        QString error;
        if (status.ok() && parseDocumentArray(reply.body, &docs, &error)) {
            m_reply.confirmed = true;
            m_reply.stillQueued = !docs.isEmpty();
        }
        resolve();
        if (m_reply.fault && m_task && m_task->hasExpiry() &&
            checkFaultId(m_reply.fault->id).isEmpty()) {
            // GenieACS drops a fault that carries an expiry at the start of every session and
            // runs its task again at once, without retry back-off, until it expires (W5).
            // DELETE /faults/<id> also deletes the task of a task_ channel.
            m_step = Step::ClearFault;
            NbiRequest r;
            r.method = "DELETE";
            r.path = "/faults/" + encodePathSegment(m_reply.fault->id);
            sendNext(r);
            return;
        }
        finish(m_createStatus);
        return;
    }
    case Step::ClearFault:
        m_reply.faultCleared = status.ok();
        if (m_reply.faultCleared)
            m_reply.stillQueued = false;
        else
            qCWarning(lcNbi).noquote()
                << requestId() << "could not delete the fault of expiring task" << m_reply.taskId
                << "(GenieACS re-sends it at every session until it expires):"
                << status.errorString;
        finish(m_createStatus);
        return;
    }

    // The answer to the POST.
    m_createStatus = status;
    m_reply.reason = status.reasonPhrase;
    const bool fromGenieAcs = !reply.header("genieacs-version").isEmpty();
    if (!m_task) {
        // Connection request only: 200 accepted, 504 with the reason (GENIEACS.md §3).
        if (status.ok()) {
            m_reply.outcome = TaskOutcome::ConnectionRequested;
            finish(status);
        } else if (reply.httpStatus == 504 && fromGenieAcs) {
            const QString why = reply.reasonPhrase.isEmpty()
                                    ? QString::fromUtf8(reply.body.left(300)).trimmed()
                                    : reply.reasonPhrase;
            m_reply.reason = why;
            m_reply.outcome = why.contains(QLatin1String("offline"), Qt::CaseInsensitive)
                                  ? TaskOutcome::DeviceOffline
                                  : TaskOutcome::ConnectionRequestFailed;
            NbiStatus s = status;
            s.error = NbiError::None;
            s.errorString.clear();
            m_createStatus = s;
            finish(s);
        } else {
            finish(status);
        }
        return;
    }
    if (!status.ok()) {
        finish(status);
        return;
    }
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(reply.body, &parseError);
    const QJsonObject task = doc.object();
    const QString id = task.value(QLatin1String("_id")).toString();
    if (parseError.error != QJsonParseError::NoError || !doc.isObject() || !isObjectId(id)) {
        // The task may exist, but without its id nothing can confirm or cancel it.
        finish(failure(status, NbiError::BadResponse,
                       tr("GenieACS accepted the task (HTTP %1) but its answer does not carry "
                          "the stored task.")
                           .arg(reply.httpStatus)));
        return;
    }
    m_reply.taskId = id;
    m_reply.task = task;

    const QString reason = reply.reasonPhrase;
    const bool isDownload = m_task->type == TaskSpec::Type::Download;
    m_reasonKnown = true;
    if (!m_options.connectionRequest) {
        m_reply.outcome = TaskOutcome::Queued;
    } else if (reply.httpStatus == 200) {
        m_reply.outcome = isDownload ? TaskOutcome::AcceptedByDevice : TaskOutcome::Done;
    } else if (reason.compare(QLatin1String("Task faulted"), Qt::CaseInsensitive) == 0) {
        m_reply.outcome = TaskOutcome::Faulted;
    } else if (reason.compare(QLatin1String("Task queued but not processed"),
                              Qt::CaseInsensitive) == 0) {
        m_reply.outcome = TaskOutcome::NotProcessed;
    } else if (reason.compare(QLatin1String("Device is offline"), Qt::CaseInsensitive) == 0) {
        m_reply.outcome = TaskOutcome::DeviceOffline;
    } else if (isConnectionRequestError(reason)) {
        m_reply.outcome = TaskOutcome::ConnectionRequestFailed;
    } else {
        // A 202 whose reason phrase was lost (HTTP/2, a proxy): only the confirmation can tell.
        m_reasonKnown = false;
        m_reply.outcome = TaskOutcome::NotProcessed;
    }

    const bool confirm = m_options.confirm && m_options.connectionRequest;
    if (!confirm) {
        finish(status);
        return;
    }
    m_step = Step::Fault;
    NbiRequest r;
    r.path = collectionPath(Collection::Faults);
    r.query = {
        {"query", compact(QJsonObject{{QStringLiteral("_id"),
                                       QString(m_deviceId + QStringLiteral(":task_") + id)}})}};
    sendNext(r);
}

void TaskJob::resolve()
{
    if (m_reply.fault) {
        m_reply.outcome = TaskOutcome::Faulted;
        return;
    }
    if (!m_reply.confirmed)
        return;
    switch (m_reply.outcome) {
    case TaskOutcome::Done:
    case TaskOutcome::AcceptedByDevice:
        // A 200 only means no fault exists after the session; a task with a future timestamp
        // (or one GenieACS stored without its device) is still there, not run (W4).
        if (m_reply.stillQueued)
            m_reply.outcome = TaskOutcome::NotProcessed;
        break;
    case TaskOutcome::NotProcessed:
        if (!m_reasonKnown && !m_reply.stillQueued)
            m_reply.outcome = m_task && m_task->type == TaskSpec::Type::Download
                                  ? TaskOutcome::AcceptedByDevice
                                  : TaskOutcome::Done;
        break;
    default:
        break;
    }
}

} // namespace fwd::acs
