#include "lab/fleetprofile.h"

#include <QFile>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace fwd::lab {

namespace {

// From reference/data-models/mikrotik-tr181-profile.csv (real RouterOS 7.13 GPV, S1) and the
// Inform order of reference/mikrotik-tr069-captures.md §1.8.
QList<ParameterTemplate> mikrotikParameters()
{
    auto p = [](const char *path, const char *type, bool writable, const char *value, bool inform) {
        return ParameterTemplate{QLatin1String(path), QLatin1String(type), writable,
                                 QLatin1String(value), inform};
    };
    return {
        p("Device.RootDataModelVersion", "xsd:string", false, "2.15", true),
        p("Device.DeviceInfo.SoftwareVersion", "xsd:string", false, "{version}", true),
        p("Device.DeviceInfo.ProvisioningCode", "xsd:string", true, "", true),
        p("Device.DeviceInfo.HardwareVersion", "xsd:string", false, "{hardware}", true),
        p("Device.ManagementServer.ParameterKey", "xsd:string", false, "", true),
        p("Device.ManagementServer.ConnectionRequestURL", "xsd:string", false, "{crurl}", true),
        p("Device.ManagementServer.AliasBasedAddressing", "xsd:boolean", false, "false", true),
        p("Device.DeviceInfo.Manufacturer", "xsd:string", false, "{manufacturer}", false),
        p("Device.DeviceInfo.ManufacturerOUI", "xsd:string", false, "{oui}", false),
        p("Device.DeviceInfo.ModelName", "xsd:string", false, "{model}", false),
        p("Device.DeviceInfo.ProductClass", "xsd:string", false, "{productClass}", false),
        p("Device.DeviceInfo.SerialNumber", "xsd:string", false, "{serial}", false),
        p("Device.DeviceInfo.UpTime", "xsd:unsignedInt", false, "{uptime}", false),
        p("Device.DeviceInfo.X_MIKROTIK_ArchName", "xsd:string", false, "{arch}", false),
        p("Device.ManagementServer.PeriodicInformInterval", "xsd:unsignedInt", true, "300", false),
        p("Device.ManagementServer.ConnectionRequestUsername", "xsd:string", true, "", false),
        p("Device.ManagementServer.ConnectionRequestPassword", "xsd:string", true, "", false),
        p("Device.IP.Interface.1.IPv4Address.1.IPAddress", "xsd:string", true, "{ip}", false),
    };
}

// From reference/data-models/tr098-huawei-BM632w.csv (genieacs-sim's model) and transcript T001.
QList<ParameterTemplate> tr098Parameters()
{
    auto p = [](const char *path, const char *type, bool writable, const char *value, bool inform) {
        return ParameterTemplate{QLatin1String(path), QLatin1String(type), writable,
                                 QLatin1String(value), inform};
    };
    return {
        p("InternetGatewayDevice.DeviceInfo.SpecVersion", "xsd:string", false, "1", true),
        p("InternetGatewayDevice.DeviceInfo.HardwareVersion", "xsd:string", false, "{hardware}",
          true),
        p("InternetGatewayDevice.DeviceInfo.SoftwareVersion", "xsd:string", false, "{version}",
          true),
        p("InternetGatewayDevice.DeviceInfo.ProvisioningCode", "xsd:string", true, "", true),
        p("InternetGatewayDevice.ManagementServer.ParameterKey", "xsd:string", false, "", true),
        p("InternetGatewayDevice.ManagementServer.ConnectionRequestURL", "xsd:string", false,
          "{crurl}", true),
        p("InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.1."
          "ExternalIPAddress",
          "xsd:string", true, "{ip}", true),
        p("InternetGatewayDevice.DeviceInfo.Manufacturer", "xsd:string", false, "{manufacturer}",
          false),
        p("InternetGatewayDevice.DeviceInfo.ManufacturerOUI", "xsd:string", false, "{oui}", false),
        p("InternetGatewayDevice.DeviceInfo.ModelName", "xsd:string", false, "{model}", false),
        p("InternetGatewayDevice.DeviceInfo.ProductClass", "xsd:string", false, "{productClass}",
          false),
        p("InternetGatewayDevice.DeviceInfo.SerialNumber", "xsd:string", false, "{serial}", false),
        p("InternetGatewayDevice.DeviceInfo.UpTime", "xsd:unsignedInt", false, "{uptime}", false),
        p("InternetGatewayDevice.ManagementServer.PeriodicInformInterval", "xsd:unsignedInt", true,
          "300", false),
        p("InternetGatewayDevice.ManagementServer.ConnectionRequestUsername", "xsd:string", true,
          "", false),
        p("InternetGatewayDevice.ManagementServer.ConnectionRequestPassword", "xsd:string", true,
          "", false),
        p("InternetGatewayDevice.Layer3Forwarding.Forwarding.1.Enable", "xsd:boolean", true, "true",
          false),
    };
}

double number(const QJsonObject &o, const char *key, double fallback)
{
    const QJsonValue v = o.value(QLatin1String(key));
    return v.isDouble() ? v.toDouble() : fallback;
}

QString string(const QJsonObject &o, const char *key, const QString &fallback = {})
{
    const QJsonValue v = o.value(QLatin1String(key));
    return v.isString() ? v.toString() : fallback;
}

} // namespace

QString DownloadResponseProfile::cwmpFaultString(const QString &code)
{
    // TR-069 Amendment 6, Table A.5 (CPE fault codes).
    static const QHash<QString, QString> names = {
        {QStringLiteral("9000"), QStringLiteral("Method not supported")},
        {QStringLiteral("9001"), QStringLiteral("Request denied")},
        {QStringLiteral("9002"), QStringLiteral("Internal error")},
        {QStringLiteral("9003"), QStringLiteral("Invalid arguments")},
        {QStringLiteral("9004"), QStringLiteral("Resources exceeded")},
        {QStringLiteral("9010"), QStringLiteral("File transfer failure")},
        {QStringLiteral("9012"), QStringLiteral("File transfer server authentication failure")},
        {QStringLiteral("9013"), QStringLiteral("Unsupported protocol for file transfer")},
        {QStringLiteral("9014"),
         QStringLiteral("File transfer failure: unable to join multicast group")},
        {QStringLiteral("9015"),
         QStringLiteral("File transfer failure: unable to contact file server")},
        {QStringLiteral("9016"), QStringLiteral("File transfer failure: unable to access file")},
        {QStringLiteral("9017"),
         QStringLiteral("File transfer failure: unable to complete download")},
        {QStringLiteral("9018"), QStringLiteral("File transfer failure: file corrupted")},
        {QStringLiteral("9019"),
         QStringLiteral("File transfer failure: file authentication failure")},
        {QStringLiteral("9020"),
         QStringLiteral(
             "File transfer failure: unable to complete download within specified time windows")}};
    return names.value(code, QStringLiteral("Fault ") + code);
}

std::optional<DownloadResponseProfile> DownloadResponseProfile::fromJson(const QJsonValue &value,
                                                                         QString *error)
{
    DownloadResponseProfile r;
    if (value.isUndefined())
        return r;
    const QJsonObject o = value.toObject();
    const QJsonValue code = o.value(QStringLiteral("faultCode"));
    const QJsonValue status = o.value(QStringLiteral("status"));
    if (!code.isUndefined() && status.isUndefined()) {
        r.kind = Kind::Fault;
        r.faultCode = code.isDouble() ? QString::number(code.toInt()) : code.toString();
        r.faultString = string(o, "faultString", cwmpFaultString(r.faultCode));
        bool ok = false;
        const int n = r.faultCode.toInt(&ok);
        if (ok && n >= 9000 && n <= 9899)
            return r;
    } else if (code.isUndefined() && status.isDouble() &&
               (status.toDouble() == 0 || status.toDouble() == 1)) {
        r.kind = status.toDouble() == 0 ? Kind::Applied : Kind::Queued;
        return r;
    }
    *error = QStringLiteral("profile: downloadResponse must be {\"status\": 0}, {\"status\": 1} "
                            "or {\"faultCode\": 9000-9899, \"faultString\": \"...\"}");
    return std::nullopt;
}

FleetProfile FleetProfile::defaultProfile()
{
    FleetProfile f;
    VendorProfile mt;
    mt.name = QStringLiteral("mikrotik-hap-ac-lite");
    mt.share = 0.7;
    mt.manufacturer = QStringLiteral("MikroTik");
    mt.oui = QStringLiteral("E48D8C");
    mt.productClass = QStringLiteral("hAP ac lite");
    mt.modelName = QStringLiteral("RB952Ui-5ac2nD");
    mt.hardwareVersion = QStringLiteral("v1.0");
    mt.dataModel = QStringLiteral("tr181");
    mt.mikrotik = true;
    mt.architectures = {QStringLiteral("mipsbe"), QStringLiteral("arm"), QStringLiteral("arm64")};
    mt.versions = {{QStringLiteral("6.49.18"), 0.5}, {QStringLiteral("7.13"), 0.5}};
    mt.serialPrefix = QString();
    mt.parameters = mikrotikParameters();
    VendorProfile hw;
    hw.name = QStringLiteral("huawei-bm632w");
    hw.share = 0.3;
    hw.manufacturer = QStringLiteral("Huawei Technologies Co., Ltd.");
    hw.oui = QStringLiteral("202BC1");
    hw.productClass = QStringLiteral("BM632w");
    hw.modelName = QStringLiteral("BM632w");
    hw.hardwareVersion = QStringLiteral("40501");
    hw.dataModel = QStringLiteral("tr098");
    hw.architectures = {QStringLiteral("mips")};
    hw.versions = {{QStringLiteral("V100R001IRQC56B017"), 1}};
    hw.serialPrefix = QStringLiteral("HW");
    hw.parameters = tr098Parameters();
    f.vendors = {mt, hw};
    return f;
}

std::optional<FleetProfile> FleetProfile::fromJson(const QByteArray &json, QString *error)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
        *error = QStringLiteral("profile: not a JSON object (%1)").arg(pe.errorString());
        return std::nullopt;
    }
    const QJsonObject root = doc.object();
    FleetProfile f;
    f.periodicInformIntervalSeconds = int(number(root, "periodicInformInterval", 300));
    f.informJitter = number(root, "informJitter", 0.1);
    f.rebootSeconds = int(number(root, "rebootSeconds", 60));
    f.downloadDelaySeconds = int(number(root, "downloadDelaySeconds", 5));
    f.cwmpRoundTripMs = int(number(root, "cwmpRoundTripMs", f.cwmpRoundTripMs));
    f.cwmpRequestMs = int(number(root, "cwmpRequestMs", f.cwmpRequestMs));
    f.maxConcurrentRequests = int(number(root, "maxConcurrentRequests", f.maxConcurrentRequests));
    if (f.cwmpRoundTripMs < 0 || f.cwmpRequestMs < 0 || f.maxConcurrentRequests < 0) {
        *error = QStringLiteral(
            "profile: cwmpRoundTripMs, cwmpRequestMs and maxConcurrentRequests must be >= 0");
        return std::nullopt;
    }
    if (root.contains(QStringLiteral("registrationEvents"))) {
        f.registrationEvents.clear();
        for (const QJsonValue &v : root.value(QStringLiteral("registrationEvents")).toArray())
            f.registrationEvents.append(v.toString());
    }
    for (const QJsonValue &v : root.value(QStringLiteral("trustedCaFiles")).toArray())
        f.trustedCaFiles.append(v.toString());
    const auto download =
        DownloadResponseProfile::fromJson(root.value(QStringLiteral("downloadResponse")), error);
    if (!download)
        return std::nullopt;
    f.downloadResponse = *download;
    const QJsonObject fail = root.value(QStringLiteral("failures")).toObject();
    f.failures.offline = number(fail, "offline", 0);
    f.failures.flakyDownload = number(fail, "flakyDownload", 0);
    f.failures.corruptDownload = number(fail, "corruptDownload", 0);
    f.failures.neverReturn = number(fail, "neverReturn", 0);
    f.failures.slowLink = number(fail, "slowLink", 0);
    f.failures.slowLinkBytesPerSecond = qint64(number(fail, "slowLinkBytesPerSecond", 16 * 1024));
    f.failures.sessionCrash = number(fail, "sessionCrash", 0);
    static const QStringList crNames = {
        QStringLiteral("refuse"),   QStringLiteral("timeout"),   QStringLiteral("busy"),
        QStringLiteral("notFound"), QStringLiteral("basicAuth"), QStringLiteral("badCredentials"),
        QStringLiteral("httpsUrl"), QStringLiteral("badUrl"),    QStringLiteral("noSession")};
    const QJsonObject cr = fail.value(QStringLiteral("connectionRequest")).toObject();
    for (auto it = cr.begin(); it != cr.end(); ++it) {
        if (!crNames.contains(it.key())) {
            *error = QStringLiteral("profile: unknown connectionRequest failure %1").arg(it.key());
            return std::nullopt;
        }
        f.failures.connectionRequest.append({it.key(), it.value().toDouble()});
    }
    const FleetProfile defaults = defaultProfile();
    for (const QJsonValue &vv : root.value(QStringLiteral("vendors")).toArray()) {
        const QJsonObject o = vv.toObject();
        VendorProfile v;
        v.dataModel = string(o, "dataModel", QStringLiteral("tr181"));
        if (v.dataModel != QLatin1String("tr181") && v.dataModel != QLatin1String("tr098")) {
            *error = QStringLiteral("profile: dataModel must be tr181 or tr098");
            return std::nullopt;
        }
        v.name = string(o, "name", QStringLiteral("vendor%1").arg(f.vendors.size()));
        v.share = number(o, "share", 1);
        v.manufacturer = string(o, "manufacturer");
        v.oui = string(o, "oui");
        v.productClass = string(o, "productClass");
        v.modelName = string(o, "modelName", v.productClass);
        v.hardwareVersion = string(o, "hardwareVersion", QStringLiteral("v1.0"));
        v.mikrotik =
            o.value(QStringLiteral("mikrotik")).toBool(v.dataModel == QLatin1String("tr181"));
        v.serialPrefix = string(o, "serialPrefix");
        v.sequentialSerials = string(o, "serialFormat") == QLatin1String("sequential");
        for (const QJsonValue &a : o.value(QStringLiteral("architectures")).toArray())
            v.architectures.append(a.toString());
        for (const QJsonValue &ver : o.value(QStringLiteral("versions")).toArray()) {
            if (ver.isString())
                v.versions.append({ver.toString(), 1});
            else
                v.versions.append(
                    {string(ver.toObject(), "version"), number(ver.toObject(), "share", 1)});
        }
        if (v.oui.isEmpty() || v.versions.isEmpty() || v.architectures.isEmpty()) {
            *error = QStringLiteral("profile: vendor %1 needs oui, versions and architectures")
                         .arg(v.name);
            return std::nullopt;
        }
        v.parameters = v.dataModel == QLatin1String("tr098") ? defaults.vendors.at(1).parameters
                                                             : defaults.vendors.at(0).parameters;
        for (const QJsonValue &pv : o.value(QStringLiteral("parameters")).toArray()) {
            const QJsonObject po = pv.toObject();
            ParameterTemplate t{string(po, "path"),
                                string(po, "type", QStringLiteral("xsd:string")),
                                po.value(QStringLiteral("writable")).toBool(), string(po, "value"),
                                po.value(QStringLiteral("inform")).toBool()};
            if (!t.path.startsWith(v.rootObject() + u'.')) {
                *error = QStringLiteral("profile: parameter %1 is outside %2.")
                             .arg(t.path, v.rootObject());
                return std::nullopt;
            }
            v.parameters.append(t);
        }
        f.vendors.append(v);
    }
    if (f.vendors.isEmpty()) {
        *error = QStringLiteral("profile: no vendors");
        return std::nullopt;
    }
    return f;
}

std::optional<FleetProfile> FleetProfile::fromFile(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("profile: cannot read %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    return fromJson(file.readAll(), error);
}

} // namespace fwd::lab
