#pragma once

#include "acs/nbijob.h"

#include <QJsonObject>
#include <QList>
#include <QStringList>

namespace fwd::acs {

// The collections of GenieACS's generic query endpoint that FirmwareDesk reads.
enum class Collection {
    Devices,
    Tasks,
    Faults,
    Presets,
    Provisions,
    VirtualParameters,
    Files,
    Operations
};
QByteArray collectionPath(Collection c); // "/devices/"

struct QueryPage
{
    QList<QJsonObject> documents;
    qint64 total = -1; // GenieACS's `total` header: all matches, ignoring skip and limit
};
using QueryResult = NbiResult<QueryPage>;
using CountResult = NbiResult<qint64>;

struct QueryOptions
{
    QJsonObject query;      // GenieACS query; {} = everything
    QStringList projection; // empty = whole documents
    QJsonObject sort;       // e.g. {"_id": 1}
    qint64 skip = 0;
    qint64 limit = 0; // 0 = no limit (send one: GenieACS has no default)
};

// Empty when GenieACS can take the query on that collection, else one translated sentence:
// refuses what crashes GenieACS's NBI worker ($ne/$not mixed with other operators on one key;
// task ids that are not ObjectIds; operators other than comparisons, $in/$nin, $exists and
// $type on the coerced fields of tasks and faults).
QString checkQuery(Collection collection, const QJsonObject &query);
// Parses GenieACS's streamed JSON array of documents.
bool parseDocumentArray(const QByteArray &body, QList<QJsonObject> *out, QString *error);
// GenieACS's `total` header: digits only, at most 18 of them; -1 otherwise.
qint64 parseTotal(const QByteArray &value);

// GET /<collection>/?query=&projection=&sort=&skip=&limit= → documents and total.
class QueryJob final : public NbiJob
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(QueryJob)

public:
    QueryJob(NbiClient &client, Collection collection, const QueryOptions &options);

Q_SIGNALS:
    void finished(const fwd::acs::QueryResult &result);

private:
    void handleReply(const NbiReply &reply, const NbiStatus &status) override;
};

// HEAD /<collection>/?query= → the `total` header.
class CountJob final : public NbiJob
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CountJob)

public:
    CountJob(NbiClient &client, Collection collection, const QJsonObject &query);

Q_SIGNALS:
    void finished(const fwd::acs::CountResult &result);

private:
    void handleReply(const NbiReply &reply, const NbiStatus &status) override;
};

} // namespace fwd::acs

Q_DECLARE_METATYPE(fwd::acs::QueryResult)
Q_DECLARE_METATYPE(fwd::acs::CountResult)
