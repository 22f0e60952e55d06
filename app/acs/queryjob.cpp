#include "acs/queryjob.h"

#include "acs/devicequery.h"
#include "acs/nbipath.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>

namespace fwd::acs {

QByteArray collectionPath(Collection c)
{
    switch (c) {
    case Collection::Devices:
        return "/devices/";
    case Collection::Tasks:
        return "/tasks/";
    case Collection::Faults:
        return "/faults/";
    case Collection::Presets:
        return "/presets/";
    case Collection::Provisions:
        return "/provisions/";
    case Collection::VirtualParameters:
        return "/virtual_parameters/";
    case Collection::Files:
        return "/files/";
    case Collection::Operations:
        return "/operations/";
    }
    return "/devices/";
}

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("fwd::acs::QueryJob", text);
}

QString compact(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

QString checkNode(Collection collection, const QJsonObject &node, int depth)
{
    if (depth > 32)
        return tr("The query is nested too deeply.");
    static const QStringList coercedOps = {QStringLiteral("$eq"),     QStringLiteral("$ne"),
                                           QStringLiteral("$gt"),     QStringLiteral("$gte"),
                                           QStringLiteral("$lt"),     QStringLiteral("$lte"),
                                           QStringLiteral("$in"),     QStringLiteral("$nin"),
                                           QStringLiteral("$exists"), QStringLiteral("$type")};
    for (auto it = node.constBegin(); it != node.constEnd(); ++it) {
        const QString key = it.key();
        const QJsonValue value = it.value();
        if (key == QLatin1String("$and") || key == QLatin1String("$or") ||
            key == QLatin1String("$nor")) {
            if (!value.isArray() || value.toArray().isEmpty())
                return tr("%1 needs a non-empty list of conditions.").arg(key);
            for (const QJsonValue &v : value.toArray()) {
                if (!v.isObject())
                    return tr("%1 needs a list of conditions.").arg(key);
                if (const QString e = checkNode(collection, v.toObject(), depth + 1); !e.isEmpty())
                    return e;
            }
            continue;
        }
        if (key.startsWith(u'$'))
            return tr("The query operator %1 is not allowed at this place.").arg(key);
        const bool coerced =
            (collection == Collection::Tasks &&
             (key == QLatin1String("_id") || key == QLatin1String("timestamp") ||
              key == QLatin1String("retries"))) ||
            (collection == Collection::Faults &&
             (key == QLatin1String("timestamp") || key == QLatin1String("retries")));
        const bool taskId = collection == Collection::Tasks && key == QLatin1String("_id");
        auto checkTaskIdValue = [&](const QJsonValue &v) -> QString {
            if (!taskId)
                return {};
            if (v.isArray()) {
                for (const QJsonValue &x : v.toArray())
                    if (!isObjectId(x.toString()))
                        return checkTaskId(x.toString());
                return {};
            }
            if (v.isBool())
                return {}; // $exists
            return isObjectId(v.toString()) ? QString() : checkTaskId(v.toString());
        };
        if (!value.isObject()) {
            if (const QString e = checkTaskIdValue(value); !e.isEmpty())
                return e;
            continue;
        }
        const QJsonObject ops = value.toObject();
        const bool negated =
            ops.contains(QLatin1String("$ne")) || ops.contains(QLatin1String("$not"));
        if (negated && ops.size() > 1 && collection == Collection::Devices)
            return tr("GenieACS crashes when “%1” mixes $ne or $not with other operators; put "
                      "each condition in its own object inside $and.")
                .arg(key);
        for (auto op = ops.constBegin(); op != ops.constEnd(); ++op) {
            if (coerced && !coercedOps.contains(op.key()))
                return tr("GenieACS only allows comparisons, $in/$nin, $exists and $type on "
                          "“%1” of %2; %3 would crash its NBI worker.")
                    .arg(key, QString::fromLatin1(collectionPath(collection)), op.key());
            if (op.key() != QLatin1String("$exists") && op.key() != QLatin1String("$type"))
                if (const QString e = checkTaskIdValue(op.value()); !e.isEmpty())
                    return e;
        }
    }
    return {};
}

} // namespace

QString checkQuery(Collection collection, const QJsonObject &query)
{
    return checkNode(collection, query, 0);
}

bool parseDocumentArray(const QByteArray &body, QList<QJsonObject> *out, QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        const QString start = QString::fromUtf8(body.left(60)).simplified();
        *error = body.trimmed().startsWith('<')
                     ? tr("GenieACS sent HTML instead of JSON (“%1…”).").arg(start)
                     : tr("GenieACS's answer is not valid JSON: %1 at byte %2.")
                           .arg(parseError.errorString())
                           .arg(parseError.offset);
        return false;
    }
    if (!doc.isArray()) {
        *error = tr("GenieACS's answer is not a list of documents.");
        return false;
    }
    const QJsonArray array = doc.array();
    out->clear();
    out->reserve(array.size());
    for (const QJsonValue &v : array) {
        if (!v.isObject()) {
            *error = tr("GenieACS's list contains something that is not a document.");
            return false;
        }
        out->append(v.toObject());
    }
    return true;
}

qint64 parseTotal(const QByteArray &value)
{
    const QByteArray v = value.trimmed();
    if (v.isEmpty() || v.size() > 18)
        return -1;
    for (const char c : v)
        if (c < '0' || c > '9')
            return -1;
    return v.toLongLong();
}

namespace {

NbiRequest queryRequest(Collection collection, const QueryOptions &o, const QByteArray &method)
{
    NbiRequest r;
    r.method = method;
    r.path = collectionPath(collection);
    r.query.append({"query", compact(o.query)});
    if (!o.projection.isEmpty())
        r.query.append({"projection", o.projection.join(u',')});
    if (!o.sort.isEmpty())
        r.query.append({"sort", compact(o.sort)});
    if (o.skip > 0)
        r.query.append({"skip", QString::number(o.skip)});
    if (o.limit > 0)
        r.query.append({"limit", QString::number(o.limit)});
    return r;
}

QString checkOptions(Collection collection, const QueryOptions &o)
{
    if (const QString e = checkQuery(collection, o.query); !e.isEmpty())
        return e;
    for (const QString &p : o.projection)
        if (const QString e = DeviceFilter::checkField(p); !e.isEmpty())
            return e;
    for (auto it = o.sort.constBegin(); it != o.sort.constEnd(); ++it) {
        if (const QString e = DeviceFilter::checkField(it.key()); !e.isEmpty())
            return e;
        if (it.value().toInt() != 1 && it.value().toInt() != -1)
            return tr("A sort direction is 1 or -1.");
    }
    if (o.skip < 0 || o.limit < 0)
        return tr("Skip and limit cannot be negative.");
    return {};
}

} // namespace

QueryJob::QueryJob(NbiClient &client, Collection collection, const QueryOptions &options)
    : NbiJob(client, queryRequest(collection, options, "GET"))
{
    if (collection == Collection::Operations &&
        client.generation() == GenieAcsVersion::Generation::Legacy)
        rejectInput(tr("GenieACS %1 does not offer /operations/ (it came with 1.2.10).")
                        .arg(client.serverVersion().raw()),
                    NbiError::Unsupported);
    if (const QString e = checkOptions(collection, options); !e.isEmpty())
        rejectInput(e);
}

void QueryJob::handleReply(const NbiReply &reply, const NbiStatus &status)
{
    QueryResult result;
    static_cast<NbiStatus &>(result) = status;
    if (status.ok()) {
        QString error;
        if (!parseDocumentArray(reply.body, &result.payload.documents, &error))
            static_cast<NbiStatus &>(result) = failure(status, NbiError::BadResponse, error);
        else
            result.payload.total = parseTotal(reply.header("total"));
    }
    Q_EMIT finished(result);
    done();
}

CountJob::CountJob(NbiClient &client, Collection collection, const QJsonObject &query)
    : NbiJob(client, queryRequest(collection, QueryOptions{query, {}, {}, 0, 0}, "HEAD"))
{
    if (const QString e = checkQuery(collection, query); !e.isEmpty())
        rejectInput(e);
}

void CountJob::handleReply(const NbiReply &reply, const NbiStatus &status)
{
    CountResult result;
    static_cast<NbiStatus &>(result) = status;
    result.payload = -1;
    if (status.ok()) {
        result.payload = parseTotal(reply.header("total"));
        if (result.payload < 0)
            static_cast<NbiStatus &>(result) =
                failure(status, NbiError::BadResponse,
                        reply.headers.contains("total")
                            ? tr("GenieACS's “total” header is not a count (“%1”).")
                                  .arg(QString::fromLatin1(reply.header("total").left(40)))
                            : tr("GenieACS's answer has no “total” header."));
    }
    Q_EMIT finished(result);
    done();
}

} // namespace fwd::acs
