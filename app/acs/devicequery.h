#pragma once

#include "acs/genieacsversion.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QStringList>
#include <QVariant>

#include <memory>
#include <optional>

namespace fwd::acs {

// Paths of the device document that FirmwareDesk filters, sorts and projects on.
namespace DeviceField {
inline constexpr char Id[] = "_id";
inline constexpr char Tags[] = "_tags";
inline constexpr char Registered[] = "_registered";
inline constexpr char LastInform[] = "_lastInform";
inline constexpr char LastBoot[] = "_lastBoot";
inline constexpr char LastBootstrap[] = "_lastBootstrap";
inline constexpr char Manufacturer[] = "_deviceId._Manufacturer";
inline constexpr char Oui[] = "_deviceId._OUI";
inline constexpr char ProductClass[] = "_deviceId._ProductClass";
inline constexpr char SerialNumber[] = "_deviceId._SerialNumber";
// The software version lives under the root object of the device's data model.
inline constexpr char SoftwareVersionTr098[] = "InternetGatewayDevice.DeviceInfo.SoftwareVersion";
inline constexpr char SoftwareVersionTr181[] = "Device.DeviceInfo.SoftwareVersion";
inline constexpr char HardwareVersionTr098[] = "InternetGatewayDevice.DeviceInfo.HardwareVersion";
inline constexpr char HardwareVersionTr181[] = "Device.DeviceInfo.HardwareVersion";
// RouterOS's architecture (arm, arm64, mipsbe, tile, x86, …): MikroTik's TR-181 extension, which
// picks the packages of an upgrade (MIKROTIK.md).
inline constexpr char MikrotikArchName[] = "Device.DeviceInfo.X_MIKROTIK_ArchName";
} // namespace DeviceField

// A typed filter over GenieACS devices that the Devices screen, groups and batches share. It
// builds the JSON query of GenieACS's NBI and avoids the traps of GenieACS's query expansion
// (GENIEACS.md §2): every condition is its own object inside $and/$or, so $ne never shares a key
// with another operator (that crashes the NBI worker); literal strings that GenieACS would read
// as a wildcard ("*") or a regular expression ("/…/") are sent as an anchored, escaped $regex;
// dates go out as ISO strings (epoch numbers are not converted for devices); numbers go out as
// strings so they match numeric and string values alike.
class DeviceFilter
{
public:
    enum class Op {
        Equals,
        NotEquals,
        Greater,
        GreaterOrEqual,
        Less,
        LessOrEqual,
        In,    // value: QStringList
        NotIn, // value: QStringList
        Exists,
        NotExists,
        StartsWith,
        Contains,
        Matches, // value: a regular expression (PCRE)
    };
    enum class Kind { All, Condition, And, Or };

    DeviceFilter(); // matches every device
    static DeviceFilter all() { return {}; }
    // value: QString, qint64/int, double, bool, QDateTime or QStringList (In/NotIn).
    static DeviceFilter where(const QString &field, Op op, const QVariant &value = {},
                              Qt::CaseSensitivity cs = Qt::CaseSensitive);
    static DeviceFilter allOf(const QList<DeviceFilter> &filters);
    static DeviceFilter anyOf(const QList<DeviceFilter> &filters);

    static DeviceFilter tagged(const QString &tag);
    static DeviceFilter notTagged(const QString &tag);
    // Software version on either data model (TR-098 InternetGatewayDevice or TR-181 Device).
    static DeviceFilter softwareVersion(Op op, const QVariant &value);
    static DeviceFilter idIn(const QStringList &ids);

    DeviceFilter operator&&(const DeviceFilter &other) const;
    DeviceFilter operator||(const DeviceFilter &other) const;

    Kind kind() const { return m_kind; }
    bool isAll() const { return m_kind == Kind::All; }

    // Empty when GenieACS (of that generation) can take the filter, else one translated sentence.
    QString
    validate(GenieAcsVersion::Generation generation = GenieAcsVersion::Generation::Modern) const;
    // The GenieACS query ({} for all). Call validate() first.
    QJsonObject toJson() const;
    QString toQueryString() const; // compact JSON

    // FirmwareDesk's own form of the filter (for groups and batches kept in the store), which
    // keeps the operators and value types, unlike the GenieACS query. fromStorage() returns
    // nullopt (and a translated reason) for anything it did not write.
    QJsonObject toStorage() const;
    static std::optional<DeviceFilter> fromStorage(const QJsonObject &json,
                                                   QString *error = nullptr);

    // Field names: dotted segments of [A-Za-z0-9_-] (GenieACS's parameter names).
    static QString checkField(const QString &field);
    // Escapes a literal for a regular expression.
    static QString escapeRegex(const QString &literal);

private:
    QJsonObject conditionJson() const;

    Kind m_kind = Kind::All;
    QString m_field;
    Op m_op = Op::Equals;
    QVariant m_value;
    Qt::CaseSensitivity m_cs = Qt::CaseSensitive;
    QList<DeviceFilter> m_children;
};

} // namespace fwd::acs
