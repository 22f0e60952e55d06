#include "lab/labcommandline.h"

#include <QCommandLineParser>
#include <QFileInfo>

namespace fwd::lab {

QList<QCommandLineOption> LabCommandLine::options()
{
    auto option = [](const char *name, const QString &help, const char *valueName = nullptr,
                     const char *defaultValue = nullptr) {
        QCommandLineOption o(QLatin1String(name), help);
        if (valueName)
            o.setValueName(QLatin1String(valueName));
        if (defaultValue)
            o.setDefaultValue(QLatin1String(defaultValue));
        return o;
    };
    return {
        option("devices", tr("Number of routers (default 1000)."), "N", "1000"),
        option("port", tr("NBI port on 127.0.0.1 (default 7557, 0 = any)."), "port", "7557"),
        option("fs-port", tr("File server port on 127.0.0.1 (default 7567, 0 = any)."), "port",
               "7567"),
        option("clock-factor", tr("Simulated seconds per real second (default 60)."), "factor",
               "60"),
        option("profile", tr("Fleet profile (JSON)."), "file"),
        option("seed", tr("Seed of the fleet (default 1)."), "n", "1"),
        option("fs-url-prefix", tr("FS_URL_PREFIX for Download URLs (default: this file server)."),
               "url"),
        option("fs-cert", tr("PEM certificate: serve files over HTTPS (needs --fs-key)."), "file"),
        option("fs-key", tr("PEM private key of --fs-cert."), "file"),
        option("crash-close-delay-ms",
               tr("Where GenieACS's NBI worker crashes, close the connection after this long "
                  "(GenieACS: 21000)."),
               "ms", "0"),
        option("crash-outage-ms",
               tr("After such a crash, refuse connections this long (GenieACS: about 21000)."),
               "ms", "0"),
        option("stats-every", tr("Print a stats line every this many real seconds (0 = never)."),
               "s", "0"),
        option("exact-file-size",
               tr("Download RPCs always carry the file's length (GenieACS sends FileSize 0 for a "
                  "file uploaded after its CWMP cache last refreshed).")),
        option("ext-dir", tr("EXT_DIR: provisions' ext(file, fn, ...) run <dir>/<file>.js."),
               "dir"),
        option("ext-timeout-ms",
               tr("EXT_TIMEOUT: an extension running longer faults (default 3000)."), "ms", "3000"),
        option("max-concurrent-requests",
               tr("MAX_CONCURRENT_REQUESTS: an Inform that finds this many CWMP requests in "
                  "progress gets 503 Retry-after: 60 (default: the profile's, 20; 0 = no "
                  "limit)."),
               "n"),
    };
}

std::optional<LabServer::Options> LabCommandLine::parse(const QCommandLineParser &parser,
                                                        QString *error)
{
    auto number = [&](const char *name, double min, double max, double *out) {
        bool ok = false;
        *out = parser.value(QLatin1String(name)).toDouble(&ok);
        if (!ok || *out < min || *out > max) {
            *error = tr("invalid --%1").arg(QLatin1String(name));
            return false;
        }
        return true;
    };
    double n = 0, p = 0, f = 0, fp = 0, s = 0, cd = 0, co = 0, st = 0, et = 0, mc = -1;
    if (!number("devices", 0, 10000000, &n) || !number("port", 0, 65535, &p) ||
        !number("fs-port", 0, 65535, &fp) || !number("clock-factor", 0.001, 1e6, &f) ||
        !number("seed", 0, 1e15, &s) || !number("crash-close-delay-ms", 0, 3600000, &cd) ||
        !number("crash-outage-ms", 0, 3600000, &co) || !number("stats-every", 0, 86400, &st) ||
        !number("ext-timeout-ms", 1, 3600000, &et) ||
        (parser.isSet(QStringLiteral("max-concurrent-requests")) &&
         !number("max-concurrent-requests", 0, 1000000, &mc)))
        return std::nullopt;
    LabServer::Options o;
    o.devices = int(n);
    o.nbiPort = quint16(p);
    o.fsPort = quint16(fp);
    o.clockFactor = f;
    o.seed = quint64(s);
    o.profileFile = parser.value(QStringLiteral("profile"));
    o.fsUrlPrefix = parser.value(QStringLiteral("fs-url-prefix"));
    o.fsCertificateFile = parser.value(QStringLiteral("fs-cert"));
    o.fsKeyFile = parser.value(QStringLiteral("fs-key"));
    o.crashCloseDelayMs = int(cd);
    o.crashOutageMs = int(co);
    o.statsIntervalMs = int(st * 1000);
    o.staleFileCache = !parser.isSet(QStringLiteral("exact-file-size"));
    o.extDir = parser.value(QStringLiteral("ext-dir"));
    o.extTimeoutMs = int(et);
    o.maxConcurrentRequests = int(mc);
    if (!o.extDir.isEmpty() && !QFileInfo(o.extDir).isDir()) {
        *error = tr("--ext-dir %1 is not a directory").arg(o.extDir);
        return std::nullopt;
    }
    return o;
}

} // namespace fwd::lab
