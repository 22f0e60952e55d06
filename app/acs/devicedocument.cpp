#include "acs/devicedocument.h"

#include "acs/devicequery.h"

#include <QCoreApplication>
#include <QJsonArray>

#include <algorithm>

namespace fwd::acs {

QString ParameterValue::text() const
{
    if (!present || !value.isValid())
        return {};
    if (value.typeId() == QMetaType::QDateTime)
        return value.toDateTime().toUTC().toString(Qt::ISODateWithMs);
    return value.toString();
}

bool DownloadRecord::completed() const
{
    return lastDownload.isValid() && completeTime.isValid();
}

bool DownloadRecord::pending() const
{
    if (!download.isValid())
        return false;
    return !lastDownload.isValid() || download > lastDownload;
}

QDateTime parseGenieDate(const QJsonValue &value)
{
    if (!value.isString())
        return {};
    const QString s = value.toString();
    if (s.size() > 64)
        return {};
    QDateTime t = QDateTime::fromString(s, Qt::ISODateWithMs);
    if (!t.isValid())
        t = QDateTime::fromString(s, Qt::ISODate);
    return t.isValid() ? t.toUTC() : QDateTime();
}

namespace {

ParameterValue parameterFrom(const QJsonValue &node)
{
    ParameterValue p;
    if (!node.isObject())
        return p;
    const QJsonObject o = node.toObject();
    const auto it = o.constFind(QLatin1String("_value"));
    if (it == o.constEnd())
        return p;
    p.present = true;
    p.type = o.value(QLatin1String("_type")).toString().left(64);
    p.timestamp = parseGenieDate(o.value(QLatin1String("_timestamp")));
    p.writable = o.value(QLatin1String("_writable")).toBool();
    const QJsonValue v = it.value();
    if (p.type == QLatin1String("xsd:dateTime")) {
        const QDateTime t = parseGenieDate(v);
        p.value = t.isValid() ? QVariant(t) : QVariant(v.toVariant());
    } else if (v.isBool()) {
        p.value = v.toBool();
    } else if (v.isDouble()) {
        const double d = v.toDouble();
        if (d == double(qint64(d)) && std::abs(d) < 9e15)
            p.value = qint64(d);
        else
            p.value = d;
    } else if (v.isString()) {
        p.value = v.toString();
    } else if (!v.isNull()) {
        p.value = v.toVariant();
    }
    return p;
}

QJsonValue nodeAt(const QJsonObject &document, const QString &path)
{
    QJsonValue node = document;
    for (const QStringView segment : QStringView(path).split(u'.')) {
        if (!node.isObject())
            return {};
        node = node.toObject().value(segment);
    }
    return node;
}

} // namespace

ParameterValue parameterAt(const QJsonObject &document, const QString &path)
{
    return parameterFrom(nodeAt(document, path));
}

bool parseDevice(const QJsonObject &document, DeviceRecord *out, QString *error)
{
    const QJsonValue id = document.value(QLatin1String("_id"));
    if (!id.isString() || id.toString().isEmpty()) {
        if (error)
            *error = QCoreApplication::translate("fwd::acs::DeviceRecord",
                                                 "A device document has no _id.");
        return false;
    }
    DeviceRecord d;
    d.id = id.toString();
    const QJsonObject deviceId = document.value(QLatin1String("_deviceId")).toObject();
    d.manufacturer = deviceId.value(QLatin1String("_Manufacturer")).toString();
    d.oui = deviceId.value(QLatin1String("_OUI")).toString();
    d.productClass = deviceId.value(QLatin1String("_ProductClass")).toString();
    d.serialNumber = deviceId.value(QLatin1String("_SerialNumber")).toString();
    const QJsonArray tags = document.value(QLatin1String("_tags")).toArray();
    for (const QJsonValue &t : tags)
        if (t.isString())
            d.tags.append(t.toString());
    d.registered = parseGenieDate(document.value(QLatin1String("_registered")));
    d.lastInform = parseGenieDate(document.value(QLatin1String("_lastInform")));
    d.lastBoot = parseGenieDate(document.value(QLatin1String("_lastBoot")));
    d.lastBootstrap = parseGenieDate(document.value(QLatin1String("_lastBootstrap")));

    if (document.contains(QLatin1String("InternetGatewayDevice"))) {
        d.dataModel = DeviceRecord::DataModel::Tr098;
        d.softwareVersion = parameterAt(document, QLatin1String(DeviceField::SoftwareVersionTr098));
        d.hardwareVersion = parameterAt(document, QLatin1String(DeviceField::HardwareVersionTr098));
    } else if (document.contains(QLatin1String("Device"))) {
        d.dataModel = DeviceRecord::DataModel::Tr181;
        d.softwareVersion = parameterAt(document, QLatin1String(DeviceField::SoftwareVersionTr181));
        d.hardwareVersion = parameterAt(document, QLatin1String(DeviceField::HardwareVersionTr181));
        d.architecture = parameterAt(document, QLatin1String(DeviceField::MikrotikArchName));
    }

    const QJsonObject downloads = document.value(QLatin1String("Downloads")).toObject();
    for (auto it = downloads.constBegin(); it != downloads.constEnd(); ++it) {
        if (it.key().startsWith(u'_') || !it.value().isObject())
            continue;
        const QJsonObject node = it.value().toObject();
        auto text = [&node](const char *name) {
            return parameterFrom(node.value(QLatin1String(name))).text();
        };
        // GenieACS writes the epoch for "never" (T065, T067).
        auto date = [&node](const char *name) {
            const ParameterValue p = parameterFrom(node.value(QLatin1String(name)));
            if (p.value.typeId() != QMetaType::QDateTime ||
                p.value.toDateTime().toMSecsSinceEpoch() == 0)
                return QDateTime();
            return p.value.toDateTime();
        };
        DownloadRecord r;
        r.instance = it.key();
        r.fileType = text("FileType");
        r.fileName = text("FileName");
        r.targetFileName = text("TargetFileName");
        r.download = date("Download");
        r.lastFileType = text("LastFileType");
        r.lastFileName = text("LastFileName");
        r.lastTargetFileName = text("LastTargetFileName");
        r.lastDownload = date("LastDownload");
        r.startTime = date("StartTime");
        r.completeTime = date("CompleteTime");
        d.downloads.append(r);
    }
    std::sort(d.downloads.begin(), d.downloads.end(),
              [](const DownloadRecord &a, const DownloadRecord &b) {
                  return a.instance.toInt() < b.instance.toInt();
              });
    const ParameterValue reboot = parameterFrom(document.value(QLatin1String("Reboot")));
    if (reboot.value.typeId() == QMetaType::QDateTime)
        d.lastReboot = reboot.value.toDateTime();
    *out = std::move(d);
    return true;
}

} // namespace fwd::acs
