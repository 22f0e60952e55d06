// Benchmark of the NBI client against the lab (not a test; run by hand):
//   bench_nbiclient [devices=100000] [tasks=5000]
//   bench_nbiclient http://127.0.0.1:PORT [tasks] [connection-request tasks]
// It starts the lab's NBI with that many devices in a child process (so that the peak memory
// measured here is the client's alone), then
//   1. lists every device with a five-field projection by keyset paging, keeping the records as
//      a model would: wall time and the client's peak resident memory;
//   2. creates reboot tasks (queued, no connection request) with 8 calls in flight: tasks/s;
//   3. against a running lab or GenieACS, optionally: getParameterValues tasks with a connection
//      request (paced by the client), counted by outcome and fault code.
#include "acs/devicelistjob.h"
#include "acs/nbipath.h"
#include "acs/queryjob.h"
#include "acs/taskjob.h"
#include "core/clock.h"
#include "lab/labstore.h"
#include "lab/nbiserver.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QLoggingCategory>
#include <QMap>
#include <QProcess>
#include <QTextStream>

#include <cstdio>

using namespace fwd::acs;

namespace {

qint64 statusKb(const char *field)
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> lines = f.readAll().split('\n');
    for (const QByteArray &line : lines)
        if (line.startsWith(field))
            return line.mid(qstrlen(field)).trimmed().split(' ').value(0).toLongLong();
    return -1;
}

int serve(qint64 devices)
{
    QLoggingCategory::setFilterRules(QStringLiteral("fwd.lab.debug=false"));
    fwd::SystemClock clock;
    fwd::lab::LabStore store(clock);
    const qint64 t = store.nowMs();
    for (qint64 i = 0; i < devices; ++i) {
        auto d = std::make_unique<fwd::lab::DeviceRecord>();
        d->oui = QStringLiteral("E48D8C");
        d->productClass = i % 3 ? QStringLiteral("RB951Ui-2HnD") : QStringLiteral("hAP ac2");
        d->manufacturer = QStringLiteral("MikroTik");
        d->serial = QStringLiteral("%1").arg(i, 10, 16, QLatin1Char('0')).toUpper();
        d->id = fwd::lab::DeviceRecord::makeId(d->oui, d->productClass, d->serial);
        d->registered = t;
        d->lastInform = t - i * 1000;
        d->tags = {i % 2 ? QStringLiteral("wave1") : QStringLiteral("wave2")};
        d->hasTags = true;
        const QString root = QStringLiteral("InternetGatewayDevice.");
        auto &paths = store.paths();
        d->setParameter(paths, root + QStringLiteral("DeviceInfo.SoftwareVersion"),
                        i % 10 ? QStringLiteral("6.48.4") : QStringLiteral("6.47.10"),
                        QStringLiteral("xsd:string"), t);
        d->setParameter(paths, root + QStringLiteral("DeviceInfo.HardwareVersion"),
                        QStringLiteral("v1.0"), QStringLiteral("xsd:string"), t);
        d->setParameter(paths, root + QStringLiteral("DeviceInfo.UpTime"), qint64(i * 7),
                        QStringLiteral("xsd:unsignedInt"), t);
        d->setParameter(paths, root + QStringLiteral("ManagementServer.ConnectionRequestURL"),
                        QStringLiteral("http://10.%1.%2.%3:7547/")
                            .arg(i >> 16)
                            .arg((i >> 8) & 255)
                            .arg(i & 255),
                        QStringLiteral("xsd:string"), t);
        d->setParameter(paths, root + QStringLiteral("ManagementServer.PeriodicInformInterval"),
                        qint64(300), QStringLiteral("xsd:unsignedInt"), t);
        d->setParameter(
            paths,
            root + QStringLiteral(
                       "WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.ExternalIPAddress"),
            QStringLiteral("100.64.%1.%2").arg((i >> 8) & 255).arg(i & 255),
            QStringLiteral("xsd:string"), t);
        store.insertDevice(std::move(d));
    }
    fwd::lab::NbiServer nbi(store, fwd::lab::NbiServer::Options());
    if (!nbi.listen())
        return 2;
    std::printf("PORT %d\n", nbi.port());
    std::fflush(stdout);
    return QCoreApplication::exec();
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.value(1) == QLatin1String("serve"))
        return serve(args.value(2).toLongLong());
    // bench_nbiclient http://127.0.0.1:7557 [tasks] [connection requests]: an NBI that runs
    // already (firmwaredesk-lab, or a GenieACS); its device ids are taken from the list.
    const bool external = args.value(1).startsWith(QLatin1String("http"));
    qint64 devices = !external && args.size() > 1 ? args.value(1).toLongLong() : 100000;
    const int tasks = args.size() > 2 ? args.value(2).toInt() : 5000;
    const int crTasks = args.size() > 3 ? args.value(3).toInt() : 0;

    QProcess server;
    int port = 0;
    if (!external) {
        server.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        QElapsedTimer setup;
        setup.start();
        server.start(app.applicationFilePath(),
                     {QStringLiteral("serve"), QString::number(devices)});
        if (!server.waitForStarted() || !server.waitForReadyRead(600000)) {
            std::fprintf(stderr, "lab did not start\n");
            return 1;
        }
        const QByteArray line = server.readLine().trimmed();
        port = line.mid(5).toInt();
        std::printf("lab with %lld devices ready on port %d after %.1f s\n", devices, port,
                    setup.elapsed() / 1000.0);
    }

    fwd::AcsProfile profile;
    profile.name = QStringLiteral("bench");
    profile.nbiUrl =
        external ? QUrl(args.value(1)) : QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
    profile.timeoutMs = 60000;
    NbiClient client(profile, QString());

    const qint64 rssBefore = statusKb("VmRSS:");
    // 1. The device list, five fields (the software version on either data model: without the
    // TR-181 path, TR-181 routers look like TR-098 ones and step 3 asks them for a parameter
    // they do not have, which they refuse with CWMP fault 9005).
    const QStringList projection = {QStringLiteral("_deviceId._SerialNumber"),
                                    QStringLiteral("_deviceId._ProductClass"),
                                    QStringLiteral("_lastInform"),
                                    QStringLiteral("_tags"),
                                    QLatin1String(DeviceField::SoftwareVersionTr098),
                                    QLatin1String(DeviceField::SoftwareVersionTr181)};
    QStringList ids;
    QHash<QString, QString> versionPath; // by device id, from its data model
    for (const int pageSize : {1000, 5000}) {
        QList<DeviceRecord> model;
        model.reserve(external ? 0 : devices);
        QElapsedTimer t;
        t.start();
        auto *job = client.listDevices(DeviceFilter::all(), projection, pageSize);
        QObject::connect(job, &DeviceListJob::page, &app,
                         [&model](const QList<DeviceRecord> &page) { model += page; });
        DeviceListResult result;
        bool done = false;
        QObject::connect(job, &DeviceListJob::finished, &app, [&](const DeviceListResult &r) {
            result = r;
            done = true;
        });
        job->start();
        while (!done)
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
        const double s = t.elapsed() / 1000.0;
        std::printf("list %lld devices, 5 fields (version on either data model), pages of %d: %s, "
                    "%lld received in %d "
                    "pages, %.2f s (%.0f devices/s); client RSS %lld MB, peak %lld MB (before: "
                    "%lld MB)\n",
                    result.payload.received, pageSize,
                    result.ok() ? "ok" : qPrintable(result.errorString), result.payload.received,
                    result.payload.pages, s, result.payload.received / s, statusKb("VmRSS:") / 1024,
                    statusKb("VmHWM:") / 1024, rssBefore / 1024);
        if (ids.isEmpty())
            for (const DeviceRecord &d : std::as_const(model)) {
                ids.append(d.id);
                versionPath.insert(d.id, QLatin1String(d.dataModel == DeviceRecord::DataModel::Tr181
                                                           ? DeviceField::SoftwareVersionTr181
                                                           : DeviceField::SoftwareVersionTr098));
            }
    }
    if (external)
        devices = ids.size();
    if (ids.isEmpty()) {
        std::fprintf(stderr, "no devices\n");
        return 1;
    }

    // 1b. The client's own share: parsing one page of 5000 projected devices, repeated.
    {
        NbiRequest r;
        r.path = "/devices/";
        r.query = {{"query", QStringLiteral("{}")},
                   {"projection", projection.join(u',')},
                   {"sort", QStringLiteral("{\"_id\":1}")},
                   {"limit", QStringLiteral("5000")}};
        auto *job = new NbiRawJob(client, r);
        QByteArray body;
        bool done = false;
        QObject::connect(job, &NbiRawJob::finished, &app,
                         [&](const NbiReply &reply, const NbiStatus &) {
                             body = reply.body;
                             done = true;
                         });
        job->start();
        while (!done)
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
        QElapsedTimer t;
        t.start();
        const int rounds = 20;
        qint64 parsed = 0;
        for (int i = 0; i < rounds; ++i) {
            QList<QJsonObject> docs;
            QString error;
            parseDocumentArray(body, &docs, &error);
            for (const QJsonObject &d : std::as_const(docs)) {
                DeviceRecord rec;
                parsed += parseDevice(d, &rec) ? 1 : 0;
            }
        }
        const double s = t.elapsed() / 1000.0;
        std::printf("client parsing alone: %lld devices (%lld B per page of 5000) in %.2f s, "
                    "%.0f devices/s\n",
                    parsed, qint64(body.size()), s, parsed / s);
    }

    // 2. Tasks per second, 8 in flight.
    {
        QElapsedTimer t;
        t.start();
        int finished = 0;
        int failed = 0;
        for (int i = 0; i < tasks; ++i) {
            const QString id = ids.at(i % ids.size());
            auto *job = client.createTask(id, TaskSpec::reboot(), TaskOptions());
            QObject::connect(job, &TaskJob::finished, &app, [&](const TaskResult &r) {
                ++finished;
                if (!r.ok() || r.payload.outcome != TaskOutcome::Queued)
                    ++failed;
            });
            job->start();
        }
        int peakInFlight = client.inFlight();
        while (finished < tasks) {
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
            peakInFlight = std::max(peakInFlight, client.inFlight());
        }
        const double s = t.elapsed() / 1000.0;
        std::printf("create %d tasks with at most %d in flight: %.2f s, %.0f tasks/s, %d failed\n",
                    tasks, peakInFlight, s, tasks / s, failed);
    }
    // 3. Tasks with a connection request (getParameterValues of the software version), paced by
    // the client (10/s by default), against routers that answer connection requests.
    if (crTasks > 0) {
        QElapsedTimer t;
        t.start();
        int finished = 0;
        QHash<int, int> outcomes;
        QMap<QString, int> faults; // by fault code, for Faulted outcomes
        int failed = 0;
        TaskOptions o;
        o.connectionRequest = true;
        for (int i = 0; i < crTasks; ++i) {
            const QString id = ids.at(qsizetype(i) * 7919 % ids.size());
            auto *job =
                client.createTask(id, TaskSpec::getParameterValues({versionPath.value(id)}), o);
            QObject::connect(job, &TaskJob::finished, &app, [&](const TaskResult &r) {
                ++finished;
                if (r.ok())
                    ++outcomes[int(r.payload.outcome)];
                else
                    ++failed;
                if (r.payload.fault)
                    ++faults[r.payload.fault->code + QStringLiteral(" ") +
                             r.payload.fault->message];
            });
            job->start();
        }
        while (finished < crTasks)
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
        const double s = t.elapsed() / 1000.0;
        std::printf("%d tasks with connection request in %.2f s (%.1f/s); outcomes:", crTasks, s,
                    crTasks / s);
        for (auto it = outcomes.cbegin(); it != outcomes.cend(); ++it)
            std::printf(" %d×%d", it.value(), it.key());
        std::printf("; failed %d (outcome numbers: TaskOutcome)\n", failed);
        for (auto it = faults.cbegin(); it != faults.cend(); ++it)
            std::printf("  fault %s: %d\n", qPrintable(it.key()), it.value());
    }
    if (!external) {
        server.kill();
        server.waitForFinished();
    }
    return 0;
}
