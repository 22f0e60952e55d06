#include "lab/query.h"

#include "lab/docvalue.h"

#include <QRegularExpression>

#include <algorithm>
#include <cmath>
#include <functional>

namespace fwd::lab {

using docvalue::Kind;

QVariant VariantDocumentView::value(const QString &path) const
{
    return docvalue::getPath(m_doc, path);
}

namespace {

bool isOperatorObject(const QVariant &v)
{
    if (docvalue::kind(v) != Kind::Object)
        return false;
    const QVariantMap m = v.toMap();
    return !m.isEmpty() && m.firstKey().startsWith(u'$');
}

QRegularExpression::PatternOptions regexOptions(const QString &flags, bool *ok)
{
    QRegularExpression::PatternOptions o;
    *ok = true;
    for (const QChar c : flags) {
        if (c == u'i')
            o |= QRegularExpression::CaseInsensitiveOption;
        else if (c == u'm')
            o |= QRegularExpression::MultilineOption;
        else if (c == u's')
            o |= QRegularExpression::DotMatchesEverythingOption;
        else if (c == u'x')
            o |= QRegularExpression::ExtendedPatternSyntaxOption;
        else if (c != u'g' && c != u'y' && c != u'u')
            *ok = false;
    }
    return o;
}

// --- validation (what MongoDB refuses) -------------------------------------------------------

bool validateFilter(const QVariant &filter, QString *error);

bool validateOperators(const QVariantMap &ops, QString *error)
{
    static const QStringList known = {
        QStringLiteral("$eq"),       QStringLiteral("$ne"),      QStringLiteral("$gt"),
        QStringLiteral("$gte"),      QStringLiteral("$lt"),      QStringLiteral("$lte"),
        QStringLiteral("$in"),       QStringLiteral("$nin"),     QStringLiteral("$exists"),
        QStringLiteral("$regex"),    QStringLiteral("$options"), QStringLiteral("$not"),
        QStringLiteral("$type"),     QStringLiteral("$size"),    QStringLiteral("$all"),
        QStringLiteral("$elemMatch")};
    for (auto it = ops.cbegin(); it != ops.cend(); ++it) {
        const QString &op = it.key();
        if (!known.contains(op)) {
            *error = QStringLiteral("unknown operator: ") + op;
            return false;
        }
        const Kind k = docvalue::kind(it.value());
        if ((op == QLatin1String("$in") || op == QLatin1String("$nin") ||
             op == QLatin1String("$all")) &&
            k != Kind::Array) {
            *error = op + QStringLiteral(" needs an array");
            return false;
        }
        if (op == QLatin1String("$regex")) {
            if (k != Kind::String && k != Kind::Regex) {
                *error = QStringLiteral("$regex has to be a string");
                return false;
            }
            if (k == Kind::String) {
                bool ok = true;
                const QRegularExpression re(
                    it.value().toString(),
                    regexOptions(ops.value(QStringLiteral("$options")).toString(), &ok));
                if (!ok || !re.isValid()) {
                    *error = QStringLiteral("Regular expression is invalid: ") + re.errorString();
                    return false;
                }
            }
        }
        if (op == QLatin1String("$options") && !ops.contains(QStringLiteral("$regex"))) {
            *error = QStringLiteral("$options needs a $regex");
            return false;
        }
        if (op == QLatin1String("$not")) {
            if (k == Kind::Regex)
                continue;
            if (k != Kind::Object || !isOperatorObject(it.value())) {
                *error = QStringLiteral("$not needs a regex or a document");
                return false;
            }
            if (!validateOperators(it.value().toMap(), error))
                return false;
        }
        if (op == QLatin1String("$size") && k != Kind::Number) {
            *error = QStringLiteral("$size needs a number");
            return false;
        }
        if (op == QLatin1String("$elemMatch")) {
            if (k != Kind::Object) {
                *error = QStringLiteral("$elemMatch needs an Object");
                return false;
            }
            if (isOperatorObject(it.value())) {
                if (!validateOperators(it.value().toMap(), error))
                    return false;
            } else if (!validateFilter(it.value(), error)) {
                return false;
            }
        }
    }
    return true;
}

bool validateFilter(const QVariant &filter, QString *error)
{
    if (docvalue::kind(filter) != Kind::Object) {
        *error = QStringLiteral("query filter must be an object");
        return false;
    }
    const QVariantMap m = filter.toMap();
    for (auto it = m.cbegin(); it != m.cend(); ++it) {
        const QString &key = it.key();
        if (key.startsWith(u'$')) {
            if (key != QLatin1String("$and") && key != QLatin1String("$or") &&
                key != QLatin1String("$nor")) {
                *error = QStringLiteral("unknown top level operator: ") + key;
                return false;
            }
            if (docvalue::kind(it.value()) != Kind::Array || it.value().toList().isEmpty()) {
                *error = QStringLiteral("$and/$or/$nor must be a nonempty array");
                return false;
            }
            for (const QVariant &sub : it.value().toList()) {
                if (!validateFilter(sub, error))
                    return false;
            }
        } else if (isOperatorObject(it.value())) {
            const QVariantMap ops = it.value().toMap();
            for (auto jt = ops.cbegin(); jt != ops.cend(); ++jt) {
                if (!jt.key().startsWith(u'$')) {
                    *error = QStringLiteral("unknown operator: ") + jt.key();
                    return false;
                }
            }
            if (!validateOperators(ops, error))
                return false;
        }
    }
    return true;
}

// --- matching --------------------------------------------------------------------------------

bool matchFilter(const QVariantMap &filter, const DocumentView &doc);

bool regexMatches(const QRegularExpression &re, const QVariant &v)
{
    const Kind k = docvalue::kind(v);
    if (k == Kind::String)
        return re.match(v.toString()).hasMatch();
    if (k == Kind::Array) {
        const QVariantList l = v.toList();
        return std::any_of(l.cbegin(), l.cend(), [&](const QVariant &e) {
            return docvalue::kind(e) == Kind::String && re.match(e.toString()).hasMatch();
        });
    }
    return false;
}

bool eqMatches(const QVariant &v, const QVariant &x)
{
    const Kind kx = docvalue::kind(x);
    if (kx == Kind::Null)
        return !v.isValid() || docvalue::kind(v) == Kind::Null ||
               (docvalue::kind(v) == Kind::Array && v.toList().contains(docvalue::null()));
    if (docvalue::kind(v) == Kind::Array) {
        if (docvalue::equals(v, x))
            return true;
        const QVariantList l = v.toList();
        return std::any_of(l.cbegin(), l.cend(),
                           [&](const QVariant &e) { return docvalue::equals(e, x); });
    }
    return docvalue::equals(v, x);
}

template<typename Pred>
bool compareMatches(const QVariant &v, const QVariant &x, Pred pred, bool nullInclusive)
{
    if (docvalue::kind(x) == Kind::Null)
        return nullInclusive && eqMatches(v, x);
    auto one = [&](const QVariant &e) {
        const auto c = docvalue::compareSameType(e, x);
        return c.has_value() && pred(*c);
    };
    if (docvalue::kind(v) == Kind::Array) {
        const QVariantList l = v.toList();
        return std::any_of(l.cbegin(), l.cend(), one) ||
               (docvalue::kind(x) == Kind::Array && one(v));
    }
    return v.isValid() && one(v);
}

bool inMatches(const QVariant &v, const QVariantList &list)
{
    return std::any_of(list.cbegin(), list.cend(), [&](const QVariant &x) {
        if (docvalue::kind(x) == Kind::Regex)
            return regexMatches(x.value<QRegularExpression>(), v);
        return eqMatches(v, x);
    });
}

bool typeMatches(const QVariant &v, const QVariant &t)
{
    const Kind k = docvalue::kind(v);
    const QString name = docvalue::isNumber(t) ? QString::number(int(t.toDouble())) : t.toString();
    auto is = [&](std::initializer_list<const char *> names) {
        for (const char *n : names) {
            if (name == QLatin1String(n))
                return true;
        }
        return false;
    };
    switch (k) {
    case Kind::Number:
        return is({"number", "double", "1", "int", "16", "long", "18"});
    case Kind::String:
        return is({"string", "2"});
    case Kind::Object:
        return is({"object", "3"});
    case Kind::Array:
        return is({"array", "4"});
    case Kind::Bool:
        return is({"bool", "8"});
    case Kind::Date:
        return is({"date", "9"});
    case Kind::Null:
        return is({"null", "10"});
    case Kind::Regex:
        return is({"regex", "11"});
    case Kind::Missing:
    case Kind::Other:
        break;
    }
    return false;
}

bool matchOperators(const QVariant &v, const QVariantMap &ops)
{
    for (auto it = ops.cbegin(); it != ops.cend(); ++it) {
        const QString &op = it.key();
        const QVariant &x = it.value();
        bool ok = true;
        if (op == QLatin1String("$eq")) {
            ok = docvalue::kind(x) == Kind::Regex ? docvalue::equals(v, x) : eqMatches(v, x);
        } else if (op == QLatin1String("$ne")) {
            ok = !eqMatches(v, x);
        } else if (op == QLatin1String("$gt")) {
            ok = compareMatches(
                v, x, [](int c) { return c > 0; }, false);
        } else if (op == QLatin1String("$gte")) {
            ok = compareMatches(
                v, x, [](int c) { return c >= 0; }, true);
        } else if (op == QLatin1String("$lt")) {
            ok = compareMatches(
                v, x, [](int c) { return c < 0; }, false);
        } else if (op == QLatin1String("$lte")) {
            ok = compareMatches(
                v, x, [](int c) { return c <= 0; }, true);
        } else if (op == QLatin1String("$in")) {
            ok = inMatches(v, x.toList());
        } else if (op == QLatin1String("$nin")) {
            ok = !inMatches(v, x.toList());
        } else if (op == QLatin1String("$exists")) {
            const bool want = docvalue::isNumber(x)
                                  ? x.toDouble() != 0
                                  : (docvalue::kind(x) == Kind::Null ? false : x.toBool());
            ok = v.isValid() == want;
        } else if (op == QLatin1String("$regex")) {
            QRegularExpression re;
            if (docvalue::kind(x) == Kind::Regex) {
                re = x.value<QRegularExpression>();
            } else {
                bool fine = true;
                re = QRegularExpression(
                    x.toString(),
                    regexOptions(ops.value(QStringLiteral("$options")).toString(), &fine));
            }
            ok = regexMatches(re, v);
        } else if (op == QLatin1String("$options")) {
            ok = true;
        } else if (op == QLatin1String("$not")) {
            ok = docvalue::kind(x) == Kind::Regex ? !regexMatches(x.value<QRegularExpression>(), v)
                                                  : !matchOperators(v, x.toMap());
        } else if (op == QLatin1String("$type")) {
            if (docvalue::kind(x) == Kind::Array) {
                const QVariantList l = x.toList();
                ok = std::any_of(l.cbegin(), l.cend(),
                                 [&](const QVariant &t) { return typeMatches(v, t); });
            } else {
                ok = typeMatches(v, x);
            }
        } else if (op == QLatin1String("$size")) {
            ok = docvalue::kind(v) == Kind::Array && v.toList().size() == qsizetype(x.toDouble());
        } else if (op == QLatin1String("$all")) {
            const QVariantList want = x.toList();
            ok = !want.isEmpty() && std::all_of(want.cbegin(), want.cend(),
                                                [&](const QVariant &w) { return eqMatches(v, w); });
        } else if (op == QLatin1String("$elemMatch")) {
            ok = false;
            if (docvalue::kind(v) == Kind::Array) {
                const QVariantMap sub = x.toMap();
                const bool opsOnly = isOperatorObject(x);
                for (const QVariant &e : v.toList()) {
                    const QVariantMap element = e.toMap();
                    if (opsOnly ? matchOperators(e, sub)
                                : (docvalue::kind(e) == Kind::Object &&
                                   matchFilter(sub, VariantDocumentView(element)))) {
                        ok = true;
                        break;
                    }
                }
            }
        }
        if (!ok)
            return false;
    }
    return true;
}

bool matchField(const QVariant &v, const QVariant &cond)
{
    if (isOperatorObject(cond))
        return matchOperators(v, cond.toMap());
    if (docvalue::kind(cond) == Kind::Regex)
        return regexMatches(cond.value<QRegularExpression>(), v);
    return eqMatches(v, cond);
}

bool matchFilter(const QVariantMap &filter, const DocumentView &doc)
{
    for (auto it = filter.cbegin(); it != filter.cend(); ++it) {
        const QString &key = it.key();
        if (key == QLatin1String("$and")) {
            for (const QVariant &sub : it.value().toList()) {
                if (!matchFilter(sub.toMap(), doc))
                    return false;
            }
        } else if (key == QLatin1String("$or")) {
            const QVariantList l = it.value().toList();
            if (!std::any_of(l.cbegin(), l.cend(),
                             [&](const QVariant &sub) { return matchFilter(sub.toMap(), doc); }))
                return false;
        } else if (key == QLatin1String("$nor")) {
            const QVariantList l = it.value().toList();
            if (std::any_of(l.cbegin(), l.cend(),
                            [&](const QVariant &sub) { return matchFilter(sub.toMap(), doc); }))
                return false;
        } else if (!matchField(doc.value(key), it.value())) {
            return false;
        }
    }
    return true;
}

// --- GenieACS query.expand -------------------------------------------------------------------

const QString kJsWhitespace = QStringLiteral(" \t\n\r\v\f\u00a0\ufeff");

bool jsNumeric(const QString &input, double *out)
{
    // +input === parseFloat(input): true exactly for decimal literals with optional surrounding
    // whitespace, and for [+-]Infinity.
    static const QRegularExpression decimal(
        QStringLiteral("^\\s*([+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?)\\s*$"));
    static const QRegularExpression infinity(QStringLiteral("^\\s*([+-]?)Infinity\\s*$"));
    if (const auto m = decimal.match(input); m.hasMatch()) {
        bool ok = false;
        *out = m.captured(1).toDouble(&ok);
        return ok;
    }
    if (const auto m = infinity.match(input); m.hasMatch()) {
        *out = m.captured(1) == QLatin1String("-") ? -INFINITY : INFINITY;
        return true;
    }
    return false;
}

bool normalize(const QVariant &input, QVariantList *alternatives, QString *error)
{
    if (docvalue::kind(input) != Kind::String) {
        alternatives->append(input);
        return true;
    }
    const QString s = input.toString();
    alternatives->append(s);
    static const QRegularExpression slashRe(QStringLiteral("^\\/(.*?)\\/(g?i?m?y?)$"),
                                            QRegularExpression::DotMatchesEverythingOption);
    if (const auto m = slashRe.match(s); m.hasMatch()) {
        bool ok = true;
        const QRegularExpression re(m.captured(1), regexOptions(m.captured(2), &ok));
        if (!re.isValid()) {
            *error = QStringLiteral("SyntaxError: Invalid regular expression: /") + m.captured(1) +
                     QStringLiteral("/: ") + re.errorString();
            return false;
        }
        alternatives->append(QVariantMap{{QStringLiteral("$regex"), QVariant::fromValue(re)}});
    }
    double n = 0;
    if (jsNumeric(s, &n))
        alternatives->append(n);
    if (s.size() >= 8) {
        if (const auto d = docvalue::parseJsDate(s); d && d->date().year() > 1983)
            alternatives->append(*d);
    }
    if (const auto pattern = Query::wildcardPattern(s)) {
        const QRegularExpression re(*pattern);
        if (!re.isValid()) {
            *error = QStringLiteral("SyntaxError: Invalid regular expression: /") + *pattern +
                     QStringLiteral("/: ") + re.errorString();
            return false;
        }
        alternatives->append(QVariantMap{{QStringLiteral("$regex"), QVariant::fromValue(re)}});
    }
    return true;
}

bool expandValue(const QVariant &value, QVariantList *out, QString *error)
{
    static const QStringList expandOps = {QStringLiteral("$eq"),  QStringLiteral("$gt"),
                                          QStringLiteral("$gte"), QStringLiteral("$in"),
                                          QStringLiteral("$lt"),  QStringLiteral("$lte"),
                                          QStringLiteral("$ne"),  QStringLiteral("$nin")};
    const Kind k = docvalue::kind(value);
    if (k == Kind::Array) {
        QVariantList all;
        for (const QVariant &e : value.toList()) {
            QVariantList sub;
            if (!expandValue(e, &sub, error))
                return false;
            all.append(sub);
        }
        out->append(QVariant(all));
        return true;
    }
    if (k != Kind::Object)
        return normalize(value, out, error);

    const QVariantMap m = value.toMap();
    QStringList keys;
    std::vector<QVariantList> values;
    for (auto it = m.cbegin(); it != m.cend(); ++it) {
        keys.append(it.key());
        QVariantList alts;
        if (expandOps.contains(it.key())) {
            if (!expandValue(it.value(), &alts, error))
                return false;
        } else {
            alts.append(it.value());
        }
        values.push_back(alts);
    }
    std::vector<qsizetype> indices(keys.size(), 0);
    qsizetype i = 0;
    while (i < qsizetype(indices.size())) {
        QVariantMap obj;
        for (qsizetype j = 0; j < keys.size(); ++j)
            obj.insert(keys.at(j), values[j].at(indices[j]));
        out->append(obj);
        for (i = 0; i < qsizetype(indices.size()); ++i) {
            if (++indices[i] < values[i].size())
                break;
            indices[i] = 0;
        }
    }
    if (keys.isEmpty())
        out->append(QVariantMap());
    return true;
}

bool expandInto(const QVariantMap &query, QVariantMap *result, QString *error);

bool expandOne(const QVariant &e, QVariant *out, QString *error)
{
    switch (docvalue::kind(e)) {
    case Kind::Object: {
        QVariantMap r;
        if (!expandInto(e.toMap(), &r, error))
            return false;
        *out = r;
        return true;
    }
    case Kind::Null:
    case Kind::Missing:
        *error = QStringLiteral("TypeError: Cannot convert undefined or null to object");
        return false;
    case Kind::String: {
        // Object.entries("ab") = [["0","a"],["1","b"]]
        QVariantMap chars;
        const QString s = e.toString();
        for (qsizetype i = 0; i < s.size(); ++i)
            chars.insert(QString::number(i), QString(s.at(i)));
        QVariantMap r;
        if (!expandInto(chars, &r, error))
            return false;
        *out = r;
        return true;
    }
    default:
        *out = QVariantMap();
        return true;
    }
}

bool expandInto(const QVariantMap &query, QVariantMap *result, QString *error)
{
    QVariantMap &newQuery = *result;
    for (auto it = query.cbegin(); it != query.cend(); ++it) {
        const QString &k = it.key();
        const QVariant &v = it.value();
        if (k.startsWith(u'$')) {
            if (docvalue::kind(v) != Kind::Array) {
                *error = QStringLiteral("TypeError: v.map is not a function");
                return false;
            }
            QVariantList mapped;
            for (const QVariant &e : v.toList()) {
                QVariant x;
                if (!expandOne(e, &x, error))
                    return false;
                mapped.append(x);
            }
            newQuery.insert(k, mapped);
            continue;
        }
        QVariantList values;
        if (!expandValue(v, &values, error))
            return false;
        QString param = k;
        if (param.mid(param.lastIndexOf(u'.') + 1).left(1) != QLatin1String("_"))
            param += QStringLiteral("._value");
        QVariantList conditions;
        for (const QVariant &alt : values)
            conditions.append(QVariantMap{{param, alt}});
        if (conditions.size() > 1) {
            QVariantList ands = newQuery.value(QStringLiteral("$and")).toList();
            const QVariantMap vObj = docvalue::kind(v) == Kind::Object ? v.toMap() : QVariantMap();
            auto present = [&](const char *op) {
                const QVariant x = vObj.value(QLatin1String(op));
                return x.isValid() && docvalue::kind(x) != Kind::Null;
            };
            if (present("$ne") || present("$not")) {
                if (vObj.size() > 1) {
                    *error = QStringLiteral("Error: Cannot mix $ne or $not with other operators");
                    return false;
                }
                ands.append(conditions);
            } else {
                ands.append(QVariantMap{{QStringLiteral("$or"), conditions}});
            }
            newQuery.insert(QStringLiteral("$and"), ands);
        } else if (!conditions.isEmpty()) {
            const QVariantMap c = conditions.first().toMap();
            for (auto ct = c.cbegin(); ct != c.cend(); ++ct)
                newQuery.insert(ct.key(), ct.value());
        }
    }
    return true;
}

// --- sanitizeQueryTypes ----------------------------------------------------------------------

using Coerce = std::function<std::optional<QVariant>(const QVariant &, QString *)>;

std::optional<QVariant> toObjectId(const QVariant &v, QString *error)
{
    static const QRegularExpression hex(QStringLiteral("^[0-9a-fA-F]{24}$"));
    if (docvalue::kind(v) == Kind::String && hex.match(v.toString()).hasMatch())
        return v.toString().toLower();
    *error = QStringLiteral("BSONError: Argument passed in must be a string of 12 bytes or a "
                            "string of 24 hex characters or an integer");
    return std::nullopt;
}

std::optional<QVariant> toDate(const QVariant &v, QString *)
{
    switch (docvalue::kind(v)) {
    case Kind::Number:
        return docvalue::fromMs(qint64(v.toDouble()));
    case Kind::String:
        if (const auto d = docvalue::parseJsDate(v.toString()))
            return *d;
        return QDateTime(); // Invalid Date
    case Kind::Null:
        return docvalue::fromMs(0);
    case Kind::Bool:
        return docvalue::fromMs(v.toBool() ? 1 : 0);
    default:
        return QDateTime();
    }
}

std::optional<QVariant> toNumber(const QVariant &v, QString *)
{
    switch (docvalue::kind(v)) {
    case Kind::Number:
        return v.toDouble();
    case Kind::Bool:
        return v.toBool() ? 1.0 : 0.0;
    case Kind::Null:
        return 0.0;
    case Kind::String: {
        const QString t = v.toString().trimmed();
        if (t.isEmpty())
            return 0.0;
        double n = 0;
        if (jsNumeric(t, &n))
            return n;
        return double(NAN);
    }
    default:
        return double(NAN);
    }
}

bool sanitize(QVariantMap &query, const QHash<QString, Coerce> &types, QString *error)
{
    for (auto it = query.begin(); it != query.end(); ++it) {
        const QString k = it.key();
        if (k.startsWith(u'$')) {
            QVariantList l = it.value().toList();
            for (QVariant &sub : l) {
                QVariantMap m = sub.toMap();
                if (!sanitize(m, types, error))
                    return false;
                sub = m;
            }
            it.value() = l;
            continue;
        }
        if (!types.contains(k))
            continue;
        const Coerce &coerce = types.value(k);
        if (docvalue::kind(it.value()) == Kind::Object) {
            QVariantMap ops = it.value().toMap();
            for (auto jt = ops.begin(); jt != ops.end(); ++jt) {
                const QString &op = jt.key();
                if (op == QLatin1String("$in") || op == QLatin1String("$nin")) {
                    QVariantList l = jt.value().toList();
                    for (QVariant &e : l) {
                        const auto c = coerce(e, error);
                        if (!c)
                            return false;
                        e = *c;
                    }
                    jt.value() = l;
                } else if (op == QLatin1String("$eq") || op == QLatin1String("$gt") ||
                           op == QLatin1String("$gte") || op == QLatin1String("$lt") ||
                           op == QLatin1String("$lte") || op == QLatin1String("$ne")) {
                    const auto c = coerce(jt.value(), error);
                    if (!c)
                        return false;
                    jt.value() = *c;
                } else if (op != QLatin1String("$exists") && op != QLatin1String("$type")) {
                    *error = QStringLiteral("Error: Operator not supported");
                    return false;
                }
            }
            it.value() = ops;
        } else {
            const auto c = coerce(it.value(), error);
            if (!c)
                return false;
            it.value() = *c;
        }
    }
    return true;
}

} // namespace

Query::Query(QVariantMap filter)
    : m_filter(std::move(filter))
{}

std::optional<Query> Query::compile(const QVariant &filter, QString *error)
{
    QString e;
    if (!validateFilter(filter, &e)) {
        if (error)
            *error = QStringLiteral("MongoServerError: ") + e;
        return std::nullopt;
    }
    return Query(filter.toMap());
}

std::optional<QVariantMap> Query::expandDeviceQuery(const QVariantMap &query, QString *error)
{
    QVariantMap result;
    QString e;
    if (!expandInto(query, &result, &e)) {
        if (error)
            *error = e;
        return std::nullopt;
    }
    return result;
}

std::optional<QVariantMap> Query::sanitizeTasksQuery(const QVariantMap &query, QString *error)
{
    const QHash<QString, Coerce> types = {{QStringLiteral("_id"), toObjectId},
                                          {QStringLiteral("timestamp"), toDate},
                                          {QStringLiteral("retries"), toNumber}};
    QVariantMap q = query;
    QString e;
    if (!sanitize(q, types, &e)) {
        if (error)
            *error = e;
        return std::nullopt;
    }
    return q;
}

std::optional<QVariantMap> Query::sanitizeFaultsQuery(const QVariantMap &query, QString *error)
{
    const QHash<QString, Coerce> types = {{QStringLiteral("timestamp"), toDate},
                                          {QStringLiteral("retries"), toNumber}};
    QVariantMap q = query;
    QString e;
    if (!sanitize(q, types, &e)) {
        if (error)
            *error = e;
        return std::nullopt;
    }
    return q;
}

std::optional<QString> Query::wildcardPattern(const QString &input)
{
    if (!input.contains(u'*'))
        return std::nullopt;
    static const QRegularExpression special(QStringLiteral("[\\[\\]\\\\^$.|?+()]"));
    QString output = input;
    if (const auto m = special.match(output); m.hasMatch())
        output.insert(m.capturedStart(), u'\\');
    if (output.startsWith(u'*')) {
        qsizetype n = 0;
        while (n < output.size() && output.at(n) == u'*')
            ++n;
        output.remove(0, n);
    } else {
        output.prepend(u'^');
    }
    if (output.endsWith(u'*')) {
        qsizetype n = output.size();
        while (n > 0 && output.at(n - 1) == u'*')
            --n;
        output.truncate(n);
    } else {
        output.append(u'$');
    }
    const qsizetype star = output.indexOf(u'*');
    if (star >= 0)
        output.replace(star, 1, QStringLiteral(".*"));
    return output;
}

bool Query::matches(const DocumentView &doc) const
{
    return matchFilter(m_filter, doc);
}

QVariant sortValue(const QVariant &v, int direction)
{
    if (docvalue::kind(v) != Kind::Array)
        return v;
    const QVariantList l = v.toList();
    if (l.isEmpty())
        return v;
    QVariant best = l.first();
    for (const QVariant &e : l) {
        const int c = docvalue::compare(e, best);
        if ((direction >= 0 && c < 0) || (direction < 0 && c > 0))
            best = e;
    }
    return best;
}

std::optional<Projection> Projection::parse(const QString &commaList, QString *error)
{
    QStringList keys;
    for (const QString &p : commaList.split(u',')) {
        const QString t = p.trimmed();
        if (!keys.contains(t))
            keys.append(t);
    }
    if (keys.contains(QString())) {
        if (error)
            *error = QStringLiteral(
                "MongoServerError: FieldPath cannot be constructed with empty string");
        return std::nullopt;
    }
    std::sort(keys.begin(), keys.end());
    // optimizeProjection: drop a path when the previous (sorted) one covers it.
    for (qsizetype i = 1; i < keys.size(); ++i) {
        const QString &a = keys.at(i - 1);
        const QString &b = keys.at(i);
        if (b.startsWith(a) && (b.at(a.size()) == u'.' || a.endsWith(u'.'))) {
            keys.removeAt(i);
            --i;
        }
    }
    Projection p;
    p.m_paths = keys;
    return p;
}

namespace {

QVariant projectPath(const QVariant &src, QStringView path)
{
    const Kind k = docvalue::kind(src);
    if (k == Kind::Array) {
        QVariantList out;
        for (const QVariant &e : src.toList()) {
            if (docvalue::kind(e) != Kind::Object && docvalue::kind(e) != Kind::Array)
                continue;
            const QVariant sub = projectPath(e, path);
            out.append(sub.isValid() ? sub : QVariant(QVariantMap()));
        }
        return out;
    }
    if (k != Kind::Object)
        return {};
    const qsizetype dot = path.indexOf(u'.');
    const QString head = (dot < 0 ? path : path.left(dot)).toString();
    const QVariantMap m = src.toMap();
    auto it = m.constFind(head);
    if (it == m.cend())
        return {};
    if (dot < 0)
        return QVariantMap{{head, it.value()}};
    const QVariant sub = projectPath(it.value(), path.mid(dot + 1));
    if (!sub.isValid())
        return {};
    return QVariantMap{{head, sub}};
}

void mergeInto(QVariantMap &dst, const QVariantMap &src)
{
    for (auto it = src.cbegin(); it != src.cend(); ++it) {
        auto jt = dst.find(it.key());
        if (jt != dst.end() && docvalue::kind(jt.value()) == Kind::Object &&
            docvalue::kind(it.value()) == Kind::Object) {
            QVariantMap merged = jt.value().toMap();
            mergeInto(merged, it.value().toMap());
            jt.value() = merged;
        } else {
            dst.insert(it.key(), it.value());
        }
    }
}

} // namespace

QVariantMap Projection::apply(const QVariantMap &doc) const
{
    QVariantMap out;
    const QVariant id = doc.value(QStringLiteral("_id"));
    if (id.isValid())
        out.insert(QStringLiteral("_id"), id);
    const QVariant whole(doc);
    for (const QString &p : m_paths) {
        const QVariant sub = projectPath(whole, p);
        if (sub.isValid())
            mergeInto(out, sub.toMap());
    }
    return out;
}

} // namespace fwd::lab
