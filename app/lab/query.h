#pragma once

#include <QString>
#include <QStringList>
#include <QVariant>
#include <QVariantMap>

#include <optional>
#include <vector>

namespace fwd::lab {

// A document a query can be evaluated on without building it: the lab's devices answer path
// lookups from their compact storage; other collections wrap a QVariantMap.
class DocumentView
{
public:
    virtual ~DocumentView() = default;
    // The value at a dotted path, invalid when absent (docvalue::getPath semantics).
    virtual QVariant value(const QString &path) const = 0;
};

class VariantDocumentView final : public DocumentView
{
public:
    explicit VariantDocumentView(const QVariantMap &doc)
        : m_doc(doc)
    {}
    QVariant value(const QString &path) const override;

private:
    const QVariantMap &m_doc;
};

// A MongoDB filter as GenieACS hands it to the database, with MongoDB's matching semantics
// ($eq $ne $gt $gte $lt $lte $in $nin $exists $regex/$options $not $type $size $all $elemMatch,
// $and $or $nor). compile() rejects what MongoDB rejects (unknown operators, $in without an
// array...): GenieACS lets that error escape and its NBI worker dies.
class Query final
{
public:
    static std::optional<Query> compile(const QVariant &filter, QString *error);

    // GenieACS lib/query.ts expand() (devices only): keys get "._value" appended unless their last
    // segment starts with '_', string values expand into OR-ed alternatives (string, number,
    // date, /regex/flags, '*' wildcard), $ne/$not alternatives are AND-ed.
    static std::optional<QVariantMap> expandDeviceQuery(const QVariantMap &query, QString *error);
    // GenieACS sanitizeQueryTypes() for tasks (_id, timestamp, retries) and faults (timestamp,
    // retries): values are coerced, and only comparison, $in/$nin, $exists, $type are allowed.
    static std::optional<QVariantMap> sanitizeTasksQuery(const QVariantMap &query, QString *error);
    static std::optional<QVariantMap> sanitizeFaultsQuery(const QVariantMap &query, QString *error);

    // GenieACS's wildcard conversion (stringToRegexp), with its quirks.
    static std::optional<QString> wildcardPattern(const QString &input);

    bool matches(const DocumentView &doc) const;
    bool matchesEverything() const { return m_filter.isEmpty(); }
    const QVariantMap &filter() const { return m_filter; }

private:
    explicit Query(QVariantMap filter);
    QVariantMap m_filter;
};

// sort={"a":1,"b":-1}: keys in order, with their direction.
struct SortKey
{
    QString path;
    int direction = 1;
};
using SortSpec = std::vector<SortKey>;

// The value a sort compares for one document (arrays: smallest element ascending, largest
// descending, as MongoDB does).
QVariant sortValue(const QVariant &v, int direction);

// projection=a,b.c: GenieACS's optimizeProjection() then MongoDB inclusion; _id always included.
class Projection final
{
public:
    // nullopt with *error when MongoDB would reject the projection (an empty path).
    static std::optional<Projection> parse(const QString &commaList, QString *error);
    const QStringList &paths() const { return m_paths; }
    QVariantMap apply(const QVariantMap &doc) const;

private:
    QStringList m_paths;
};

} // namespace fwd::lab
