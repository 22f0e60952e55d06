#include "lab/docvalue.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QLocale>
#include <QRegularExpression>

#include <cmath>

namespace fwd::lab::docvalue {

Kind kind(const QVariant &v)
{
    if (!v.isValid())
        return Kind::Missing;
    switch (v.typeId()) {
    case QMetaType::Nullptr:
        return Kind::Null;
    case QMetaType::Double:
    case QMetaType::Float:
    case QMetaType::Int:
    case QMetaType::UInt:
    case QMetaType::LongLong:
    case QMetaType::ULongLong:
        return Kind::Number;
    case QMetaType::QString:
        return Kind::String;
    case QMetaType::QVariantMap:
        return Kind::Object;
    case QMetaType::QVariantList:
        return Kind::Array;
    case QMetaType::Bool:
        return Kind::Bool;
    case QMetaType::QDateTime:
        return Kind::Date;
    case QMetaType::QRegularExpression:
        return Kind::Regex;
    default:
        return Kind::Other;
    }
}

QVariant null()
{
    return QVariant::fromValue(nullptr);
}

bool isNumber(const QVariant &v)
{
    return kind(v) == Kind::Number;
}

double number(const QVariant &v)
{
    return v.toDouble();
}

namespace {

// BSON canonical type order for sorting.
int rank(Kind k)
{
    switch (k) {
    case Kind::Missing:
    case Kind::Null:
        return 1;
    case Kind::Number:
        return 2;
    case Kind::String:
        return 3;
    case Kind::Object:
        return 4;
    case Kind::Array:
        return 5;
    case Kind::Bool:
        return 8;
    case Kind::Date:
        return 9;
    case Kind::Regex:
        return 11;
    case Kind::Other:
        return 12;
    }
    return 12;
}

int sign(double d)
{
    return d < 0 ? -1 : (d > 0 ? 1 : 0);
}

} // namespace

std::optional<int> compareSameType(const QVariant &a, const QVariant &b)
{
    const Kind ka = kind(a);
    const Kind kb = kind(b);
    if (rank(ka) != rank(kb))
        return std::nullopt;
    switch (ka) {
    case Kind::Missing:
    case Kind::Null:
        return 0;
    case Kind::Number: {
        const double x = a.toDouble();
        const double y = b.toDouble();
        if (std::isnan(x) || std::isnan(y))
            return std::isnan(x) && std::isnan(y) ? 0 : (std::isnan(x) ? -1 : 1);
        return sign(x - y);
    }
    case Kind::String:
        return sign(QString::compare(a.toString(), b.toString()));
    case Kind::Bool:
        return int(a.toBool()) - int(b.toBool());
    case Kind::Date:
        return sign(
            double(a.toDateTime().toMSecsSinceEpoch() - b.toDateTime().toMSecsSinceEpoch()));
    case Kind::Object: {
        const QVariantMap ma = a.toMap();
        const QVariantMap mb = b.toMap();
        auto ia = ma.cbegin();
        auto ib = mb.cbegin();
        for (; ia != ma.cend() && ib != mb.cend(); ++ia, ++ib) {
            const int t = rank(kind(ia.value())) - rank(kind(ib.value()));
            if (t)
                return sign(t);
            const int k = QString::compare(ia.key(), ib.key());
            if (k)
                return sign(k);
            const int c = compare(ia.value(), ib.value());
            if (c)
                return c;
        }
        return ia == ma.cend() ? (ib == mb.cend() ? 0 : -1) : 1;
    }
    case Kind::Array: {
        const QVariantList la = a.toList();
        const QVariantList lb = b.toList();
        for (qsizetype i = 0; i < la.size() && i < lb.size(); ++i) {
            const int c = compare(la.at(i), lb.at(i));
            if (c)
                return c;
        }
        return sign(double(la.size() - lb.size()));
    }
    case Kind::Regex:
        return sign(QString::compare(a.value<QRegularExpression>().pattern(),
                                     b.value<QRegularExpression>().pattern()));
    case Kind::Other:
        return 0;
    }
    return 0;
}

int compare(const QVariant &a, const QVariant &b)
{
    const int ra = rank(kind(a));
    const int rb = rank(kind(b));
    if (ra != rb)
        return ra < rb ? -1 : 1;
    return compareSameType(a, b).value_or(0);
}

bool equals(const QVariant &a, const QVariant &b)
{
    const Kind ka = kind(a);
    const Kind kb = kind(b);
    if (ka == Kind::Regex || kb == Kind::Regex)
        return ka == kb && a.value<QRegularExpression>() == b.value<QRegularExpression>();
    if (rank(ka) != rank(kb))
        return false;
    if (ka == Kind::Object) {
        const QVariantMap ma = a.toMap();
        const QVariantMap mb = b.toMap();
        if (ma.size() != mb.size())
            return false;
        for (auto it = ma.cbegin(); it != ma.cend(); ++it) {
            auto jt = mb.constFind(it.key());
            if (jt == mb.cend() || !equals(it.value(), jt.value()))
                return false;
        }
        return true;
    }
    if (ka == Kind::Array) {
        const QVariantList la = a.toList();
        const QVariantList lb = b.toList();
        if (la.size() != lb.size())
            return false;
        for (qsizetype i = 0; i < la.size(); ++i) {
            if (!equals(la.at(i), lb.at(i)))
                return false;
        }
        return true;
    }
    return compareSameType(a, b) == 0;
}

QVariant fromJson(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null:
        return null();
    case QJsonValue::Bool:
        return v.toBool();
    case QJsonValue::Double:
        return v.toDouble();
    case QJsonValue::String:
        return v.toString();
    case QJsonValue::Array: {
        QVariantList l;
        const QJsonArray a = v.toArray();
        l.reserve(a.size());
        for (const QJsonValue &e : a)
            l.append(fromJson(e));
        return l;
    }
    case QJsonValue::Object: {
        QVariantMap m;
        const QJsonObject o = v.toObject();
        for (auto it = o.begin(); it != o.end(); ++it)
            m.insert(it.key(), fromJson(it.value()));
        return m;
    }
    case QJsonValue::Undefined:
        break;
    }
    return {};
}

QJsonValue toJson(const QVariant &v)
{
    switch (kind(v)) {
    case Kind::Missing:
        return QJsonValue(QJsonValue::Undefined);
    case Kind::Null:
        return QJsonValue(QJsonValue::Null);
    case Kind::Number:
        return v.toDouble();
    case Kind::String:
        return v.toString();
    case Kind::Bool:
        return v.toBool();
    case Kind::Date:
        return isoString(v.toDateTime());
    case Kind::Regex:
        return QJsonObject(); // JSON.stringify(/re/) gives {}
    case Kind::Array: {
        QJsonArray a;
        for (const QVariant &e : v.toList()) {
            const QJsonValue j = toJson(e);
            a.append(j.isUndefined() ? QJsonValue(QJsonValue::Null) : j);
        }
        return a;
    }
    case Kind::Object: {
        QJsonObject o;
        const QVariantMap m = v.toMap();
        for (auto it = m.cbegin(); it != m.cend(); ++it) {
            const QJsonValue j = toJson(it.value());
            if (!j.isUndefined())
                o.insert(it.key(), j);
        }
        return o;
    }
    case Kind::Other:
        break;
    }
    return QJsonValue(QJsonValue::Null);
}

namespace {

void writeString(QByteArray &out, const QString &s)
{
    out.append('"');
    const QByteArray utf8 = s.toUtf8();
    for (const char c : utf8) {
        switch (c) {
        case '"':
            out.append("\\\"");
            break;
        case '\\':
            out.append("\\\\");
            break;
        case '\b':
            out.append("\\b");
            break;
        case '\f':
            out.append("\\f");
            break;
        case '\n':
            out.append("\\n");
            break;
        case '\r':
            out.append("\\r");
            break;
        case '\t':
            out.append("\\t");
            break;
        default:
            if (uchar(c) < 0x20) {
                static const char hex[] = "0123456789abcdef";
                out.append("\\u00").append(hex[(uchar(c) >> 4) & 0xf]).append(hex[uchar(c) & 0xf]);
            } else {
                out.append(c);
            }
        }
    }
    out.append('"');
}

// Number.prototype.toString() for finite doubles (ECMA-262 Number::toString).
QByteArray jsNumber(double d)
{
    QByteArray out;
    if (d < 0) {
        out.append('-');
        d = -d;
    }
    const QByteArray e = QByteArray::number(d, 'e', QLocale::FloatingPointShortest); // "d.ddde-07"
    const qsizetype ePos = e.indexOf('e');
    QByteArray digits = e.left(ePos);
    digits.replace(".", "");
    const int k = int(digits.size());
    const int n = e.mid(ePos + 1).toInt() + 1; // position of the decimal point
    if (k <= n && n <= 21) {
        out.append(digits).append(QByteArray(n - k, '0'));
    } else if (0 < n && n <= 21) {
        out.append(digits.left(n)).append('.').append(digits.mid(n));
    } else if (-6 < n && n <= 0) {
        out.append("0.").append(QByteArray(-n, '0')).append(digits);
    } else {
        out.append(digits.left(1));
        if (k > 1)
            out.append('.').append(digits.mid(1));
        out.append('e').append(n - 1 >= 0 ? "+" : "-").append(QByteArray::number(std::abs(n - 1)));
    }
    return out;
}

// JSON.stringify, written straight from the variant (the NBI's hot path when paging devices).
void writeJson(QByteArray &out, const QVariant &v)
{
    switch (kind(v)) {
    case Kind::Missing:
    case Kind::Null:
    case Kind::Other:
        out.append("null");
        return;
    case Kind::Bool:
        out.append(v.toBool() ? "true" : "false");
        return;
    case Kind::Number: {
        const double d = v.toDouble();
        if (!std::isfinite(d))
            out.append("null");
        else if (d == std::floor(d) && std::fabs(d) < 9007199254740992.0)
            out.append(QByteArray::number(qint64(d)));
        else
            out.append(jsNumber(d));
        return;
    }
    case Kind::String:
        writeString(out, v.toString());
        return;
    case Kind::Date:
        writeString(out, isoString(v.toDateTime()));
        return;
    case Kind::Regex:
        out.append("{}");
        return;
    case Kind::Array: {
        out.append('[');
        bool first = true;
        for (const QVariant &e : v.toList()) {
            if (!first)
                out.append(',');
            first = false;
            writeJson(out, e);
        }
        out.append(']');
        return;
    }
    case Kind::Object: {
        out.append('{');
        bool first = true;
        const QVariantMap m = v.toMap();
        for (auto it = m.cbegin(); it != m.cend(); ++it) {
            if (!it.value().isValid())
                continue; // undefined properties are left out
            if (!first)
                out.append(',');
            first = false;
            writeString(out, it.key());
            out.append(':');
            writeJson(out, it.value());
        }
        out.append('}');
        return;
    }
    }
}

} // namespace

QByteArray toJsonBytes(const QVariant &v)
{
    QByteArray out;
    writeJson(out, v);
    return out;
}

QVariant parseJson(const QByteArray &text, QString *error)
{
    // JSON.parse accepts any value at the top level; QJsonDocument wants an array or object.
    QByteArray wrapped;
    wrapped.reserve(text.size() + 2);
    wrapped.append('[').append(text).append(']');
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(wrapped, &pe);
    if (pe.error == QJsonParseError::NoError && doc.isArray() && doc.array().size() == 1)
        return fromJson(doc.array().at(0));

    const QByteArray trimmed = text.trimmed();
    QString message;
    if (trimmed.isEmpty()) {
        message = QStringLiteral("Unexpected end of JSON input");
    } else if (pe.error == QJsonParseError::NoError) {
        message = QStringLiteral("Unexpected non-whitespace character after JSON");
    } else {
        // The offset of the wrapped text, back in the caller's text; then the first
        // non-space character there, and the context (object or array) it sits in, as V8 reports.
        qsizetype at = qBound(qsizetype(0), qsizetype(pe.offset) - 1, text.size());
        while (at < text.size() && QChar::isSpace(uchar(text.at(at))))
            ++at;
        // Qt reports some errors inside a bare word; V8 reports its first character.
        auto wordChar = [](char c) {
            return QChar::isLetterOrNumber(uchar(c)) || c == '_' || c == '$';
        };
        while (at > 0 && at <= text.size() && wordChar(text.at(at - 1)) &&
               (at == text.size() || wordChar(text.at(at))))
            --at;
        QByteArray stack;
        bool inString = false;
        for (qsizetype i = 0; i < at && i < text.size(); ++i) {
            const char c = text.at(i);
            if (inString) {
                if (c == '\\')
                    ++i;
                else if (c == '"')
                    inString = false;
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                stack.append(c);
            } else if ((c == '}' || c == ']') && !stack.isEmpty()) {
                stack.chop(1);
            }
        }
        qsizetype before = at - 1;
        while (before >= 0 && QChar::isSpace(uchar(text.at(before))))
            --before;
        const char prev = before >= 0 ? text.at(before) : '\0';
        const bool quoteNext = at < text.size() && text.at(at) == '"';
        if (prev == '{' && !quoteNext)
            message =
                QStringLiteral("Expected property name or '}' in JSON at position %1").arg(at);
        else if (prev == ',' && !quoteNext && stack.endsWith('{'))
            message = QStringLiteral("Expected double-quoted property name in JSON at position %1")
                          .arg(at);
        else if (at >= text.size())
            message = QStringLiteral("Unexpected end of JSON input");
        else
            message = QStringLiteral("Unexpected token '%1', \"%2\" is not valid JSON")
                          .arg(QChar::fromLatin1(text.at(at)))
                          .arg(QString::fromUtf8(text.left(30)));
    }
    if (error)
        *error = QStringLiteral("SyntaxError: ") + message;
    return {};
}

QString isoString(const QDateTime &t)
{
    if (!t.isValid())
        return QStringLiteral("Invalid Date");
    return t.toUTC().toString(Qt::ISODateWithMs);
}

QDateTime fromMs(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
}

std::optional<QDateTime> parseJsDate(const QString &input)
{
    const QString s = input.trimmed();
    if (s.isEmpty())
        return std::nullopt;
    // Date-only ISO forms are UTC in JavaScript.
    static const QRegularExpression dateOnly(
        QStringLiteral("^(\\d{4})(?:-(\\d{2})(?:-(\\d{2}))?)?$"));
    if (const auto m = dateOnly.match(s); m.hasMatch()) {
        const int y = m.captured(1).toInt();
        const int mo = m.captured(2).isEmpty() ? 1 : m.captured(2).toInt();
        const int d = m.captured(3).isEmpty() ? 1 : m.captured(3).toInt();
        const QDate date(y, mo, d);
        if (!date.isValid())
            return std::nullopt;
        return QDateTime(date, QTime(0, 0), Qt::UTC);
    }
    QDateTime t = QDateTime::fromString(s, Qt::ISODateWithMs);
    if (!t.isValid())
        t = QDateTime::fromString(s, Qt::ISODate);
    if (!t.isValid())
        t = QDateTime::fromString(s, Qt::RFC2822Date);
    if (!t.isValid())
        return std::nullopt;
    if (t.timeSpec() == Qt::LocalTime)
        t.setTimeSpec(Qt::UTC); // the lab runs in UTC, like GenieACS's servers usually do
    return t.toUTC();
}

QVariant getPath(const QVariant &doc, QStringView path)
{
    if (path.isEmpty())
        return doc;
    const qsizetype dot = path.indexOf(u'.');
    const QStringView head = dot < 0 ? path : path.left(dot);
    const QStringView rest = dot < 0 ? QStringView() : path.mid(dot + 1);
    const Kind k = kind(doc);
    if (k == Kind::Object) {
        const QVariantMap m = doc.toMap();
        auto it = m.constFind(head.toString());
        if (it == m.cend())
            return {};
        return dot < 0 ? it.value() : getPath(it.value(), rest);
    }
    if (k == Kind::Array) {
        const QVariantList l = doc.toList();
        bool isIndex = false;
        const int index = head.toInt(&isIndex);
        if (isIndex) {
            if (index < 0 || index >= l.size())
                return {};
            return dot < 0 ? l.at(index) : getPath(l.at(index), rest);
        }
        QVariantList out;
        for (const QVariant &e : l) {
            if (kind(e) != Kind::Object)
                continue;
            const QVariant sub = getPath(e, path);
            if (sub.isValid())
                out.append(sub);
        }
        return out.isEmpty() ? QVariant() : QVariant(out);
    }
    return {};
}

void setPath(QVariantMap &doc, QStringView path, const QVariant &value)
{
    const qsizetype dot = path.indexOf(u'.');
    if (dot < 0) {
        doc.insert(path.toString(), value);
        return;
    }
    const QString head = path.left(dot).toString();
    QVariantMap child = doc.value(head).toMap();
    setPath(child, path.mid(dot + 1), value);
    doc.insert(head, child);
}

} // namespace fwd::lab::docvalue
