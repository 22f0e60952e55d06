#include "acs/devicequery.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

#include <functional>
#include <iterator>

namespace fwd::acs {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("fwd::acs::DeviceFilter", text);
}

bool isDateField(const QString &field)
{
    return field == QLatin1String(DeviceField::Registered) ||
           field == QLatin1String(DeviceField::LastInform) ||
           field == QLatin1String(DeviceField::LastBoot) ||
           field == QLatin1String(DeviceField::LastBootstrap);
}

// GenieACS reads such strings as something other than a literal (query.expand).
bool expandsSpecially(const QString &s)
{
    static const QRegularExpression regexForm(QStringLiteral("^/(.*)/([gimsuy]*)$"));
    return s.contains(u'*') || regexForm.match(s).hasMatch();
}

bool looksNumeric(const QString &s)
{
    bool ok = false;
    s.toDouble(&ok);
    return ok;
}

bool looksLikeDate(const QString &s)
{
    if (s.size() < 8)
        return false;
    return QDateTime::fromString(s, Qt::ISODate).isValid() ||
           QDateTime::fromString(s, Qt::ISODateWithMs).isValid() ||
           QDateTime::fromString(s, Qt::RFC2822Date).isValid();
}

QString isoUtc(const QDateTime &t)
{
    return t.toUTC().toString(Qt::ISODateWithMs);
}

} // namespace

DeviceFilter::DeviceFilter() = default;

DeviceFilter DeviceFilter::where(const QString &field, Op op, const QVariant &value,
                                 Qt::CaseSensitivity cs)
{
    DeviceFilter f;
    f.m_kind = Kind::Condition;
    f.m_field = field;
    f.m_op = op;
    f.m_value = value;
    f.m_cs = cs;
    return f;
}

DeviceFilter DeviceFilter::allOf(const QList<DeviceFilter> &filters)
{
    QList<DeviceFilter> kept;
    for (const DeviceFilter &f : filters) {
        if (f.isAll())
            continue;
        if (f.m_kind == Kind::And)
            kept += f.m_children;
        else
            kept.append(f);
    }
    if (kept.isEmpty())
        return {};
    if (kept.size() == 1)
        return kept.constFirst();
    DeviceFilter f;
    f.m_kind = Kind::And;
    f.m_children = kept;
    return f;
}

DeviceFilter DeviceFilter::anyOf(const QList<DeviceFilter> &filters)
{
    QList<DeviceFilter> kept;
    for (const DeviceFilter &f : filters) {
        if (f.isAll())
            return {}; // anything OR all = all
        if (f.m_kind == Kind::Or)
            kept += f.m_children;
        else
            kept.append(f);
    }
    if (kept.size() == 1)
        return kept.constFirst();
    DeviceFilter f;
    f.m_kind = kept.isEmpty() ? Kind::All : Kind::Or;
    f.m_children = kept;
    return f;
}

DeviceFilter DeviceFilter::tagged(const QString &tag)
{
    return where(QLatin1String(DeviceField::Tags), Op::Equals, tag);
}

DeviceFilter DeviceFilter::notTagged(const QString &tag)
{
    return where(QLatin1String(DeviceField::Tags), Op::NotEquals, tag);
}

DeviceFilter DeviceFilter::softwareVersion(Op op, const QVariant &value)
{
    const DeviceFilter a = where(QLatin1String(DeviceField::SoftwareVersionTr098), op, value);
    const DeviceFilter b = where(QLatin1String(DeviceField::SoftwareVersionTr181), op, value);
    // A device has only one of the two trees; a missing field satisfies $ne, $nin and
    // "not exists", so the negative operators must hold on both paths.
    if (op == Op::NotEquals || op == Op::NotIn || op == Op::NotExists)
        return allOf({a, b});
    return anyOf({a, b});
}

DeviceFilter DeviceFilter::idIn(const QStringList &ids)
{
    return where(QLatin1String(DeviceField::Id), Op::In, ids);
}

DeviceFilter DeviceFilter::operator&&(const DeviceFilter &other) const
{
    return allOf({*this, other});
}

DeviceFilter DeviceFilter::operator||(const DeviceFilter &other) const
{
    return anyOf({*this, other});
}

QString DeviceFilter::checkField(const QString &field)
{
    static const QRegularExpression valid(QStringLiteral("^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$"));
    if (field.isEmpty())
        return tr("A filter has no field.");
    if (!valid.match(field).hasMatch())
        return tr("“%1” is not a device parameter path (dotted names of letters, digits, '_' and "
                  "'-').")
            .arg(field);
    return {};
}

QString DeviceFilter::escapeRegex(const QString &literal)
{
    return QRegularExpression::escape(literal);
}

QString DeviceFilter::validate(GenieAcsVersion::Generation generation) const
{
    switch (m_kind) {
    case Kind::All:
        return {};
    case Kind::And:
    case Kind::Or:
        for (const DeviceFilter &c : m_children)
            if (const QString e = c.validate(generation); !e.isEmpty())
                return e;
        return {};
    case Kind::Condition:
        break;
    }
    if (const QString e = checkField(m_field); !e.isEmpty())
        return e;
    const int type = m_value.typeId();
    switch (m_op) {
    case Op::Exists:
    case Op::NotExists:
        return {};
    case Op::In:
    case Op::NotIn:
        if (type != QMetaType::QStringList || m_value.toStringList().isEmpty())
            return tr("The filter on “%1” needs a non-empty list of values.").arg(m_field);
        if (m_value.toStringList().size() > 10000)
            return tr("The filter on “%1” lists more than 10,000 values.").arg(m_field);
        return {};
    case Op::StartsWith:
    case Op::Contains:
        if (m_value.toString().isEmpty())
            return tr("The filter on “%1” needs a text to look for.").arg(m_field);
        return {};
    case Op::Matches: {
        const QRegularExpression re(m_value.toString());
        if (m_value.toString().isEmpty() || !re.isValid())
            return tr("“%1” is not a valid regular expression: %2")
                .arg(m_value.toString(), re.errorString());
        return {};
    }
    default:
        break;
    }
    if (!m_value.isValid() || m_value.isNull())
        return tr("The filter on “%1” has no value.").arg(m_field);
    if (type == QMetaType::QDateTime) {
        const QDateTime t = m_value.toDateTime();
        if (!t.isValid())
            return tr("The filter on “%1” has an invalid date.").arg(m_field);
        // GenieACS only turns strings with a year after 1983 into dates.
        if (t.toUTC().date().year() <= 1983)
            return tr("GenieACS cannot compare dates before 1984 (filter on “%1”).").arg(m_field);
        return {};
    }
    if (isDateField(m_field) && type == QMetaType::QString && !looksLikeDate(m_value.toString()))
        return tr("“%1” is a date; “%2” is not one.").arg(m_field, m_value.toString());
    if (m_op == Op::NotEquals && type == QMetaType::QString &&
        generation == GenieAcsVersion::Generation::Legacy) {
        const QString v = m_value.toString();
        if (looksNumeric(v) || looksLikeDate(v))
            return tr("GenieACS 1.2.9 and older crash on “not equal” with a number or date "
                      "written as text (“%1”); upgrade GenieACS or filter differently.")
                .arg(v);
    }
    if ((m_op != Op::Equals && m_op != Op::NotEquals) && type == QMetaType::QString &&
        expandsSpecially(m_value.toString()))
        return tr("“%1” contains '*' or is written /…/, which GenieACS would read as a pattern; "
                  "use “starts with”, “contains” or “matches” instead.")
            .arg(m_value.toString());
    return {};
}

QJsonObject DeviceFilter::conditionJson() const
{
    const QString key = m_field;
    auto valueJson = [this]() -> QJsonValue {
        switch (m_value.typeId()) {
        case QMetaType::QDateTime:
            return isoUtc(m_value.toDateTime());
        case QMetaType::Bool:
            return m_value.toBool();
        case QMetaType::Int:
        case QMetaType::LongLong:
        case QMetaType::UInt:
        case QMetaType::ULongLong:
            return QString::number(m_value.toLongLong());
        case QMetaType::Double:
            return QString::number(m_value.toDouble(), 'g', 17);
        default:
            return m_value.toString();
        }
    };
    auto ci = [this](const QString &pattern) {
        return m_cs == Qt::CaseInsensitive ? QStringLiteral("(?i)") + pattern : pattern;
    };
    auto op = [&](const char *name, const QJsonValue &v) {
        return QJsonObject{{key, QJsonObject{{QLatin1String(name), v}}}};
    };
    const QJsonValue v = valueJson();
    const bool literalNeedsRegex = v.isString() && expandsSpecially(v.toString());
    switch (m_op) {
    case Op::Equals:
        if (literalNeedsRegex || m_cs == Qt::CaseInsensitive)
            return op("$regex",
                      ci(QLatin1Char('^') + escapeRegex(v.toString()) + QLatin1Char('$')));
        return QJsonObject{{key, v}};
    case Op::NotEquals:
        if (literalNeedsRegex || m_cs == Qt::CaseInsensitive)
            return op("$not", QJsonObject{{QStringLiteral("$regex"),
                                           ci(QLatin1Char('^') + escapeRegex(v.toString()) +
                                              QLatin1Char('$'))}});
        return op("$ne", v);
    case Op::Greater:
        return op("$gt", v);
    case Op::GreaterOrEqual:
        return op("$gte", v);
    case Op::Less:
        return op("$lt", v);
    case Op::LessOrEqual:
        return op("$lte", v);
    case Op::In:
    case Op::NotIn: {
        const QStringList values = m_value.toStringList();
        // Values GenieACS would expand into patterns go through an anchored regex alternative.
        QJsonArray plain;
        QStringList patterns;
        for (const QString &s : values) {
            if (expandsSpecially(s))
                patterns.append(escapeRegex(s));
            else
                plain.append(s);
        }
        const bool in = m_op == Op::In;
        QList<QJsonObject> parts;
        if (!plain.isEmpty())
            parts.append(op(in ? "$in" : "$nin", plain));
        if (!patterns.isEmpty()) {
            const QString re = QStringLiteral("^(") + patterns.join(u'|') + QStringLiteral(")$");
            parts.append(in ? op("$regex", re)
                            : op("$not", QJsonObject{{QStringLiteral("$regex"), re}}));
        }
        if (parts.size() == 1)
            return parts.constFirst();
        QJsonArray list;
        for (const QJsonObject &p : parts)
            list.append(p);
        return QJsonObject{{in ? QStringLiteral("$or") : QStringLiteral("$and"), list}};
    }
    case Op::Exists:
        return op("$exists", true);
    case Op::NotExists:
        return op("$exists", false);
    case Op::StartsWith:
        return op("$regex", ci(QLatin1Char('^') + escapeRegex(m_value.toString())));
    case Op::Contains:
        return op("$regex", ci(escapeRegex(m_value.toString())));
    case Op::Matches:
        return op("$regex", ci(m_value.toString()));
    }
    return {};
}

QJsonObject DeviceFilter::toJson() const
{
    switch (m_kind) {
    case Kind::All:
        return {};
    case Kind::Condition:
        return conditionJson();
    case Kind::And:
    case Kind::Or: {
        QJsonArray list;
        for (const DeviceFilter &c : m_children)
            list.append(c.toJson());
        return QJsonObject{
            {m_kind == Kind::And ? QStringLiteral("$and") : QStringLiteral("$or"), list}};
    }
    }
    return {};
}

namespace {

const char *const OpNames[] = {"eq",         "ne",       "gt",     "gte",    "lt",
                               "lte",        "in",       "nin",    "exists", "notExists",
                               "startsWith", "contains", "matches"};

QJsonObject storedValue(const QVariant &v)
{
    switch (v.typeId()) {
    case QMetaType::QDateTime:
        return {{QStringLiteral("date"), v.toDateTime().toUTC().toString(Qt::ISODateWithMs)}};
    case QMetaType::Bool:
        return {{QStringLiteral("bool"), v.toBool()}};
    case QMetaType::Int:
    case QMetaType::LongLong:
    case QMetaType::UInt:
    case QMetaType::ULongLong:
        return {{QStringLiteral("int"), QString::number(v.toLongLong())}};
    case QMetaType::Double:
        return {{QStringLiteral("double"), v.toDouble()}};
    case QMetaType::QStringList:
        return {{QStringLiteral("list"), QJsonArray::fromStringList(v.toStringList())}};
    default:
        if (!v.isValid())
            return {};
        return {{QStringLiteral("text"), v.toString()}};
    }
}

std::optional<QVariant> restoredValue(const QJsonObject &o)
{
    if (o.isEmpty())
        return QVariant();
    if (o.size() != 1)
        return std::nullopt;
    const QString kind = o.constBegin().key();
    const QJsonValue v = o.constBegin().value();
    if (kind == QLatin1String("date")) {
        const QDateTime t = QDateTime::fromString(v.toString(), Qt::ISODateWithMs);
        return t.isValid() ? std::optional<QVariant>(t) : std::nullopt;
    }
    if (kind == QLatin1String("bool") && v.isBool())
        return QVariant(v.toBool());
    if (kind == QLatin1String("int")) {
        bool ok = false;
        const qint64 n = v.toString().toLongLong(&ok);
        return ok ? std::optional<QVariant>(QVariant(n)) : std::nullopt;
    }
    if (kind == QLatin1String("double") && v.isDouble())
        return QVariant(v.toDouble());
    if (kind == QLatin1String("list") && v.isArray()) {
        QStringList list;
        for (const QJsonValue &x : v.toArray()) {
            if (!x.isString())
                return std::nullopt;
            list.append(x.toString());
        }
        return QVariant(list);
    }
    if (kind == QLatin1String("text") && v.isString())
        return QVariant(v.toString());
    return std::nullopt;
}

} // namespace

QJsonObject DeviceFilter::toStorage() const
{
    switch (m_kind) {
    case Kind::All:
        return {{QStringLiteral("all"), true}};
    case Kind::And:
    case Kind::Or: {
        QJsonArray list;
        for (const DeviceFilter &c : m_children)
            list.append(c.toStorage());
        return {{m_kind == Kind::And ? QStringLiteral("and") : QStringLiteral("or"), list}};
    }
    case Kind::Condition:
        break;
    }
    QJsonObject o{{QStringLiteral("field"), m_field},
                  {QStringLiteral("op"), QLatin1String(OpNames[int(m_op)])},
                  {QStringLiteral("value"), storedValue(m_value)}};
    if (m_cs == Qt::CaseInsensitive)
        o.insert(QStringLiteral("caseInsensitive"), true);
    return o;
}

std::optional<DeviceFilter> DeviceFilter::fromStorage(const QJsonObject &json, QString *error)
{
    auto fail = [error](const QString &why) -> std::optional<DeviceFilter> {
        if (error)
            *error = why;
        return std::nullopt;
    };
    static const int maxDepth = 32;
    std::function<std::optional<DeviceFilter>(const QJsonObject &, int)> read =
        [&](const QJsonObject &o, int depth) -> std::optional<DeviceFilter> {
        if (depth > maxDepth)
            return fail(tr("The saved filter is nested too deeply."));
        if (o.value(QLatin1String("all")).toBool() && o.size() == 1)
            return DeviceFilter();
        for (const char *group : {"and", "or"}) {
            if (!o.contains(QLatin1String(group)))
                continue;
            const QJsonValue list = o.value(QLatin1String(group));
            if (!list.isArray() || o.size() != 1)
                return fail(tr("The saved filter is damaged."));
            QList<DeviceFilter> children;
            for (const QJsonValue &c : list.toArray()) {
                if (!c.isObject())
                    return fail(tr("The saved filter is damaged."));
                const auto child = read(c.toObject(), depth + 1);
                if (!child)
                    return std::nullopt;
                children.append(*child);
            }
            return qstrcmp(group, "and") == 0 ? allOf(children) : anyOf(children);
        }
        const QString opName = o.value(QLatin1String("op")).toString();
        int op = -1;
        for (int i = 0; i < int(std::size(OpNames)); ++i)
            if (opName == QLatin1String(OpNames[i]))
                op = i;
        const QJsonValue field = o.value(QLatin1String("field"));
        const auto value = restoredValue(o.value(QLatin1String("value")).toObject());
        if (op < 0 || !field.isString() || !value)
            return fail(tr("The saved filter is damaged."));
        return where(field.toString(), Op(op), *value,
                     o.value(QLatin1String("caseInsensitive")).toBool() ? Qt::CaseInsensitive
                                                                        : Qt::CaseSensitive);
    };
    auto filter = read(json, 0);
    if (filter) {
        if (const QString e = filter->validate(); !e.isEmpty())
            return fail(e);
    }
    return filter;
}

QString DeviceFilter::toQueryString() const
{
    return QString::fromUtf8(QJsonDocument(toJson()).toJson(QJsonDocument::Compact));
}

} // namespace fwd::acs
