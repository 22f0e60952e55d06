#include "acs/faultsweepjob.h"

#include "acs/nbipath.h"
#include "acs/queryjob.h"
#include "core/logging.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

namespace fwd::acs {

FaultSweepJob::FaultSweepJob(NbiClient &client, int limit)
    : NbiJob(client, listRequest(std::clamp(limit, 1, 10000)))
    , m_limit(std::clamp(limit, 1, 10000))
{}

NbiRequest FaultSweepJob::listRequest(int limit)
{
    NbiRequest r;
    r.path = collectionPath(Collection::Faults);
    const QJsonObject query{
        {QStringLiteral("expiry"), QJsonObject{{QStringLiteral("$exists"), true}}}};
    r.query = {
        {"query", QString::fromUtf8(QJsonDocument(query).toJson(QJsonDocument::Compact))},
        {"projection", QStringLiteral("_id,device,channel,code,message,retries,timestamp,expiry")},
        {"sort", QStringLiteral("{\"_id\":1}")},
        {"limit", QString::number(limit)}};
    return r;
}

void FaultSweepJob::handleReply(const NbiReply &reply, const NbiStatus &status)
{
    if (m_listing) {
        m_listing = false;
        m_listStatus = status;
        if (!status.ok()) {
            FaultSweepResult result;
            static_cast<NbiStatus &>(result) = status;
            Q_EMIT finished(result);
            done();
            return;
        }
        QList<QJsonObject> documents;
        QString error;
        if (!parseDocumentArray(reply.body, &documents, &error)) {
            FaultSweepResult result;
            static_cast<NbiStatus &>(result) = failure(status, NbiError::BadResponse, error);
            Q_EMIT finished(result);
            done();
            return;
        }
        m_sweep.more = documents.size() >= m_limit;
        for (const QJsonObject &document : std::as_const(documents)) {
            FaultRecord fault;
            // Only task faults carry an expiry; anything else is not this sweep's business.
            if (!parseFault(document, &fault) || !fault.channel.startsWith(QLatin1String("task_")))
                continue;
            if (const QString e = checkFaultId(fault.id); !e.isEmpty()) {
                m_sweep.remaining.append(fault);
                m_sweep.problems.append(e);
                continue;
            }
            m_pending.append(fault);
        }
        next();
        return;
    }

    // The answer to DELETE /faults/<id> of m_pending's first fault.
    const FaultRecord fault = m_pending.takeFirst();
    if (status.ok()) {
        qCInfo(lcNbi).noquote() << requestId() << "deleted fault" << fault.id << fault.code
                                << "of a task with an expiry (W5)";
        m_sweep.cleared.append(fault);
    } else {
        m_sweep.remaining.append(fault);
        m_sweep.problems.append(status.errorString);
    }
    next();
}

void FaultSweepJob::next()
{
    if (!m_pending.isEmpty()) {
        NbiRequest r;
        r.method = "DELETE";
        r.path = "/faults/" + encodePathSegment(m_pending.constFirst().id);
        sendNext(r);
        return;
    }
    FaultSweepResult result;
    static_cast<NbiStatus &>(result) = m_listStatus;
    result.payload = m_sweep;
    Q_EMIT finished(result);
    done();
}

} // namespace fwd::acs
