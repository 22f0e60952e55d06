#pragma once

#include "acs/devicedocument.h"
#include "acs/devicequery.h"
#include "acs/nbijob.h"

#include <QList>
#include <QStringList>

namespace fwd::acs {

struct DeviceListSummary
{
    qint64 received = 0;
    qint64 total = -1; // matches when the first page was read
    int pages = 0;
};
using DeviceListResult = NbiResult<DeviceListSummary>;

// Lists the devices matching a filter in pages, by keyset paging on _id (sort {"_id":1} and
// {"_id":{"$gt":<last id>}}): every page costs GenieACS the same, and devices that register or
// go away meanwhile do not shift the pages. Each page is parsed and emitted as it arrives, so
// a model can insert rows while the rest is still coming.
class DeviceListJob final : public NbiJob
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DeviceListJob)

public:
    // projection: paths to fetch (_id is always included); empty = whole documents.
    // maxDevices: stop after that many (0 = all).
    DeviceListJob(NbiClient &client, const DeviceFilter &filter, const QStringList &projection,
                  int pageSize = 2000, qint64 maxDevices = 0);

    // The projection the Devices screen needs: identity, tags, last inform and boot, versions.
    static QStringList listProjection();

Q_SIGNALS:
    void page(const QList<fwd::acs::DeviceRecord> &devices);
    void finished(const fwd::acs::DeviceListResult &result);

private:
    NbiRequest pageRequest() const;
    void handleReply(const NbiReply &reply, const NbiStatus &status) override;

    DeviceFilter m_filter;
    QStringList m_projection;
    int m_pageSize;
    qint64 m_maxDevices;
    QString m_lastId;
    DeviceListSummary m_summary;
};

} // namespace fwd::acs

Q_DECLARE_METATYPE(fwd::acs::DeviceListResult)
