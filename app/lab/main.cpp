// firmwaredesk-lab: a GenieACS 1.2.16-compatible NBI and file server with a simulated fleet.
#include "lab/labserver.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFileInfo>
#include <QTextStream>

#include <cstdio>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("firmwaredesk-lab"));
    QCoreApplication::setApplicationVersion(QStringLiteral(FWD_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("A GenieACS 1.2.16-compatible lab: NBI, file server and a simulated fleet "
                       "of TR-069 routers."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption devices(QStringLiteral("devices"),
                                     QStringLiteral("Number of routers (default 1000)."),
                                     QStringLiteral("N"), QStringLiteral("1000"));
    const QCommandLineOption port(QStringLiteral("port"),
                                  QStringLiteral("NBI port on 127.0.0.1 (default 7557, 0 = any)."),
                                  QStringLiteral("port"), QStringLiteral("7557"));
    const QCommandLineOption fsPort(
        QStringLiteral("fs-port"),
        QStringLiteral("File server port on 127.0.0.1 (default 7567, 0 = any)."),
        QStringLiteral("port"), QStringLiteral("7567"));
    const QCommandLineOption factor(
        QStringLiteral("clock-factor"),
        QStringLiteral("Simulated seconds per real second (default 60)."), QStringLiteral("factor"),
        QStringLiteral("60"));
    const QCommandLineOption profile(
        QStringLiteral("profile"), QStringLiteral("Fleet profile (JSON)."), QStringLiteral("file"));
    const QCommandLineOption seed(QStringLiteral("seed"),
                                  QStringLiteral("Seed of the fleet (default 1)."),
                                  QStringLiteral("n"), QStringLiteral("1"));
    const QCommandLineOption prefix(
        QStringLiteral("fs-url-prefix"),
        QStringLiteral("FS_URL_PREFIX for Download URLs (default: this file server)."),
        QStringLiteral("url"));
    const QCommandLineOption cert(QStringLiteral("fs-cert"),
                                  QStringLiteral("PEM certificate: serve files over HTTPS."),
                                  QStringLiteral("file"));
    const QCommandLineOption key(QStringLiteral("fs-key"),
                                 QStringLiteral("PEM private key of --fs-cert."),
                                 QStringLiteral("file"));
    const QCommandLineOption crashDelay(
        QStringLiteral("crash-close-delay-ms"),
        QStringLiteral("Where GenieACS's NBI worker crashes, close the connection after this long "
                       "(GenieACS: 21000)."),
        QStringLiteral("ms"), QStringLiteral("0"));
    const QCommandLineOption crashOutage(
        QStringLiteral("crash-outage-ms"),
        QStringLiteral("After such a crash, refuse connections this long (GenieACS: about 21000)."),
        QStringLiteral("ms"), QStringLiteral("0"));
    const QCommandLineOption stats(
        QStringLiteral("stats-every"),
        QStringLiteral("Print a stats line every this many real seconds (0 = never)."),
        QStringLiteral("s"), QStringLiteral("0"));
    const QCommandLineOption exactFileSize(
        QStringLiteral("exact-file-size"),
        QStringLiteral("Download RPCs always carry the file's length (GenieACS sends FileSize 0 "
                       "for a file uploaded after its CWMP cache last refreshed)."));
    const QCommandLineOption extDir(
        QStringLiteral("ext-dir"),
        QStringLiteral("EXT_DIR: provisions' ext(file, fn, ...) run <dir>/<file>.js."),
        QStringLiteral("dir"));
    const QCommandLineOption extTimeout(
        QStringLiteral("ext-timeout-ms"),
        QStringLiteral("EXT_TIMEOUT: an extension running longer faults (default 3000)."),
        QStringLiteral("ms"), QStringLiteral("3000"));
    const QCommandLineOption maxConcurrent(
        QStringLiteral("max-concurrent-requests"),
        QStringLiteral("MAX_CONCURRENT_REQUESTS: an Inform beyond this many sessions in progress "
                       "gets 503 Retry-after: 60 (default: the profile's, 20; 0 = no limit)."),
        QStringLiteral("n"));
    parser.addOptions({devices, port, fsPort, factor, profile, seed, prefix, cert, key, crashDelay,
                       crashOutage, stats, exactFileSize, extDir, extTimeout, maxConcurrent});
    parser.process(app);

    auto number = [&](const QCommandLineOption &o, double min, double max, double *out) {
        bool ok = false;
        *out = parser.value(o).toDouble(&ok);
        if (!ok || *out < min || *out > max) {
            std::fprintf(stderr, "firmwaredesk-lab: invalid --%s\n", qPrintable(o.names().first()));
            return false;
        }
        return true;
    };
    double n = 0, p = 0, f = 0, fp = 0, s = 0, cd = 0, co = 0, st = 0, et = 0, mc = -1;
    if (!number(devices, 0, 10000000, &n) || !number(port, 0, 65535, &p) ||
        !number(fsPort, 0, 65535, &fp) || !number(factor, 0.001, 1e6, &f) ||
        !number(seed, 0, 1e15, &s) || !number(crashDelay, 0, 3600000, &cd) ||
        !number(crashOutage, 0, 3600000, &co) || !number(stats, 0, 86400, &st) ||
        !number(extTimeout, 1, 3600000, &et) ||
        (parser.isSet(maxConcurrent) && !number(maxConcurrent, 0, 1000000, &mc)))
        return 2;
    fwd::lab::LabServer::Options o;
    o.devices = int(n);
    o.nbiPort = quint16(p);
    o.fsPort = quint16(fp);
    o.clockFactor = f;
    o.seed = quint64(s);
    o.profileFile = parser.value(profile);
    o.fsUrlPrefix = parser.value(prefix);
    o.fsCertificateFile = parser.value(cert);
    o.fsKeyFile = parser.value(key);
    o.crashCloseDelayMs = int(cd);
    o.crashOutageMs = int(co);
    o.statsIntervalMs = int(st * 1000);
    o.staleFileCache = !parser.isSet(exactFileSize);
    o.extDir = parser.value(extDir);
    o.extTimeoutMs = int(et);
    o.maxConcurrentRequests = int(mc);
    if (!o.extDir.isEmpty() && !QFileInfo(o.extDir).isDir()) {
        std::fprintf(stderr, "firmwaredesk-lab: --ext-dir %s is not a directory\n",
                     qPrintable(o.extDir));
        return 2;
    }
    fwd::lab::LabServer lab(o);
    if (!lab.start()) {
        std::fprintf(stderr, "firmwaredesk-lab: %s\n", qPrintable(lab.errorString()));
        return 1;
    }
    QTextStream out(stdout);
    out << "NBI http://127.0.0.1:" << lab.nbiPort() << "/\n"
        << "FS " << lab.fsUrlPrefix() << "\n"
        << "routers " << o.devices << ", clock x" << o.clockFactor << "\n";
    out.flush();
    return app.exec();
}
