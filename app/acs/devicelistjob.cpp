#include "acs/devicelistjob.h"

#include "acs/queryjob.h"

#include <QCoreApplication>
#include <QJsonDocument>

#include <algorithm>

namespace fwd::acs {

DeviceListJob::DeviceListJob(NbiClient &client, const DeviceFilter &filter,
                             const QStringList &projection, int pageSize, qint64 maxDevices)
    : NbiJob(client, NbiRequest())
    , m_filter(filter)
    , m_projection(projection)
    , m_pageSize(std::clamp(pageSize, 1, 50000))
    , m_maxDevices(std::max<qint64>(0, maxDevices))
{
    if (!m_projection.isEmpty() && !m_projection.contains(QLatin1String("_id")))
        m_projection.prepend(QStringLiteral("_id"));
    QString error = filter.validate(client.generation());
    for (const QString &p : std::as_const(m_projection))
        if (error.isEmpty())
            error = DeviceFilter::checkField(p);
    if (!error.isEmpty())
        rejectInput(error);
    setRequest(pageRequest());
}

QStringList DeviceListJob::listProjection()
{
    return {QStringLiteral("_id"),
            QStringLiteral("_deviceId"),
            QStringLiteral("_tags"),
            QStringLiteral("_lastInform"),
            QStringLiteral("_lastBoot"),
            QLatin1String(DeviceField::SoftwareVersionTr098),
            QLatin1String(DeviceField::SoftwareVersionTr181),
            QLatin1String(DeviceField::HardwareVersionTr098),
            QLatin1String(DeviceField::HardwareVersionTr181),
            QLatin1String(DeviceField::MikrotikArchName)};
}

NbiRequest DeviceListJob::pageRequest() const
{
    DeviceFilter filter = m_filter;
    if (!m_lastId.isEmpty())
        filter = filter && DeviceFilter::where(QLatin1String(DeviceField::Id),
                                               DeviceFilter::Op::Greater, m_lastId);
    qint64 limit = m_pageSize;
    if (m_maxDevices > 0)
        limit = std::min<qint64>(limit, m_maxDevices - m_summary.received);
    NbiRequest r;
    r.method = "GET";
    r.path = collectionPath(Collection::Devices);
    r.query.append({"query", filter.toQueryString()});
    if (!m_projection.isEmpty())
        r.query.append({"projection", m_projection.join(u',')});
    r.query.append({"sort", QStringLiteral("{\"_id\":1}")});
    r.query.append({"limit", QString::number(limit)});
    return r;
}

void DeviceListJob::handleReply(const NbiReply &reply, const NbiStatus &status)
{
    DeviceListResult result;
    static_cast<NbiStatus &>(result) = status;
    if (!status.ok()) {
        result.payload = m_summary;
        Q_EMIT finished(result);
        done();
        return;
    }
    QList<QJsonObject> documents;
    QString error;
    if (!parseDocumentArray(reply.body, &documents, &error)) {
        static_cast<NbiStatus &>(result) = failure(status, NbiError::BadResponse, error);
        result.payload = m_summary;
        Q_EMIT finished(result);
        done();
        return;
    }
    if (m_summary.pages == 0)
        m_summary.total = parseTotal(reply.header("total"));
    ++m_summary.pages;
    QList<DeviceRecord> devices;
    devices.reserve(documents.size());
    for (const QJsonObject &doc : std::as_const(documents)) {
        DeviceRecord d;
        if (!parseDevice(doc, &d, &error) || d.id <= m_lastId) {
            // Keyset paging relies on strictly increasing ids; anything else would loop.
            static_cast<NbiStatus &>(result) = failure(
                status, NbiError::BadResponse,
                error.isEmpty() ? QCoreApplication::translate(
                                      "fwd::acs::DeviceListJob",
                                      "GenieACS returned devices out of _id order; the list "
                                      "was stopped.")
                                : error);
            result.payload = m_summary;
            Q_EMIT finished(result);
            done();
            return;
        }
        m_lastId = d.id;
        devices.append(std::move(d));
    }
    const qint64 got = devices.size();
    m_summary.received += got;
    if (got > 0)
        Q_EMIT page(devices);
    if (isFinished()) // cancelled from a slot connected to page()
        return;
    const qint64 requested = request().query.constLast().second.toLongLong();
    const bool more =
        got > 0 && got >= requested && (m_maxDevices == 0 || m_summary.received < m_maxDevices);
    if (more) {
        sendNext(pageRequest());
        return;
    }
    result.payload = m_summary;
    Q_EMIT finished(result);
    done();
}

} // namespace fwd::acs
