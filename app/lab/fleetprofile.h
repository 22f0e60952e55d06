#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

#include <optional>

class QJsonValue;

namespace fwd::lab {

// One parameter of a simulated router's data model. The value may hold placeholders filled per
// device: {serial} {version} {arch} {ip} {crurl} {uptime} {model} {productClass} {oui}
// {manufacturer} {hardware}.
struct ParameterTemplate
{
    QString path;
    QString type = QStringLiteral("xsd:string");
    bool writable = false;
    QString value;
    bool inform = false; // sent in every Inform (so GenieACS stores it at registration)
};

struct VersionShare
{
    QString version;
    double share = 1;
};

// A kind of router in the fleet.
struct VendorProfile
{
    QString name;
    double share = 1;
    QString manufacturer;
    QString oui;
    QString productClass;
    QString modelName;
    QString hardwareVersion;
    QString dataModel;     // "tr181" (Device.) or "tr098" (InternetGatewayDevice.)
    bool mikrotik = false; // upgrades through a MikroTik XML descriptor and NPK packages
    QStringList architectures;
    QList<VersionShare> versions;
    QString serialPrefix; // serials are <prefix><12 hex digits> derived from the seed and index
    bool sequentialSerials =
        false; // serials are <prefix><6-digit index> ("000000", like genieacs-sim)
    QList<ParameterTemplate> parameters;

    QString rootObject() const
    {
        return dataModel == QLatin1String("tr098") ? QStringLiteral("InternetGatewayDevice")
                                                   : QStringLiteral("Device");
    }
};

// Failure injection: shares of the fleet (0..1) picked deterministically from the seed.
struct FailureProfile
{
    double offline = 0;         // never informs, refuses connection requests
    double flakyDownload = 0;   // probability that one download attempt is cut off (9017)
    double corruptDownload = 0; // the router finds every downloaded file corrupted (9018)
    double neverReturn = 0;     // reboots after an upgrade and never comes back
    double slowLink = 0;        // downloads at slowLinkBytesPerSecond
    qint64 slowLinkBytesPerSecond = 16 * 1024;
    // Probability that a session crashes GenieACS's CWMP worker after the Inform: nothing of it
    // is saved and the device's lock stays until it expires (GENIEACS.md N11).
    double sessionCrash = 0;
    // Misbehaving connection-request endpoints by name (refuse, timeout, busy, notFound,
    // basicAuth, badCredentials, httpsUrl, badUrl, noSession) and share of the fleet.
    QList<QPair<QString, double>> connectionRequest;
};

// How a router answers a Download RPC (GENIEACS.md §6 "How results are recorded", §8.3).
struct DownloadResponseProfile
{
    enum class Kind : quint8 {
        Queued,  // DownloadResponse Status 1: fetches later, then a TransferComplete (default)
        Applied, // Status 0: "applied immediately"; GenieACS expects no TransferComplete (T068)
        Fault    // a SOAP fault instead of the DownloadResponse (T061)
    };
    Kind kind = Kind::Queued;
    QString faultCode = QStringLiteral("9004");
    QString faultString; // empty: the CWMP name of faultCode ("Resources exceeded", ...)

    // From the profile's "downloadResponse": {"status": 1}, {"status": 0} or
    // {"faultCode": "9004", "faultString": "..."}.
    static std::optional<DownloadResponseProfile> fromJson(const QJsonValue &value, QString *error);
    // The fault string of a CWMP fault code (TR-069 Table A.5), or "Fault <code>".
    static QString cwmpFaultString(const QString &code);
};

// The simulated fleet, read from a JSON profile file (see tests/lab/data/profile-*.json).
struct FleetProfile
{
    QList<VendorProfile> vendors;
    FailureProfile failures;
    int periodicInformIntervalSeconds = 300;
    double informJitter = 0.1;    // +- share of the interval
    int rebootSeconds = 60;       // simulated time a reboot takes
    int downloadDelaySeconds = 5; // simulated time between DownloadResponse and the fetch
    // Simulated time of one HTTP exchange of a CWMP session (the Inform, each RPC, the closing
    // empty POST): a session with n RPCs takes (n + 2) x this and holds the device's lock
    // meanwhile. 0: sessions take no time (tests on a ManualClock).
    int cwmpRoundTripMs = 100;
    // Of that, the time GenieACS works on one request of the session (reading it, the database,
    // writing the answer): a session's requests hold a request slot for (n + 2) x this, counted
    // from its start. At most cwmpRoundTripMs.
    int cwmpRequestMs = 10;
    // MAX_CONCURRENT_REQUESTS: an Inform beyond this many requests in progress is answered 503
    // Retry-after: 60 and the router tries again 60 s later (GENIEACS.md §9, N10). 0: no limit.
    int maxConcurrentRequests = 20;
    // Events of the first Inform (real routers: 0 BOOTSTRAP + 1 BOOT; genieacs-sim: 2 PERIODIC).
    QStringList registrationEvents = {QStringLiteral("0 BOOTSTRAP"), QStringLiteral("1 BOOT")};
    // PEM files of the CAs the routers trust for HTTPS downloads; empty = none (a router then
    // rejects every HTTPS server), "system" = the operating system's store.
    QStringList trustedCaFiles;
    // How routers answer Download RPCs (Fleet::setDownloadResponse() per router).
    DownloadResponseProfile downloadResponse;

    // 70 % MikroTik (TR-181, RouterOS 6.49.18 / 7.13, mipsbe/arm/arm64) and 30 % a TR-098 router
    // (Huawei BM632w, the genieacs-sim data model).
    static FleetProfile defaultProfile();
    static std::optional<FleetProfile> fromJson(const QByteArray &json, QString *error);
    static std::optional<FleetProfile> fromFile(const QString &path, QString *error);
};

} // namespace fwd::lab
