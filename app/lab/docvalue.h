#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QJsonValue>
#include <QString>
#include <QVariant>

#include <optional>

// Values of the lab's documents, with MongoDB's semantics (the database GenieACS runs on).
// A document value is a QVariant holding one of: nothing (invalid = field absent), null
// (std::nullptr_t), bool, double (every number), QString, QDateTime (a BSON Date, UTC),
// QVariantList, QVariantMap, or QRegularExpression (only inside queries).
namespace fwd::lab::docvalue {

enum class Kind { Missing, Null, Number, String, Object, Array, Bool, Date, Regex, Other };

Kind kind(const QVariant &v);
QVariant null();
bool isNumber(const QVariant &v);
double number(const QVariant &v);

// MongoDB equality ($eq): numbers by value, dates by instant, documents and arrays by content.
bool equals(const QVariant &a, const QVariant &b);
// MongoDB's total order across types (null < numbers < strings < objects < arrays < bool < date),
// used for sort; returns <0, 0, >0.
int compare(const QVariant &a, const QVariant &b);
// Comparison inside one type class only, as $gt/$lt do; nullopt when the classes differ.
std::optional<int> compareSameType(const QVariant &a, const QVariant &b);

QVariant fromJson(const QJsonValue &v);
QJsonValue toJson(const QVariant &v);
QByteArray toJsonBytes(const QVariant &v);

// JSON.parse: any JSON value at the top level. On failure returns an invalid QVariant and sets
// *error to a JavaScript-style message ("SyntaxError: Unexpected end of JSON input").
QVariant parseJson(const QByteArray &text, QString *error);

// ISO 8601 with milliseconds and 'Z', as JavaScript's Date.prototype.toISOString().
QString isoString(const QDateTime &t);
QDateTime fromMs(qint64 ms);
// new Date(string) for the forms GenieACS's clients send (ISO 8601 date or date-time, RFC 2822).
std::optional<QDateTime> parseJsDate(const QString &s);

// Value at a dotted path; arrays on the way are traversed element by element (MongoDB).
QVariant getPath(const QVariant &doc, QStringView path);
void setPath(QVariantMap &doc, QStringView path, const QVariant &value);

} // namespace fwd::lab::docvalue
