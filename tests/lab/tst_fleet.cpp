#include "core/clock.h"
#include "firmware/npkinfo.h"
#include "firmware/npkwriter.h"
#include "firmware/upgradedescriptor.h"
#include "lab/docvalue.h"
#include "lab/fleet.h"
#include "lab/labfileserver.h"
#include "lab/labstore.h"
#include "lab/nbiserver.h"
#include "labscripts.h"
#include "rawhttp.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSslKey>
#include <QTest>

#include <algorithm>
#include <array>

using namespace fwd::lab;
using fwd::lab::test::RawHttpClient;
using fwd::lab::test::RawResponse;

namespace {

QString dataPath(const char *name)
{
    return QString::fromLocal8Bit(qgetenv("FWD_TEST_DATA")) + u'/' + QLatin1String(name);
}

QByteArray npk(const char *name, const char *version, const QString &architecture)
{
    fwd::firmware::NpkPackageSpec spec;
    spec.name = QLatin1String(name);
    spec.version = *fwd::firmware::RouterOsVersion::fromString(QLatin1String(version));
    spec.npkArchitecture = fwd::firmware::npkArchitectureFromRouterOs(architecture);
    spec.dependsOnSystem = QLatin1String(name) != QLatin1String("system");
    return fwd::firmware::NpkWriter::build(spec);
}

// The first document of a GenieACS 1.2.16 transcript's response body
// (tests/lab/data/transcripts-cwmp: recorded with a hand-made CPE, so not replayed as they are).
QVariantMap transcriptDocument(const char *name)
{
    QFile f(dataPath("transcripts-cwmp") + u'/' + QLatin1String(name));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QString e;
    return docvalue::parseJson(f.readAll(), &e)
        .toMap()
        .value(QStringLiteral("response"))
        .toMap()
        .value(QStringLiteral("body"))
        .toList()
        .value(0)
        .toMap();
}

QByteArray path(const QString &s)
{
    return s.toUtf8().toPercentEncoding("/?=&:,");
}

} // namespace

namespace {

// Many NBI requests in flight at once: each on its own connection, answered in any order.
class ParallelRequests
{
public:
    ParallelRequests(quint16 port, const QList<QByteArray> &targets, const QByteArray &body)
    {
        for (const QByteArray &t : targets) {
            auto c = std::make_unique<Call>();
            c->socket.connectToHost(QStringLiteral("127.0.0.1"), port);
            c->socket.write("POST " + t + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
                            QByteArray::number(body.size()) + "\r\n\r\n" + body);
            m_calls.push_back(std::move(c));
        }
    }
    // How many answers have arrived; status and reason phrase of each (0 while waiting).
    int answered()
    {
        int n = 0;
        for (auto &c : m_calls) {
            c->buffer += c->socket.readAll();
            const qsizetype end = c->buffer.indexOf("\r\n");
            if (!c->status && end > 0) {
                const QByteArray line = c->buffer.left(end);
                const QList<QByteArray> parts = line.split(' ');
                c->status = parts.value(1).toInt();
                c->reason = line.mid(parts.value(0).size() + parts.value(1).size() + 2);
            }
            n += c->status != 0;
        }
        return n;
    }
    int count(int status, const QByteArray &reason) const
    {
        return int(std::count_if(m_calls.cbegin(), m_calls.cend(), [&](const auto &c) {
            return c->status == status && c->reason == reason;
        }));
    }
    int status(int i) const { return m_calls.at(size_t(i))->status; }

private:
    struct Call
    {
        QTcpSocket socket;
        QByteArray buffer;
        int status = 0;
        QByteArray reason;
    };
    std::vector<std::unique_ptr<Call>> m_calls;
};

} // namespace

// The simulated fleet and GenieACS's sessions (GENIEACS.md §2-§4, §6 Downloads, §8): real
// downloads from the lab's file server (HTTP and HTTPS), MikroTik descriptors and NPK checks,
// TransferComplete faults and their retries, all read back through the NBI.
class TestFleet final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void registrationAndPeriodicInforms();
    void mikrotikUpgradeThroughDescriptor();
    void failedDownloads_data();
    void failedDownloads();
    void httpsDownloadTrustsOnlyTheRoutersCas_data();
    void httpsDownloadTrustsOnlyTheRoutersCas();
    void faultRetryBackoffWithoutCap();
    void vendorImageUpgrade();
    void rpcTasksAndFaults();
    void offlineRoutersAndNeverReturning();
    void failureInjection_data();
    void failureInjection();
    void taskExpiryAndFaultedTasksWithExpiry();
    void downloadWithoutTransferCompleteTimesOut();
    void deletedDeviceRegistersAgain();
    void connectionRequestEndpoints_data();
    void connectionRequestEndpoints();
    void fileSizeZeroUntilTheCwmpCacheRefreshes();
    void concurrencyLimitTurnsRoutersAway();
    void sessionRpcAndDurationLimits();
    void crashedSessionKeepsTheLock();
    void dueTasksRunInTimestampOrderEachOnItsChannel();
    void downloadResponseStatus0AppliedAtOnce();
    void downloadResponseFault();
    void periodicInformsSpreadWithinTheJitter();

private:
    void makeLab(FleetProfile profile, int devices, bool https = false);
    int firstOf(const QString &vendorName);
    RawResponse post(const QString &deviceId, const QByteArray &query, const QByteArray &body);
    void advanceAndProcess(qint64 ms);
    QVariantMap deviceDoc(const QString &deviceId, const QString &projection);
    QList<QVariantMap> faults(const QString &deviceId);
    void putMikrotikUpgrade(const QString &descriptorName, const QString &version,
                            const QString &architecture, const QString &npkArchitecture,
                            const QString &prefix);

    std::unique_ptr<fwd::ManualClock> m_clock;
    std::unique_ptr<LabStore> m_store;
    std::unique_ptr<NbiServer> m_nbi;
    std::unique_ptr<LabFileServer> m_fs;
    std::unique_ptr<Fleet> m_fleet;
};

void TestFleet::makeLab(FleetProfile profile, int devices, bool https)
{
    m_fleet.reset();
    m_fs.reset();
    m_fs = std::make_unique<LabFileServer>(*m_store);
    if (https) {
        QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
        QFile cert(dataPath("lab-server.pem"));
        QFile key(dataPath("lab-server.key"));
        QVERIFY(cert.open(QIODevice::ReadOnly) && key.open(QIODevice::ReadOnly));
        ssl.setLocalCertificate(QSslCertificate(cert.readAll(), QSsl::Pem));
        ssl.setPrivateKey(QSslKey(key.readAll(), QSsl::Rsa, QSsl::Pem));
        ssl.setPeerVerifyMode(QSslSocket::VerifyNone);
        m_fs->setSslConfiguration(ssl);
    }
    QVERIFY(m_fs->listen());
    Fleet::Options o;
    o.devices = devices;
    o.seed = 7;
    o.tickMs = 3600 * 1000; // the test drives the scheduler itself
    o.engine.fsUrlPrefix = m_fs->urlPrefix();
    m_fleet = std::make_unique<Fleet>(*m_store, *m_clock, std::move(profile), o);
    m_nbi->setConnectionRequester(m_fleet.get());
    m_fleet->start();
}

void TestFleet::init()
{
    m_clock =
        std::make_unique<fwd::ManualClock>(QDateTime(QDate(2026, 12, 1), QTime(6, 30), Qt::UTC));
    m_store = std::make_unique<LabStore>(*m_clock);
    NbiServer::Options o;
    o.sessionPollMs = 20;
    m_nbi = std::make_unique<NbiServer>(*m_store, o);
    QVERIFY(m_nbi->listen());
    QString error;
    QFile f(dataPath("profile-small.json"));
    QVERIFY(f.open(QIODevice::ReadOnly));
    const auto profile = FleetProfile::fromJson(f.readAll(), &error);
    QVERIFY2(profile.has_value(), qPrintable(error));
    makeLab(*profile, 10);
}

void TestFleet::cleanup()
{
    m_nbi.reset();
    m_fleet.reset();
    m_fs.reset();
    m_store.reset();
}

int TestFleet::firstOf(const QString &vendorName)
{
    for (int i = 0; i < m_fleet->size(); ++i) {
        if (m_fleet->profile().vendors.at(m_fleet->cpe(i).vendor).name == vendorName &&
            !(m_fleet->cpe(i).flags & SimulatedCpe::Offline))
            return i;
    }
    return -1;
}

RawResponse TestFleet::post(const QString &deviceId, const QByteArray &query,
                            const QByteArray &body)
{
    RawHttpClient c(m_nbi->port());
    return c.request("POST", "/devices/" + path(deviceId) + "/tasks" + query, body);
}

void TestFleet::advanceAndProcess(qint64 ms)
{
    m_clock->advance(ms);
    m_fleet->processDue();
}

QVariantMap TestFleet::deviceDoc(const QString &deviceId, const QString &projection)
{
    RawHttpClient c(m_nbi->port());
    const QByteArray q = "{\"_id\":\"" + deviceId.toUtf8() + "\"}";
    QByteArray target = "/devices/?query=" + q.toPercentEncoding();
    if (!projection.isEmpty())
        target += "&projection=" + projection.toUtf8().toPercentEncoding();
    const RawResponse r = c.request("GET", target);
    QString e;
    return docvalue::parseJson(r.body, &e).toList().value(0).toMap();
}

QList<QVariantMap> TestFleet::faults(const QString &deviceId)
{
    RawHttpClient c(m_nbi->port());
    const QByteArray q = "{\"device\":\"" + deviceId.toUtf8() + "\"}";
    const RawResponse r = c.request("GET", "/faults/?query=" + q.toPercentEncoding());
    QString e;
    QList<QVariantMap> out;
    for (const QVariant &v : docvalue::parseJson(r.body, &e).toList())
        out.append(v.toMap());
    return out;
}

void TestFleet::putMikrotikUpgrade(const QString &descriptorName, const QString &version,
                                   const QString &architecture, const QString &npkArchitecture,
                                   const QString &prefix)
{
    RawHttpClient c(m_nbi->port());
    const QString system = QStringLiteral("system-%1-%2.npk").arg(version, architecture);
    const QString tr069 = QStringLiteral("tr069-client-%1-%2.npk").arg(version, architecture);
    QCOMPARE(c.request("PUT", "/files/" + path(system),
                       npk("system", version.toLatin1().constData(), npkArchitecture))
                 .status,
             201);
    QCOMPARE(c.request("PUT", "/files/" + path(tr069),
                       npk("tr069-client", version.toLatin1().constData(), npkArchitecture))
                 .status,
             201);
    fwd::firmware::UpgradeDescriptor d;
    d.links = {QUrl(prefix + system), QUrl(prefix + tr069)};
    QCOMPARE(c.request("PUT", "/files/" + path(descriptorName), d.toXml(),
                       {{"fileType", "1 Firmware Upgrade Image"},
                        {"oui", "E48D8C"},
                        {"version", version.toLatin1()}})
                 .status,
             201);
}

void TestFleet::registrationAndPeriodicInforms()
{
    RawHttpClient c(m_nbi->port());
    RawResponse r = c.request("HEAD", "/devices/");
    QCOMPARE(r.header("total"), QByteArray("10"));
    const int mt = firstOf(QStringLiteral("mikrotik-hap-ac-lite"));
    QVERIFY(mt >= 0);
    const QString id = m_fleet->deviceId(mt);
    QVERIFY(id.startsWith(QLatin1String("E48D8C-hAP%20ac%20lite-")));
    QVariantMap doc = deviceDoc(id, QString());
    QCOMPARE(doc.value(QStringLiteral("_registered")).toString(),
             QStringLiteral("2026-12-01T06:30:00.000Z"));
    QCOMPARE(doc.value(QStringLiteral("_lastBoot")).toString(),
             QStringLiteral("2026-12-01T06:30:00.000Z"));
    QCOMPARE(doc.value(QStringLiteral("_lastBootstrap")).toString(),
             QStringLiteral("2026-12-01T06:30:00.000Z"));
    QCOMPARE(docvalue::getPath(doc, u"Device.DeviceInfo.SoftwareVersion._value").toString(),
             QStringLiteral("6.49.18"));
    QCOMPARE(docvalue::getPath(doc, u"Device.RootDataModelVersion._value").toString(),
             QStringLiteral("2.15"));
    QCOMPARE(docvalue::getPath(doc, u"_deviceId._Manufacturer").toString(),
             QStringLiteral("MikroTik"));
    // X_MIKROTIK_ArchName is not an Inform parameter: GenieACS knows it only once fetched.
    QVERIFY(!docvalue::getPath(doc, u"Device.DeviceInfo.X_MIKROTIK_ArchName").isValid());
    // Periodic informs move _lastInform but not _lastBoot.
    const int before = m_fleet->sessionsRun();
    advanceAndProcess(400 * 1000);
    QVERIFY(m_fleet->sessionsRun() >= before + 10);
    doc = deviceDoc(id, QStringLiteral("_lastInform,_lastBoot"));
    QVERIFY(doc.value(QStringLiteral("_lastInform")).toString() >
            QStringLiteral("2026-12-01T06:30:00.000Z"));
    QCOMPARE(doc.value(QStringLiteral("_lastBoot")).toString(),
             QStringLiteral("2026-12-01T06:30:00.000Z"));
    // The TR-098 router.
    const QString hw = m_fleet->deviceId(firstOf(QStringLiteral("huawei-bm632w")));
    QVERIFY(hw.startsWith(QLatin1String("202BC1-BM632w-HW")));
    doc = deviceDoc(hw, QStringLiteral("InternetGatewayDevice.DeviceInfo.SoftwareVersion._value"));
    QCOMPARE(docvalue::getPath(doc, u"InternetGatewayDevice.DeviceInfo.SoftwareVersion._value")
                 .toString(),
             QStringLiteral("V100R001IRQC56B017"));
}

void TestFleet::mikrotikUpgradeThroughDescriptor()
{
    const int mt = firstOf(QStringLiteral("mikrotik-hap-ac-lite"));
    const QString id = m_fleet->deviceId(mt);
    putMikrotikUpgrade(QStringLiteral("upgrade_7.14_mipsbe.xml"), QStringLiteral("7.14"),
                       QStringLiteral("mipsbe"), QStringLiteral("mipsbe"), m_fs->urlPrefix());
    const RawResponse r = post(
        id, "?connection_request",
        R"({"name":"download","fileType":"1 Firmware Upgrade Image","fileName":"upgrade_7.14_mipsbe.xml"})");
    QCOMPARE(r.status, 200); // the router took the RPC (DownloadResponse status 1)
    RawHttpClient c(m_nbi->port());
    QCOMPARE(c.request("HEAD", "/tasks/").header("total"), QByteArray("0"));
    QCOMPARE(c.request("HEAD", "/operations/").header("total"), QByteArray("1")); // T064
    QVariantMap doc = deviceDoc(id, QStringLiteral("Downloads"));
    QCOMPARE(docvalue::getPath(doc, u"Downloads.1.FileName._value").toString(),
             QStringLiteral("upgrade_7.14_mipsbe.xml"));
    QCOMPARE(docvalue::getPath(doc, u"Downloads.1.LastDownload._value").toString(),
             QStringLiteral("1970-01-01T00:00:00.000Z")); // T065

    QSignalSpy finished(m_fleet.get(), &Fleet::transferFinished);
    advanceAndProcess(5000); // the router starts fetching
    QVERIFY(finished.wait(10000));
    QCOMPARE(finished.first().at(1).toInt(), 0);
    QCOMPARE(m_fs->requestCount(), 3); // the descriptor and both packages
    advanceAndProcess(60 * 1000);      // reboot, then 1 BOOT + M Download + 7 TRANSFER COMPLETE
    doc = deviceDoc(id,
                    QStringLiteral("Device.DeviceInfo.SoftwareVersion._value,_lastBoot,Downloads"));
    QCOMPARE(docvalue::getPath(doc, u"Device.DeviceInfo.SoftwareVersion._value").toString(),
             QStringLiteral("7.14"));
    QCOMPARE(doc.value(QStringLiteral("_lastBoot")).toString(),
             QStringLiteral("2026-12-01T06:31:05.000Z"));
    QCOMPARE(docvalue::getPath(doc, u"Downloads.1.LastFileName._value").toString(),
             QStringLiteral("upgrade_7.14_mipsbe.xml"));
    QCOMPARE(docvalue::getPath(doc, u"Downloads.1.LastDownload._value").toString(),
             QStringLiteral("2026-12-01T06:30:00.000Z")); // T066: the Download RPC's time
    QCOMPARE(c.request("HEAD", "/operations/").header("total"), QByteArray("0"));
    QVERIFY(faults(id).isEmpty());
    QCOMPARE(m_fleet->cpe(mt).version, QStringLiteral("7.14"));
}

void TestFleet::failedDownloads_data()
{
    QTest::addColumn<QString>("fileName");
    QTest::addColumn<QString>("npkArchitecture");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("messagePart");
    // "<package>-<version>" of every link of a descriptor the test writes (the router: mipsbe).
    QTest::addColumn<QStringList>("packages");
    QTest::newRow("wrong architecture in the descriptor's NPK")
        << QStringLiteral("upgrade_7.14_arm.xml") << QStringLiteral("arm")
        << QStringLiteral("cwmp.9010") << QStringLiteral("is for arm, this router is mipsbe")
        << QStringList();
    QTest::newRow("T059 file missing on the file server")
        << QStringLiteral("missing.xml") << QString() << QStringLiteral("cwmp.9016")
        << QStringLiteral("Unexpected response 404") << QStringList();
    QTest::newRow("not an upgrade descriptor")
        << QStringLiteral("garbage.xml") << QString() << QStringLiteral("cwmp.9018")
        << QStringLiteral("file corrupted") << QStringList();
    QTest::newRow("packages of different versions in the descriptor")
        << QStringLiteral("upgrade_mixed.xml") << QString() << QStringLiteral("cwmp.9010")
        << QStringLiteral("packages of different versions (7.14, 7.15)")
        << QStringList{QStringLiteral("system-7.14"), QStringLiteral("tr069-client-7.15")};
    QTest::newRow("no system package in the descriptor")
        << QStringLiteral("upgrade_nosystem.xml") << QString() << QStringLiteral("cwmp.9010")
        << QStringLiteral("no system package")
        << QStringList{QStringLiteral("tr069-client-7.14"), QStringLiteral("wireless-7.14")};
}

void TestFleet::failedDownloads()
{
    QFETCH(QString, fileName);
    QFETCH(QString, npkArchitecture);
    QFETCH(QString, code);
    QFETCH(QString, messagePart);
    QFETCH(QStringList, packages);
    RawHttpClient c(m_nbi->port());
    if (!npkArchitecture.isEmpty())
        putMikrotikUpgrade(fileName, QStringLiteral("7.14"), npkArchitecture, npkArchitecture,
                           m_fs->urlPrefix());
    if (!packages.isEmpty()) {
        fwd::firmware::UpgradeDescriptor d;
        for (const QString &p : std::as_const(packages)) {
            const qsizetype dash = p.lastIndexOf(u'-');
            const QString file = p + QStringLiteral("-mipsbe.npk");
            QCOMPARE(
                c.request("PUT", "/files/" + path(file),
                          npk(p.left(dash).toLatin1().constData(),
                              p.mid(dash + 1).toLatin1().constData(), QStringLiteral("mipsbe")))
                    .status,
                201);
            d.links << QUrl(m_fs->urlPrefix() + file);
        }
        QCOMPARE(c.request("PUT", "/files/" + path(fileName), d.toXml(),
                           {{"fileType", "1 Firmware Upgrade Image"}})
                     .status,
                 201);
    }
    if (fileName == QLatin1String("garbage.xml"))
        QCOMPARE(c.request("PUT", "/files/garbage.xml", "<html>not a descriptor</html>").status,
                 201);
    const int mt = firstOf(QStringLiteral("mikrotik-hap-ac-lite"));
    const QString id = m_fleet->deviceId(mt);
    const QByteArray body =
        R"({"name":"download","fileType":"1 Firmware Upgrade Image","fileName":")" +
        fileName.toUtf8() + "\"}";
    const RawResponse r = post(id, "?connection_request", body);
    QCOMPARE(r.status, 200);
    QString e;
    const QString taskId =
        docvalue::parseJson(r.body, &e).toMap().value(QStringLiteral("_id")).toString();
    QSignalSpy finished(m_fleet.get(), &Fleet::transferFinished);
    advanceAndProcess(5000);
    QVERIFY(finished.wait(10000));
    advanceAndProcess(1000); // the router informs with 7 TRANSFER COMPLETE + M Download
    const QList<QVariantMap> f = faults(id);
    QCOMPARE(f.size(), 1);
    QCOMPARE(f.first().value(QStringLiteral("_id")).toString(),
             id + QStringLiteral(":task_") + taskId);
    QCOMPARE(f.first().value(QStringLiteral("channel")).toString(),
             QStringLiteral("task_") + taskId);
    QCOMPARE(f.first().value(QStringLiteral("code")).toString(), code);
    QVERIFY2(f.first().value(QStringLiteral("message")).toString().contains(messagePart),
             qPrintable(f.first().value(QStringLiteral("message")).toString()));
    QCOMPARE(f.first()
                 .value(QStringLiteral("detail"))
                 .toMap()
                 .value(QStringLiteral("faultCode"))
                 .toString(),
             code.mid(5));
    QCOMPARE(f.first().value(QStringLiteral("retries")).toInt(), 0);
    QCOMPARE(f.first().value(QStringLiteral("timestamp")).toString(),
             QStringLiteral("2026-12-01T06:30:00.000Z"));
    QCOMPARE(
        f.first().value(QStringLiteral("provisions")).toString(),
        QStringLiteral("[[\"download\",\"1 Firmware Upgrade Image\",\"%1\",\"\"]]").arg(fileName));
    // T067: Download goes back to LastDownload (the epoch); the version is unchanged.
    const QVariantMap doc =
        deviceDoc(id, QStringLiteral("Downloads,Device.DeviceInfo.SoftwareVersion._value"));
    QCOMPARE(docvalue::getPath(doc, u"Downloads.1.Download._value").toString(),
             QStringLiteral("1970-01-01T00:00:00.000Z"));
    QCOMPARE(docvalue::getPath(doc, u"Device.DeviceInfo.SoftwareVersion._value").toString(),
             QStringLiteral("6.49.18"));
    QCOMPARE(c.request("HEAD", "/tasks/").header("total"), QByteArray("0"));
}

void TestFleet::httpsDownloadTrustsOnlyTheRoutersCas_data()
{
    QTest::addColumn<bool>("trustLabCa");
    QTest::addColumn<int>("faultCode");
    QTest::newRow("router trusts the lab CA") << true << 0;
    QTest::newRow("router does not trust the certificate") << false << 9015;
}

void TestFleet::httpsDownloadTrustsOnlyTheRoutersCas()
{
    QFETCH(bool, trustLabCa);
    QFETCH(int, faultCode);
    QString error;
    QFile f(dataPath("profile-small.json"));
    QVERIFY(f.open(QIODevice::ReadOnly));
    FleetProfile profile = *FleetProfile::fromJson(f.readAll(), &error);
    if (trustLabCa)
        profile.trustedCaFiles = {dataPath("lab-ca.pem")};
    m_store = std::make_unique<LabStore>(*m_clock);
    NbiServer::Options o;
    o.sessionPollMs = 20;
    m_nbi = std::make_unique<NbiServer>(*m_store, o);
    QVERIFY(m_nbi->listen());
    makeLab(profile, 4, true);
    QVERIFY(m_fs->urlPrefix().startsWith(QLatin1String("https://127.0.0.1:")));
    const QString hw = m_fleet->deviceId(firstOf(QStringLiteral("huawei-bm632w")));
    RawHttpClient c(m_nbi->port());
    QCOMPARE(c.request("PUT", "/files/BM632w-V100R001IRQC56B018.bin",
                       "FWDLAB-FIRMWARE V100R001IRQC56B018\nimage")
                 .status,
             201);
    QCOMPARE(
        post(
            hw, "?connection_request",
            R"({"name":"download","fileType":"1 Firmware Upgrade Image","fileName":"BM632w-V100R001IRQC56B018.bin"})")
            .status,
        200);
    QSignalSpy finished(m_fleet.get(), &Fleet::transferFinished);
    advanceAndProcess(5000);
    QVERIFY(finished.wait(10000));
    QCOMPARE(finished.first().at(1).toInt(), faultCode);
    advanceAndProcess(61 * 1000);
    const QVariantMap doc =
        deviceDoc(hw, QStringLiteral("InternetGatewayDevice.DeviceInfo.SoftwareVersion._value"));
    const QList<QVariantMap> fl = faults(hw);
    if (faultCode) {
        QCOMPARE(fl.size(), 1);
        QCOMPARE(fl.first().value(QStringLiteral("code")).toString(), QStringLiteral("cwmp.9015"));
        QVERIFY(
            fl.first().value(QStringLiteral("message")).toString().contains(QLatin1String("TLS")));
        QCOMPARE(docvalue::getPath(doc, u"InternetGatewayDevice.DeviceInfo.SoftwareVersion._value")
                     .toString(),
                 QStringLiteral("V100R001IRQC56B017"));
    } else {
        QVERIFY(fl.isEmpty());
        QCOMPARE(docvalue::getPath(doc, u"InternetGatewayDevice.DeviceInfo.SoftwareVersion._value")
                     .toString(),
                 QStringLiteral("V100R001IRQC56B018"));
    }
}

void TestFleet::faultRetryBackoffWithoutCap()
{
    const int mt = firstOf(QStringLiteral("mikrotik-hap-ac-lite"));
    const QString id = m_fleet->deviceId(mt);
    QCOMPARE(
        post(
            id, "?connection_request",
            R"({"name":"download","fileType":"1 Firmware Upgrade Image","fileName":"missing.xml"})")
            .status,
        200);
    RawHttpClient c(m_nbi->port());
    // Each round: the router fails, informs, the fault waits RETRY_DELAY x 2^retries, then the
    // next session sends a new Download (T060).
    qint64 faultTime = m_clock->nowMs();
    for (int round = 0; round < 4; ++round) {
        QSignalSpy finished(m_fleet.get(), &Fleet::transferFinished);
        advanceAndProcess(5000);
        QVERIFY(finished.wait(10000));
        advanceAndProcess(1000);
        QList<QVariantMap> f = faults(id);
        QCOMPARE(f.size(), 1);
        QCOMPARE(f.first().value(QStringLiteral("retries")).toInt(), round);
        QCOMPARE(f.first().value(QStringLiteral("timestamp")).toString(),
                 docvalue::isoString(docvalue::fromMs(faultTime)));
        const qint64 due = faultTime + 300 * 1000 * (qint64(1) << round);
        // Just before it is due: a session leaves the fault alone.
        m_clock->set(docvalue::fromMs(due - 1000));
        m_fleet->informNow(mt, SimulatedCpe::Periodic);
        QCOMPARE(c.request("HEAD", "/operations/").header("total"), QByteArray("0"));
        QCOMPARE(faults(id).size(), 1);
        // Due: the next session retries with a new Download.
        m_clock->set(docvalue::fromMs(due));
        m_fleet->informNow(mt, SimulatedCpe::Periodic);
        QCOMPARE(c.request("HEAD", "/operations/").header("total"), QByteArray("1"));
        QVERIFY(faults(id).isEmpty());
        faultTime = due;
    }
    // DELETE /faults stops the retries (after the next failure).
    QSignalSpy finished(m_fleet.get(), &Fleet::transferFinished);
    advanceAndProcess(5000);
    QVERIFY(finished.wait(10000));
    advanceAndProcess(1000);
    QCOMPARE(faults(id).value(0).value(QStringLiteral("retries")).toInt(), 4);
    const QString faultId = faults(id).value(0).value(QStringLiteral("_id")).toString();
    QCOMPARE(c.request("DELETE", "/faults/" + path(faultId)).status, 200);
    m_clock->advance(10LL * 24 * 3600 * 1000);
    m_fleet->informNow(mt, SimulatedCpe::Periodic);
    QCOMPARE(c.request("HEAD", "/operations/").header("total"), QByteArray("0"));
}

void TestFleet::vendorImageUpgrade()
{
    const int hwIndex = firstOf(QStringLiteral("huawei-bm632w"));
    const QString hw = m_fleet->deviceId(hwIndex);
    RawHttpClient c(m_nbi->port());
    QCOMPARE(c.request("PUT", "/files/fw.bin", "FWDLAB-FIRMWARE V100R001IRQC56B018\n",
                       {{"fileType", "1 Firmware Upgrade Image"}, {"oui", "202BC1"}})
                 .status,
             201);
    // Without connection_request: the task waits for the next periodic inform.
    RawResponse r = post(hw, QByteArray(), R"({"name":"download","file":"fw.bin"})");
    QCOMPARE(r.status, 202);
    QCOMPARE(r.reason, QByteArray("Accepted"));
    QSignalSpy finished(m_fleet.get(), &Fleet::transferFinished);
    advanceAndProcess(330 * 1000); // every router has informed once more
    QCOMPARE(c.request("HEAD", "/tasks/").header("total"), QByteArray("0"));
    advanceAndProcess(5000);
    QVERIFY(finished.wait(10000));
    advanceAndProcess(60 * 1000);
    const QVariantMap doc =
        deviceDoc(hw, QStringLiteral("InternetGatewayDevice.DeviceInfo.SoftwareVersion._value"));
    QCOMPARE(docvalue::getPath(doc, u"InternetGatewayDevice.DeviceInfo.SoftwareVersion._value")
                 .toString(),
             QStringLiteral("V100R001IRQC56B018"));
}

void TestFleet::rpcTasksAndFaults()
{
    const int mt = firstOf(QStringLiteral("mikrotik-hap-ac-lite"));
    const QString id = m_fleet->deviceId(mt);
    // GetParameterValues stores the value with _writable (N9).
    RawResponse r = post(
        id, "?connection_request",
        R"({"name":"getParameterValues","parameterNames":["Device.DeviceInfo.X_MIKROTIK_ArchName"]})");
    QCOMPARE(r.status, 200);
    QVariantMap doc = deviceDoc(id, QStringLiteral("Device.DeviceInfo.X_MIKROTIK_ArchName"));
    QCOMPARE(docvalue::getPath(doc, u"Device.DeviceInfo.X_MIKROTIK_ArchName._value").toString(),
             QStringLiteral("mipsbe"));
    QCOMPARE(docvalue::getPath(doc, u"Device.DeviceInfo.X_MIKROTIK_ArchName._writable").toBool(),
             false);
    // SetParameterValues on a writable parameter, then on a read-only one (T021-like fault).
    r = post(
        id, "?connection_request",
        R"({"name":"setParameterValues","parameterValues":[["Device.DeviceInfo.ProvisioningCode","lab-b","xsd:string"]]})");
    QCOMPARE(r.status, 200);
    QCOMPARE(m_fleet->cpeValue(mt, QStringLiteral("Device.DeviceInfo.ProvisioningCode")).toString(),
             QStringLiteral("lab-b"));
    r = post(
        id, "?connection_request",
        R"({"name":"setParameterValues","parameterValues":[["Device.DeviceInfo.SoftwareVersion","9.9"]]})");
    QCOMPARE(r.status, 202);
    QCOMPARE(r.reason, QByteArray("Task faulted"));
    const QList<QVariantMap> f = faults(id);
    QCOMPARE(f.size(), 1);
    QCOMPARE(f.first().value(QStringLiteral("code")).toString(), QStringLiteral("cwmp.9008"));
    // The faulted task stays; a later task on another channel still runs.
    r = post(id, "?connection_request",
             R"({"name":"refreshObject","objectName":"Device.ManagementServer"})");
    QCOMPARE(r.status, 200);
    RawHttpClient c(m_nbi->port());
    QCOMPARE(c.request("HEAD", "/tasks/").header("total"), QByteArray("1"));
    // Reboot: accepted, the router comes back with 1 BOOT / M Reboot.
    r = post(id, "?connection_request", R"({"name":"reboot"})");
    QCOMPARE(r.status, 200);
    doc = deviceDoc(id, QStringLiteral("Reboot"));
    QCOMPARE(docvalue::getPath(doc, u"Reboot._type").toString(), QStringLiteral("xsd:dateTime"));
    // While rebooting it does not answer connection requests.
    r = post(id, "?connection_request", QByteArray());
    QCOMPARE(r.status, 504);
    QCOMPARE(r.reason, QByteArray("Device is offline"));
    advanceAndProcess(60 * 1000);
    doc = deviceDoc(id, QStringLiteral("_lastBoot"));
    QCOMPARE(doc.value(QStringLiteral("_lastBoot")).toString(),
             QStringLiteral("2026-12-01T06:31:00.000Z"));
}

void TestFleet::offlineRoutersAndNeverReturning()
{
    FleetProfile profile = FleetProfile::defaultProfile();
    profile.cwmpRoundTripMs = 0; // sessions take no time: the test moves the clock itself
    profile.failures.offline = 0.5;
    profile.failures.neverReturn = 1.0;
    m_store = std::make_unique<LabStore>(*m_clock);
    NbiServer::Options o;
    o.sessionPollMs = 20;
    m_nbi = std::make_unique<NbiServer>(*m_store, o);
    QVERIFY(m_nbi->listen());
    makeLab(profile, 40);
    int offline = 0;
    int online = -1;
    for (int i = 0; i < m_fleet->size(); ++i) {
        if (m_fleet->cpe(i).flags & SimulatedCpe::Offline) {
            ++offline;
            QCOMPARE(post(m_fleet->deviceId(i), "?connection_request", QByteArray()).status, 504);
        } else if (online < 0) {
            online = i;
        }
    }
    QVERIFY(offline > 5 && offline < 35);
    // Connection-request failures from the profile.
    QString error;
    QVERIFY(!FleetProfile::fromJson(
        R"({"vendors":[{"oui":"x","versions":["1"],"architectures":["a"]}],"failures":{"connectionRequest":{"nope":1}}})",
        &error));
    QVERIFY(error.contains(QLatin1String("nope")));
    const auto p = FleetProfile::fromJson(
        R"({"vendors":[{"oui":"00AAAA","productClass":"LabBox","versions":["1"],"architectures":["a"],"dataModel":"tr098"}],"failures":{"connectionRequest":{"notFound":1}}})",
        &error);
    QVERIFY2(p.has_value(), qPrintable(error));
    LabStore store(*m_clock);
    Fleet::Options fo;
    fo.devices = 3;
    fo.tickMs = 3600 * 1000;
    Fleet fleet(store, *m_clock, *p, fo);
    fleet.start();
    QString status = QStringLiteral("unset");
    fleet.connectionRequest(fleet.deviceId(2), [&](const QString &s) { status = s; });
    QCOMPARE(status, QStringLiteral("Connection request error: Unexpected status code 404"));
    RawHttpClient c(m_nbi->port());
    QCOMPARE(c.request("HEAD", "/devices/").header("total"),
             QByteArray("40")); // registered before going offline
    // A router that never comes back after a reboot.
    const QString id = m_fleet->deviceId(online);
    QCOMPARE(post(id, "?connection_request", R"({"name":"reboot"})").status, 200);
    advanceAndProcess(3600 * 1000);
    QCOMPARE(m_fleet->cpe(online).state, SimulatedCpe::State::Dead);
    QCOMPARE(post(id, "?connection_request", QByteArray()).status, 504);
}

void TestFleet::failureInjection_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("faultCode");
    QTest::newRow("router finds every file corrupted") << QStringLiteral("corrupt") << 9018;
    QTest::newRow("flaky link cuts the transfer") << QStringLiteral("flaky") << 9017;
    QTest::newRow("tampered NPK (digest)") << QStringLiteral("tampered") << 9019;
    QTest::newRow("file server unreachable") << QStringLiteral("refused") << 9015;
    QTest::newRow("unsupported protocol") << QStringLiteral("ftp") << 9013;
    QTest::newRow("slow link still succeeds, later") << QStringLiteral("slow") << 0;
}

void TestFleet::failureInjection()
{
    QFETCH(QString, kind);
    QFETCH(int, faultCode);
    QString error;
    QFile f(dataPath("profile-small.json"));
    QVERIFY(f.open(QIODevice::ReadOnly));
    FleetProfile profile = *FleetProfile::fromJson(f.readAll(), &error);
    if (kind == QLatin1String("corrupt"))
        profile.failures.corruptDownload = 1;
    if (kind == QLatin1String("flaky"))
        profile.failures.flakyDownload = 1;
    if (kind == QLatin1String("slow")) {
        profile.failures.slowLink = 1;
        profile.failures.slowLinkBytesPerSecond =
            10; // the 46-byte image takes 4.6 simulated seconds
    }
    m_store = std::make_unique<LabStore>(*m_clock);
    NbiServer::Options o;
    o.sessionPollMs = 20;
    m_nbi = std::make_unique<NbiServer>(*m_store, o);
    QVERIFY(m_nbi->listen());
    makeLab(profile, 4);
    if (kind == QLatin1String("refused"))
        m_fleet->setFsUrlPrefix(QStringLiteral("http://127.0.0.1:1/"));
    if (kind == QLatin1String("ftp"))
        m_fleet->setFsUrlPrefix(QStringLiteral("ftp://127.0.0.1/"));
    RawHttpClient c(m_nbi->port());
    int index = firstOf(QStringLiteral("huawei-bm632w"));
    QByteArray fileName = "fw.bin";
    if (kind == QLatin1String("tampered")) {
        index = firstOf(QStringLiteral("mikrotik-hap-ac-lite"));
        QByteArray system = npk("system", "7.14", QStringLiteral("mipsbe"));
        system[5000] = char(system.at(5000) ^ 0x5a); // inside the squashfs part
        QCOMPARE(c.request("PUT", "/files/system-7.14-mipsbe.npk", system).status, 201);
        fwd::firmware::UpgradeDescriptor d;
        d.links = {QUrl(m_fs->urlPrefix() + QStringLiteral("system-7.14-mipsbe.npk"))};
        QCOMPARE(c.request("PUT", "/files/upgrade.xml", d.toXml()).status, 201);
        fileName = "upgrade.xml";
    } else {
        QCOMPARE(
            c.request("PUT", "/files/fw.bin", "FWDLAB-FIRMWARE V100R001IRQC56B018\nimage-bytes")
                .status,
            201);
    }
    const QString id = m_fleet->deviceId(index);
    const QByteArray task =
        "{\"name\":\"download\",\"fileType\":\"1 Firmware Upgrade Image\",\"fileName\":\"" +
        fileName + "\"}";
    QCOMPARE(post(id, "?connection_request", task).status, 200);
    QSignalSpy finished(m_fleet.get(), &Fleet::transferFinished);
    advanceAndProcess(5000);
    QVERIFY(!finished.isEmpty() || finished.wait(10000)); // ftp: refused before any I/O
    QCOMPARE(finished.first().at(1).toInt(), faultCode);
    advanceAndProcess(3600 * 1000);
    const QList<QVariantMap> fl = faults(id);
    if (faultCode) {
        QCOMPARE(fl.size(), 1);
        QCOMPARE(fl.first().value(QStringLiteral("code")).toString(),
                 QStringLiteral("cwmp.%1").arg(faultCode));
    } else {
        QVERIFY(fl.isEmpty());
        const QVariantMap doc =
            deviceDoc(id, QStringLiteral("Downloads.1.StartTime,Downloads.1.CompleteTime"));
        const qint64 start = docvalue::parseJsDate(
                                 docvalue::getPath(doc, u"Downloads.1.StartTime._value").toString())
                                 ->toMSecsSinceEpoch();
        const qint64 complete =
            docvalue::parseJsDate(
                docvalue::getPath(doc, u"Downloads.1.CompleteTime._value").toString())
                ->toMSecsSinceEpoch();
        QCOMPARE(complete - start, qint64(4600)); // 46 bytes at 10 bytes per simulated second
    }
}

void TestFleet::taskExpiryAndFaultedTasksWithExpiry()
{
    const int mt = firstOf(QStringLiteral("mikrotik-hap-ac-lite"));
    const QString id = m_fleet->deviceId(mt);
    RawHttpClient c(m_nbi->port());
    // T031: expiry 2 s; the next session (4 s later) drops the task unrun.
    QCOMPARE(
        post(
            id, QByteArray(),
            R"({"name":"setParameterValues","parameterValues":[["Device.DeviceInfo.ProvisioningCode","expired"]],"expiry":2})")
            .status,
        202);
    m_clock->advance(4000);
    m_fleet->informNow(mt, SimulatedCpe::Periodic);
    QCOMPARE(c.request("HEAD", "/tasks/").header("total"), QByteArray("0"));
    QCOMPARE(m_fleet->cpeValue(mt, QStringLiteral("Device.DeviceInfo.ProvisioningCode")).toString(),
             QString());
    // W5: a faulted task with an expiry runs again at every session, retries staying 0.
    QCOMPARE(
        post(
            id, QByteArray(),
            R"({"name":"setParameterValues","parameterValues":[["Device.DeviceInfo.SoftwareVersion","x"]],"expiry":3600})")
            .status,
        202);
    for (int i = 0; i < 3; ++i) {
        m_clock->advance(1000);
        m_fleet->informNow(mt, SimulatedCpe::Periodic);
        const QList<QVariantMap> f = faults(id);
        QCOMPARE(f.size(), 1);
        QCOMPARE(f.first().value(QStringLiteral("retries")).toInt(), 0);
        QCOMPARE(f.first().value(QStringLiteral("timestamp")).toString(),
                 docvalue::isoString(m_clock->now()));
        QVERIFY(f.first().contains(QStringLiteral("expiry")));
    }
}

void TestFleet::downloadWithoutTransferCompleteTimesOut()
{
    // T062: an operation older than cwmp.downloadTimeout becomes the fault "timeout".
    const int mt = firstOf(QStringLiteral("mikrotik-hap-ac-lite"));
    const QString id = m_fleet->deviceId(mt);
    const QString channel = QStringLiteral("task_") + m_store->newObjectId();
    m_store->operations().upsert(
        {{QStringLiteral("_id"), QString(id + QStringLiteral(":1a2305217c30000"))},
         {QStringLiteral("name"), QStringLiteral("Download")},
         {QStringLiteral("timestamp"), m_clock->now()},
         {QStringLiteral("channels"),
          QString(QStringLiteral("{\"") + channel + QStringLiteral("\":1}"))},
         {QStringLiteral("provisions"),
          QStringLiteral("[[\"download\",\"1 Firmware Upgrade Image\",\"fw-lab-1.bin\",\"\"]]")},
         {QStringLiteral("retries"), QStringLiteral("{}")},
         {QStringLiteral("args"), QStringLiteral("{\"instance\":\"1\"}")}});
    m_clock->advance(3600 * 1000 + 1000);
    m_fleet->informNow(mt, SimulatedCpe::Periodic);
    const QList<QVariantMap> f = faults(id);
    QCOMPARE(f.size(), 1);
    QCOMPARE(f.first().value(QStringLiteral("code")).toString(), QStringLiteral("timeout"));
    QCOMPARE(f.first().value(QStringLiteral("message")).toString(),
             QStringLiteral("Download operation timed out"));
    QCOMPARE(f.first().value(QStringLiteral("channel")).toString(), channel);
    QVERIFY(!f.first().contains(QStringLiteral("detail")));
    QCOMPARE(m_store->operations().size(), 0);
}

void TestFleet::deletedDeviceRegistersAgain()
{
    const int mt = firstOf(QStringLiteral("mikrotik-hap-ac-lite"));
    const QString id = m_fleet->deviceId(mt);
    RawHttpClient c(m_nbi->port());
    QCOMPARE(c.request("POST", "/devices/" + path(id) + "/tags/wave1").status, 200);
    QCOMPARE(c.request("DELETE", "/devices/" + path(id)).status, 200);
    QCOMPARE(c.request("HEAD", "/devices/").header("total"), QByteArray("9"));
    m_clock->advance(1000);
    m_fleet->informNow(mt, SimulatedCpe::Periodic);
    const QVariantMap doc = deviceDoc(id, QStringLiteral("_registered,_tags"));
    QCOMPARE(doc.value(QStringLiteral("_registered")).toString(),
             QStringLiteral("2026-12-01T06:30:01.000Z"));
    QVERIFY(!doc.contains(QStringLiteral("_tags")));
}

void TestFleet::connectionRequestEndpoints_data()
{
    QTest::addColumn<int>("behaviour");
    QTest::addColumn<QByteArray>("reason");
    QTest::addColumn<int>("minMs");
    using B = ConnectionRequestBehaviour;
    QTest::newRow("T048 refused") << int(B::Refuse) << QByteArray("Device is offline") << 0;
    QTest::newRow("T049 frozen CPE: CR timeout")
        << int(B::Timeout) << QByteArray("Device is offline") << 290;
    QTest::newRow("T053 CPE answers 503") << int(B::Busy) << QByteArray("Device is offline") << 0;
    QTest::newRow("T050 CPE answers 404")
        << int(B::NotFound) << QByteArray("Connection request error: Unexpected status code 404")
        << 0;
    QTest::newRow("T051 Basic auth")
        << int(B::BasicAuth) << QByteArray("Basic HTTP authentication not allowed") << 0;
    QTest::newRow("T052 bad Digest credentials")
        << int(B::BadCredentials)
        << QByteArray("Connection request error: Incorrect connection request credentials") << 0;
    QTest::newRow("T054 https URL")
        << int(B::HttpsUrl) << QByteArray("Invalid connection request URL or protocol") << 0;
    QTest::newRow("T055 unparsable URL")
        << int(B::BadUrl) << QByteArray("Invalid connection request URL") << 0;
}

void TestFleet::connectionRequestEndpoints()
{
    QFETCH(int, behaviour);
    QFETCH(QByteArray, reason);
    QFETCH(int, minMs);
    Fleet::Options o;
    o.devices = 2;
    o.tickMs = 3600 * 1000;
    o.connectionRequestTimeoutMs = 300;
    m_fleet.reset();
    m_store = std::make_unique<LabStore>(*m_clock);
    NbiServer::Options no;
    no.sessionPollMs = 20;
    no.deviceOnlineThresholdMs = 300;
    m_nbi = std::make_unique<NbiServer>(*m_store, no);
    QVERIFY(m_nbi->listen());
    FleetProfile profile = FleetProfile::defaultProfile();
    profile.cwmpRoundTripMs = 0; // sessions take no time: the test moves the clock itself
    m_fleet = std::make_unique<Fleet>(*m_store, *m_clock, profile, o);
    m_nbi->setConnectionRequester(m_fleet.get());
    m_fleet->start();
    m_fleet->setConnectionRequestBehaviour(0, ConnectionRequestBehaviour(behaviour));
    QElapsedTimer t;
    t.start();
    RawResponse r = post(m_fleet->deviceId(0), "?connection_request", QByteArray());
    QCOMPARE(r.status, 504);
    QCOMPARE(r.reason, reason);
    QCOMPARE(r.body, reason);
    QVERIFY(t.elapsed() >= minMs);
    r = post(m_fleet->deviceId(0), "?connection_request", R"({"name":"reboot"})");
    QCOMPARE(r.status, 202);
    QCOMPARE(r.reason, reason);
    QCOMPARE(m_store->tasks().size(), 1);
    // T046: accepted, but no session follows.
    m_fleet->setConnectionRequestBehaviour(1, ConnectionRequestBehaviour::AcceptNoSession);
    QCOMPARE(post(m_fleet->deviceId(1), "?connection_request", QByteArray()).status, 200);
    r = post(m_fleet->deviceId(1), "?connection_request", R"({"name":"reboot"})");
    QCOMPARE(r.status, 202);
    QCOMPARE(r.reason, QByteArray("Task queued but not processed"));
}

void TestFleet::fileSizeZeroUntilTheCwmpCacheRefreshes()
{
    // GENIEACS.md §5: the CWMP side's file list (lib/cwmp/local-cache.ts) is not invalidated by
    // PUT /files. It is looked at once per 5-second slot and rebuilt only when the cache entry
    // "cwmp-local-cache-hash" is gone: deleted by an NBI write to a preset/object/provision/
    // virtual parameter, or expired 330 s after it was written.
    RawHttpClient c(m_nbi->port());
    const QByteArray image = "FWDLAB-FIRMWARE V100R001IRQC56B018\n";
    const int hwIndex = firstOf(QStringLiteral("huawei-bm632w"));
    const QString hw = m_fleet->deviceId(hwIndex);
    auto download = [&](int index, const char *file) -> qint64 {
        const RawResponse r = post(m_fleet->deviceId(index), "?connection_request",
                                   R"({"name":"download","fileType":"1 Firmware Upgrade Image",)"
                                   R"("fileName":")" +
                                       QByteArray(file) + "\"}");
        if (r.status != 200 || !m_fleet->cpe(index).transfer)
            return -1;
        return m_fleet->cpe(index).transfer->fileSize;
    };
    // The registration sessions at 06:30:00 built the cache and wrote its hash (TTL 300 + 30 s).
    RawResponse r = c.request("GET", "/cache/");
    QString e;
    QVariantMap entry = docvalue::parseJson(r.body, &e).toList().value(0).toMap();
    QCOMPARE(entry.value(QStringLiteral("_id")).toString(),
             QStringLiteral("cwmp-local-cache-hash"));
    QCOMPARE(entry.value(QStringLiteral("expire")).toString(),
             QStringLiteral("2026-12-01T06:35:30.000Z"));

    m_clock->advance(1000);
    QCOMPARE(
        c.request("PUT", "/files/fw.bin", image, {{"fileType", "1 Firmware Upgrade Image"}}).status,
        201);
    QCOMPARE(c.request("HEAD", "/cache/").header("total"), QByteArray("1")); // not invalidated
    QCOMPARE(download(hwIndex, "fw.bin"), 0);
    // The router downloads fine all the same (FileSize is informational; RouterOS ignores it).
    QSignalSpy finished(m_fleet.get(), &Fleet::transferFinished);
    advanceAndProcess(5000);
    QVERIFY(finished.wait(10000));
    QCOMPARE(finished.first().at(0).toString(), hw);
    QCOMPARE(finished.first().at(1).toInt(), 0);
    advanceAndProcess(60 * 1000);
    QCOMPARE(m_fleet->cpe(hwIndex).version, QStringLiteral("V100R001IRQC56B018"));

    // Another 5-second slot: the cache is looked at, but its hash is still there: still 0.
    QList<int> others;
    for (int i = 0; i < m_fleet->size(); ++i) {
        if (i != hwIndex)
            others.append(i);
    }
    m_clock->advance(5000);
    QCOMPARE(download(others.at(0), "fw.bin"), 0);
    // PUT /provisions deletes the hash. A session in the same 5-second slot (after another
    // session looked at the cache) still has the old list; the next slot gets the new one.
    QCOMPARE(c.request("PUT", "/provisions/refresh-cache", "log('x');").status, 200);
    QCOMPARE(c.request("HEAD", "/cache/").header("total"), QByteArray("0"));
    QCOMPARE(download(others.at(1), "fw.bin"), 0);
    m_clock->advance(5000);
    QCOMPARE(download(others.at(2), "fw.bin"), qint64(image.size()));
    QCOMPARE(c.request("HEAD", "/cache/").header("total"), QByteArray("1"));

    // A second file without any PUT of a provision: 0 until the hash expires.
    r = c.request("GET", "/cache/");
    entry = docvalue::parseJson(r.body, &e).toList().value(0).toMap();
    const QDateTime expire =
        docvalue::parseJsDate(entry.value(QStringLiteral("expire")).toString()).value();
    QCOMPARE(expire, m_clock->now().addSecs(330));
    QCOMPARE(c.request("PUT", "/files/fw2.bin", image + "#2\n").status, 201);
    m_clock->set(expire.addMSecs(-1));
    QCOMPARE(download(others.at(3), "fw2.bin"), 0);
    m_clock->set(expire.addSecs(5));
    QCOMPARE(download(others.at(4), "fw2.bin"), qint64(image.size() + 3));

    // With the quirk switched off, FileSize is always the file's length.
    CwmpEngine::Config config = m_fleet->engine().config();
    config.staleFileCache = false;
    m_fleet->engine().setConfig(config);
    QCOMPARE(c.request("PUT", "/files/fw3.bin", image + "#33\n").status, 201);
    QCOMPARE(download(others.at(5), "fw3.bin"), qint64(image.size() + 4));
}

void TestFleet::concurrencyLimitTurnsRoutersAway()
{
    // GENIEACS.md §9 + N10: more than MAX_CONCURRENT_REQUESTS in progress -> 503 Retry-after: 60
    // to the Inform; the router comes back 60 s later. Seen through the NBI: a burst of tasks with
    // connection requests gets "Task queued but not processed" for the routers turned away, and
    // their tasks run when they come back.
    QString error;
    QFile f(dataPath("profile-small.json"));
    QVERIFY(f.open(QIODevice::ReadOnly));
    FleetProfile profile = *FleetProfile::fromJson(f.readAll(), &error);
    profile.cwmpRoundTripMs = 100; // a session with one RPC: 3 exchanges, 300 ms
    profile.cwmpRequestMs = 10;
    profile.maxConcurrentRequests = 20;
    makeLab(profile, 30);
    QList<QByteArray> targets;
    for (int i = 0; i < 30; ++i)
        targets.append("/devices/" + path(m_fleet->deviceId(i)) +
                       "/tasks?connection_request&timeout=600");
    const qint64 t0 = m_clock->nowMs();
    ParallelRequests burst(m_nbi->port(), targets, R"({"name":"refreshObject","objectName":""})");
    // The ten turned away never start a session within the NBI's wait.
    QTRY_COMPARE_WITH_TIMEOUT(burst.answered(), 10, 10000);
    QCOMPARE(burst.count(202, "Task queued but not processed"), 10);
    QCOMPARE(m_fleet->sessionsTurnedAway(), 10);
    QCOMPARE(m_fleet->sessionsInProgress(), 20);
    QCOMPARE(m_fleet->requestsInProgress(), 20);
    int inSession = -1;
    for (int i = 0; i < 30 && inSession < 0; ++i) {
        if (m_fleet->cpe(i).flags & SimulatedCpe::InSession)
            inSession = i;
    }
    QVERIFY(inSession >= 0);
    RawHttpClient c(m_nbi->port());
    const RawResponse busy = c.request("DELETE", "/devices/" + path(m_fleet->deviceId(inSession)));
    QCOMPARE(busy.status, 503);
    QCOMPARE(busy.body, QByteArray("Device is in session")); // T014
    // GenieACS is done with their 3 requests after 3 x 10 ms (cwmpRequestMs): a new Inform
    // would be admitted again, while the sessions themselves last 300 ms.
    advanceAndProcess(30);
    QCOMPARE(m_fleet->requestsInProgress(), 0);
    QCOMPARE(m_fleet->sessionsInProgress(), 20);
    // The twenty sessions end after 300 ms of lab time; their tasks ran.
    advanceAndProcess(270);
    QTRY_COMPARE_WITH_TIMEOUT(burst.answered(), 30, 10000);
    QCOMPARE(burst.count(200, "OK"), 20);
    QCOMPARE(m_fleet->sessionsInProgress(), 0);
    QCOMPARE(c.request("HEAD", "/tasks/").header("total"), QByteArray("10"));
    // Retry-after: 60 -- not before.
    m_clock->set(QDateTime::fromMSecsSinceEpoch(t0 + 59999, Qt::UTC));
    m_fleet->processDue();
    QCOMPARE(c.request("HEAD", "/tasks/").header("total"), QByteArray("10"));
    const int sessions = m_fleet->sessionsRun();
    m_clock->set(QDateTime::fromMSecsSinceEpoch(t0 + 60000, Qt::UTC));
    m_fleet->processDue();
    QCOMPARE(m_fleet->sessionsRun(), sessions + 10);
    QCOMPARE(m_fleet->sessionsTurnedAway(), 10);
    QCOMPARE(c.request("HEAD", "/tasks/").header("total"), QByteArray("0"));
    QVERIFY(faults(m_fleet->deviceId(0)).isEmpty());
    advanceAndProcess(300);
    QCOMPARE(m_fleet->sessionsInProgress(), 0);
}

void TestFleet::sessionRpcAndDurationLimits()
{
    // lib/session.ts rpcRequest(): 255 RPCs per provisioning cycle, not per session: rpcCount
    // goes back to 0 when addProvisions()/clearProvisions() start a new cycle, and lib/cwmp.ts
    // runs each task (nextRpc()) and the presets' batch (applyPresets()) in a cycle of its own.
    // A task of 200 RPCs completes, then the preset's script gets 255 more answers and the fault
    // too_many_rpcs on its channel; the session itself goes on and ends normally.
    // lib/cwmp.ts: the connection is destroyed 300 s after it opened; endSession() records
    // session_terminated on the channel still running and releases the lock when the 30 s session
    // timeout since the last activity has passed (+1 s).
    QString error;
    QFile f(dataPath("profile-small.json"));
    QVERIFY(f.open(QIODevice::ReadOnly));
    FleetProfile profile = *FleetProfile::fromJson(f.readAll(), &error);
    profile.cwmpRoundTripMs = 100;
    makeLab(profile, 4);
    const int mt = firstOf(QStringLiteral("mikrotik-hap-ac-lite"));
    const QString id = m_fleet->deviceId(mt);
    RawHttpClient c(m_nbi->port());
    QCOMPARE(c.request("PUT", "/provisions/greedy", rpcLoopScript()).status, 200);
    // Only this router (the others inform periodically meanwhile).
    const QByteArray only = "\"precondition\":\"DeviceID.ID = \\\"" + id.toUtf8() + "\\\"\",";
    QCOMPARE(
        c.request("PUT", "/presets/greedy",
                  R"({"channel":"greedy","events":{"2 PERIODIC":true},)" + only +
                      R"("configurations":[{"type":"provision","name":"greedy","args":[300]}]})")
            .status,
        200);
    QCOMPARE(post(id, "", R"({"name":"provisions","provisions":[["greedy",200]]})").status, 202);
    qint64 rpcs = m_fleet->rpcsAnswered();
    m_fleet->informNow(mt, SimulatedCpe::Periodic);
    QCOMPARE(m_fleet->rpcsAnswered() - rpcs, 200 + 255);
    QCOMPARE(m_fleet->engine().lastSession().cycles, 2);
    QCOMPARE(c.request("HEAD", "/tasks/").header("total"), QByteArray("0"));
    const QVariantMap *fault = m_store->faults().find(id + QStringLiteral(":greedy"));
    QVERIFY(fault);
    QCOMPARE(fault->value(QStringLiteral("code")).toString(), QStringLiteral("too_many_rpcs"));
    QCOMPARE(fault->value(QStringLiteral("message")).toString(),
             QStringLiteral("Too many RPC requests"));
    QCOMPARE(m_fleet->sessionsTerminated(), 0);
    // 457 exchanges of 100 ms: the device is in session for 45.7 s, then the session ends.
    advanceAndProcess(45699);
    QVERIFY(m_store->isInSession(id));
    advanceAndProcess(1);
    QVERIFY(!m_store->isInSession(id));
    QCOMPARE(m_fleet->cpe(mt).sessionRetries, 0);

    // 300 s: with 2 s per exchange, 149 RPCs fit (the 150th would end after 300 s).
    QCOMPARE(c.request("DELETE", "/presets/greedy").status, 200);
    QCOMPARE(c.request("DELETE", "/faults/" + path(id) + ":greedy").status, 200);
    QCOMPARE(
        c.request("PUT", "/presets/slow",
                  R"({"channel":"slow","events":{"2 PERIODIC":true},)" + only +
                      R"("configurations":[{"type":"provision","name":"greedy","args":[200]}]})")
            .status,
        200);
    CwmpEngine::Config config = m_fleet->engine().config();
    config.roundTripMs = 2000;
    m_fleet->engine().setConfig(config);
    m_clock->advance(1000);
    const qint64 start = m_clock->nowMs();
    rpcs = m_fleet->rpcsAnswered();
    m_fleet->informNow(mt, SimulatedCpe::Periodic);
    QCOMPARE(m_fleet->rpcsAnswered() - rpcs, 149);
    fault = m_store->faults().find(id + QStringLiteral(":slow"));
    QVERIFY(fault);
    QCOMPARE(fault->value(QStringLiteral("code")).toString(), QStringLiteral("session_terminated"));
    QCOMPARE(fault->value(QStringLiteral("message")).toString(),
             QStringLiteral("The TR-069 session was unsuccessfully terminated"));
    QCOMPARE(m_fleet->sessionsTerminated(), 1);
    // The router's connection goes at 300 s; the lock at 300 + 31 s (its last activity was at
    // 300 s, within the 30 s session timeout). Meanwhile the router's retry is refused.
    const int refused = m_fleet->sessionsRefusedInSession();
    for (qint64 t = 1000; t <= 330000; t += 1000) {
        m_clock->set(QDateTime::fromMSecsSinceEpoch(start + t, Qt::UTC));
        m_fleet->processDue();
        if (t == 299000)
            QVERIFY(m_fleet->cpe(mt).flags & SimulatedCpe::InSession);
        if (t == 300000)
            QVERIFY(!(m_fleet->cpe(mt).flags & SimulatedCpe::InSession));
    }
    QVERIFY(m_store->isInSession(id));
    QCOMPARE(c.request("DELETE", "/devices/" + path(id)).status, 503);
    QVERIFY(m_fleet->sessionsRefusedInSession() > refused);
    m_clock->set(QDateTime::fromMSecsSinceEpoch(start + 331000, Qt::UTC));
    m_fleet->processDue();
    QVERIFY(!m_store->isInSession(id));
}

void TestFleet::crashedSessionKeepsTheLock()
{
    // N11: a crashed CWMP session keeps the device's lock until its TTL, about session start +
    // 80 s; meanwhile the NBI answers as for a device in session, GET /locks/ shows the lock, and
    // the router's own retries are refused ("CPE already in session").
    NbiServer::Options no;
    no.sessionPollMs = 20;
    no.lockWaitMs = 300; // GenieACS: 30 s
    no.deviceOnlineThresholdMs = 300;
    m_nbi = std::make_unique<NbiServer>(*m_store, no);
    QVERIFY(m_nbi->listen());
    m_nbi->setConnectionRequester(m_fleet.get());
    const int mt = firstOf(QStringLiteral("mikrotik-hap-ac-lite"));
    const QString id = m_fleet->deviceId(mt);
    const QString registered = deviceDoc(id, QStringLiteral("_lastInform"))
                                   .value(QStringLiteral("_lastInform"))
                                   .toString();
    m_clock->advance(1000);
    const QDateTime crashAt = m_clock->now();
    m_fleet->setSessionCrash(mt, true);
    m_fleet->informNow(mt, SimulatedCpe::Periodic);
    QCOMPARE(m_fleet->sessionsCrashed(), 1);
    RawHttpClient c(m_nbi->port());
    RawResponse r = c.request("GET", "/locks/");
    QString e;
    const QVariantList locks = docvalue::parseJson(r.body, &e).toList();
    QCOMPARE(locks.size(), 1);
    QCOMPARE(locks.first().toMap().value(QStringLiteral("_id")).toString(),
             QStringLiteral("cwmp_session_") + id);
    QCOMPARE(locks.first().toMap().value(QStringLiteral("expire")).toString(),
             docvalue::isoString(crashAt.addSecs(80)));
    // Nothing of the crashed session was saved.
    QCOMPARE(deviceDoc(id, QStringLiteral("_lastInform")).value(QStringLiteral("_lastInform")),
             QVariant(registered));
    r = c.request("DELETE", "/devices/" + path(id));
    QCOMPARE(r.status, 503);
    QCOMPARE(r.body, QByteArray("Device is in session"));
    r = post(id, "?connection_request",
             R"({"name":"refreshObject","objectName":"Device.DeviceInfo"})");
    QCOMPARE(r.status, 202);
    QCOMPARE(r.reason, QByteArray("Task queued but not processed"));
    // The other lock takers of nbi.ts answer 503 at once (W1, T040, T041).
    QString error;
    const QByteArray taskId = docvalue::parseJson(r.body, &error)
                                  .toMap()
                                  .value(QStringLiteral("_id"))
                                  .toString()
                                  .toUtf8();
    QCOMPARE(taskId.size(), 24);
    r = c.request("DELETE", "/tasks/" + taskId);
    QCOMPARE(r.status, 503);
    QCOMPARE(r.body, QByteArray("Device is in session"));
    QCOMPARE(c.request("POST", "/tasks/" + taskId + "/retry").status, 503);
    // The router retries (5-10 s, 10-20 s, ...) and is refused while the lock lasts.
    m_fleet->setSessionCrash(mt, false);
    for (int s = 1; s < 80; ++s) {
        m_clock->set(crashAt.addSecs(s));
        m_fleet->processDue();
    }
    m_clock->set(crashAt.addMSecs(79999));
    QVERIFY(m_store->isInSession(id));
    QVERIFY(m_fleet->sessionsRefusedInSession() >= 2);
    QCOMPARE(c.request("HEAD", "/tasks/").header("total"), QByteArray("1"));
    m_clock->set(crashAt.addSecs(80));
    m_fleet->processDue();
    QVERIFY(!m_store->isInSession(id));
    QCOMPARE(c.request("HEAD", "/locks/").header("total"), QByteArray("0"));
    // Its next retry gets a session, which runs the queued task.
    for (int s = 80; s <= 400 && c.request("HEAD", "/tasks/").header("total") != "0"; ++s) {
        m_clock->set(crashAt.addSecs(s));
        m_fleet->processDue();
    }
    QCOMPARE(c.request("HEAD", "/tasks/").header("total"), QByteArray("0"));
    QCOMPARE(c.request("HEAD", "/locks/").header("total"), QByteArray("0"));
    QCOMPARE(c.request("DELETE", "/devices/" + path(id)).status, 200);

    // failures.sessionCrash: a share of sessions crash (not the lab's initial registration).
    FleetProfile profile = m_fleet->profile();
    profile.failures.sessionCrash = 1;
    makeLab(profile, 4);
    const int before = m_fleet->sessionsCrashed();
    QCOMPARE(before, 0);
    m_fleet->informNow(0, SimulatedCpe::Periodic);
    QCOMPARE(m_fleet->sessionsCrashed(), 1);
    QVERIFY(m_store->isInSession(m_fleet->deviceId(0)));
}

void TestFleet::dueTasksRunInTimestampOrderEachOnItsChannel()
{
    // GENIEACS.md §8.1 and issue #3 "Sessions": due tasks first, in timestamp order (not the
    // order they were queued in), each on channel task_<id>, then the presets. The tasks are
    // queued late, early, not yet due; the early one faults, on its own channel only.
    RawHttpClient c(m_nbi->port());
    QCOMPARE(c.request("PUT", "/provisions/lab-order", "log(\"order \" + args[0]);").status, 200);
    QCOMPARE(c.request("PUT", "/provisions/lab-order-fail",
                       "log(\"order \" + args[0]);\nthrow new Error(\"lab \" + args[0]);")
                 .status,
             200);
    QCOMPARE(
        c.request(
             "PUT", "/presets/lab-order",
             R"({"weight":0,"channel":"lab-order","events":{},"configurations":[{"type":"provision","name":"lab-order","args":["preset"]}]})")
            .status,
        200);
    const int hw = firstOf(QStringLiteral("huawei-bm632w"));
    const QString id = m_fleet->deviceId(hw);
    QStringList taskIds;
    const QList<std::array<const char *, 3>> queued = {
        {"lab-order", "late", "2026-12-01T06:30:02.000Z"},
        {"lab-order-fail", "early", "2026-12-01T06:30:01.000Z"},
        {"lab-order", "not-due", "2026-12-01T07:00:00.000Z"}};
    for (const auto &[provision, arg, timestamp] : queued) {
        const RawResponse r =
            post(id, QByteArray(),
                 QByteArray(R"({"name":"provisions","provisions":[[")") + provision + "\",\"" +
                     arg + R"("]],"timestamp":")" + timestamp + "\"}");
        QCOMPARE(r.status, 202);
        QString e;
        taskIds << docvalue::parseJson(r.body, &e).toMap().value(QStringLiteral("_id")).toString();
        QVERIFY(!taskIds.last().isEmpty());
    }
    m_clock->advance(10 * 1000); // 06:30:10
    const qsizetype before = m_fleet->engine().scriptLog().size();
    m_fleet->informNow(hw, SimulatedCpe::Periodic);
    QStringList ran;
    const QString prefix = id + QStringLiteral(": order ");
    for (const QString &line : m_fleet->engine().scriptLog().mid(before)) {
        if (line.startsWith(prefix))
            ran << line.mid(prefix.size());
    }
    QCOMPARE(ran, (QStringList{QStringLiteral("early"), QStringLiteral("late"),
                               QStringLiteral("preset")}));
    // The early task's fault is on task_<its id>; it stays queued, the late one is done, the
    // one not due yet waits.
    const QList<QVariantMap> f = faults(id);
    QCOMPARE(f.size(), 1);
    QCOMPARE(f.first().value(QStringLiteral("channel")).toString(),
             QStringLiteral("task_") + taskIds.at(1));
    QCOMPARE(f.first().value(QStringLiteral("code")).toString(), QStringLiteral("script.Error"));
    QCOMPARE(f.first().value(QStringLiteral("message")).toString(), QStringLiteral("lab early"));
    QVERIFY(m_store->tasks().find(taskIds.at(1)));
    QVERIFY(!m_store->tasks().find(taskIds.at(0)));
    QVERIFY(m_store->tasks().find(taskIds.at(2)));
}

void TestFleet::downloadResponseStatus0AppliedAtOnce()
{
    // The profile's downloadResponse; bad values are refused.
    QFile file(dataPath("profile-small.json"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QJsonObject json = QJsonDocument::fromJson(file.readAll()).object();
    QString error;
    for (const char *bad : {R"({"status":2})", R"({"faultCode":42})", R"("status0")",
                            R"({"status":0,"faultCode":9004})"}) {
        json.insert(QStringLiteral("downloadResponse"),
                    QJsonDocument::fromJson(QByteArray("[") + bad + "]").array().first());
        QVERIFY2(!FleetProfile::fromJson(QJsonDocument(json).toJson(), &error), bad);
        QVERIFY(error.contains(QLatin1String("downloadResponse")));
    }
    json.insert(QStringLiteral("downloadResponse"), QJsonObject{{QStringLiteral("status"), 0}});
    const auto profile = FleetProfile::fromJson(QJsonDocument(json).toJson(), &error);
    QVERIFY2(profile, qPrintable(error));
    QCOMPARE(int(profile->downloadResponse.kind), int(DownloadResponseProfile::Kind::Applied));
    makeLab(*profile, 10);

    const int hw = firstOf(QStringLiteral("huawei-bm632w"));
    const QString id = m_fleet->deviceId(hw);
    RawHttpClient c(m_nbi->port());
    QCOMPARE(c.request("PUT", "/files/fw-new-2.bin", "FWDLAB-FIRMWARE V200R001\n",
                       {{"fileType", "1 Firmware Upgrade Image"}})
                 .status,
             201);
    const RawResponse r = post(
        id, "?connection_request",
        R"({"name":"download","fileType":"1 Firmware Upgrade Image","fileName":"fw-new-2.bin","targetFileName":"target.img"})");
    QCOMPARE(r.status, 200);
    QCOMPARE(r.reason, QByteArray("OK"));
    // T068: applied at once: Last* (GenieACS's bug: LastFileName and LastTargetFileName hold the
    // FileType), LastDownload, StartTime and CompleteTime set in the session; no operation.
    const QVariantMap doc = deviceDoc(id, QStringLiteral("Downloads"));
    QCOMPARE(docvalue::getPath(doc, u"Downloads.1._object").toBool(), true);
    QCOMPARE(docvalue::getPath(doc, u"Downloads.1._writable").toBool(), true);
    const char *session = "2026-12-01T06:30:00.000Z";
    struct Field
    {
        const char *name;
        const char *value;
        bool writable;
        const char *type;
    };
    const Field fields[] = {{"FileType", "1 Firmware Upgrade Image", true, "xsd:string"},
                            {"FileName", "fw-new-2.bin", true, "xsd:string"},
                            {"TargetFileName", "target.img", true, "xsd:string"},
                            {"Download", session, true, "xsd:dateTime"},
                            {"LastFileType", "1 Firmware Upgrade Image", false, "xsd:string"},
                            {"LastFileName", "1 Firmware Upgrade Image", false, "xsd:string"},
                            {"LastTargetFileName", "1 Firmware Upgrade Image", false, "xsd:string"},
                            {"LastDownload", session, false, "xsd:dateTime"},
                            {"StartTime", session, false, "xsd:dateTime"},
                            {"CompleteTime", session, false, "xsd:dateTime"}};
    for (const Field &field : fields) {
        const QString fieldPath = QStringLiteral("Downloads.1.") + QLatin1String(field.name);
        const QVariantMap node = docvalue::getPath(doc, fieldPath).toMap();
        QVERIFY2(!node.isEmpty(), field.name);
        QCOMPARE(node.value(QStringLiteral("_value")).toString(), QLatin1String(field.value));
        QCOMPARE(node.value(QStringLiteral("_writable")).toBool(), field.writable);
        QCOMPARE(node.value(QStringLiteral("_type")).toString(), QLatin1String(field.type));
        QCOMPARE(node.value(QStringLiteral("_object")).toBool(), false);
    }
    // The same shape as GenieACS's own document (T068, with the same file and target names):
    // every field, its attributes, and every value but the times.
    const QVariantMap t068 =
        transcriptDocument("068-downloads-subtree-after-download-status-0.json")
            .value(QStringLiteral("Downloads"))
            .toMap()
            .value(QStringLiteral("1"))
            .toMap();
    QVERIFY(!t068.isEmpty());
    const QVariantMap ours = docvalue::getPath(doc, u"Downloads.1").toMap();
    QCOMPARE(ours.keys(), t068.keys());
    for (auto it = t068.cbegin(); it != t068.cend(); ++it) {
        if (it.key().startsWith(u'_'))
            continue;
        const QVariantMap theirs = it.value().toMap();
        const QVariantMap mine = ours.value(it.key()).toMap();
        QVERIFY2(mine.keys() == theirs.keys(), qPrintable(it.key()));
        for (const char *attribute : {"_object", "_writable", "_type"})
            QVERIFY2(mine.value(QLatin1String(attribute)) == theirs.value(QLatin1String(attribute)),
                     qPrintable(it.key() + u' ' + QLatin1String(attribute)));
        if (theirs.value(QStringLiteral("_type")).toString() != QLatin1String("xsd:dateTime"))
            QCOMPARE(mine.value(QStringLiteral("_value")).toString(),
                     theirs.value(QStringLiteral("_value")).toString());
    }
    QCOMPARE(c.request("HEAD", "/operations/").header("total"), QByteArray("0"));
    QCOMPARE(c.request("HEAD", "/tasks/").header("total"), QByteArray("0"));
    QVERIFY(faults(id).isEmpty());

    // The router still fetches the file, then applies it without a reboot or a TransferComplete:
    // its next periodic Inform carries the new version.
    QSignalSpy finished(m_fleet.get(), &Fleet::transferFinished);
    advanceAndProcess(5000);
    QVERIFY(finished.wait(10000));
    QCOMPARE(finished.first().at(1).toInt(), 0);
    QCOMPARE(m_fs->requestCount(), 1);
    QVERIFY(!m_fleet->cpe(hw).transfer);
    QCOMPARE(int(m_fleet->cpe(hw).state), int(SimulatedCpe::State::Idle));
    advanceAndProcess(400 * 1000);
    const QVariantMap after = deviceDoc(
        id, QStringLiteral("InternetGatewayDevice.DeviceInfo.SoftwareVersion._value,_lastBoot,"
                           "_lastInform,Downloads.1.LastDownload._value"));
    QCOMPARE(docvalue::getPath(after, u"InternetGatewayDevice.DeviceInfo.SoftwareVersion._value")
                 .toString(),
             QStringLiteral("V200R001"));
    QVERIFY(after.value(QStringLiteral("_lastInform")).toString() > QLatin1String(session));
    QCOMPARE(after.value(QStringLiteral("_lastBoot")).toString(), QLatin1String(session));
    QCOMPARE(docvalue::getPath(after, u"Downloads.1.LastDownload._value").toString(),
             QLatin1String(session));
    QCOMPARE(c.request("HEAD", "/operations/").header("total"), QByteArray("0"));
    QVERIFY(faults(id).isEmpty());
}

void TestFleet::downloadResponseFault()
{
    RawHttpClient c(m_nbi->port());
    QCOMPARE(c.request("PUT", "/files/fw-new-2.bin", "FWDLAB-FIRMWARE V200R001\n",
                       {{"fileType", "1 Firmware Upgrade Image"}})
                 .status,
             201);
    // T061: the router answers the Download RPC itself with a SOAP fault (switched per router):
    // the fault cwmp.<code> on the task's channel, and the task stays, faulted.
    const int hw = firstOf(QStringLiteral("huawei-bm632w"));
    const QString id = m_fleet->deviceId(hw);
    DownloadResponseProfile refuse;
    refuse.kind = DownloadResponseProfile::Kind::Fault;
    refuse.faultCode = QStringLiteral("9010");
    refuse.faultString = QStringLiteral("lab download refused");
    m_fleet->setDownloadResponse(hw, refuse);
    const QByteArray body =
        R"({"name":"download","fileType":"1 Firmware Upgrade Image","fileName":"fw-new-2.bin"})";
    RawResponse r = post(id, "?connection_request", body);
    QCOMPARE(r.status, 202);
    QCOMPARE(r.reason, QByteArray("Task faulted"));
    QString e;
    const QString taskId =
        docvalue::parseJson(r.body, &e).toMap().value(QStringLiteral("_id")).toString();
    QList<QVariantMap> f = faults(id);
    QCOMPARE(f.size(), 1);
    QCOMPARE(f.first().value(QStringLiteral("_id")).toString(),
             id + QStringLiteral(":task_") + taskId);
    QCOMPARE(f.first().value(QStringLiteral("device")).toString(), id);
    QCOMPARE(f.first().value(QStringLiteral("channel")).toString(),
             QStringLiteral("task_") + taskId);
    QCOMPARE(f.first().value(QStringLiteral("timestamp")).toString(),
             QStringLiteral("2026-12-01T06:30:00.000Z"));
    QCOMPARE(f.first().value(QStringLiteral("code")).toString(), QStringLiteral("cwmp.9010"));
    QCOMPARE(f.first().value(QStringLiteral("message")).toString(),
             QStringLiteral("lab download refused"));
    const QVariantMap detail = f.first().value(QStringLiteral("detail")).toMap();
    QCOMPARE(detail.value(QStringLiteral("faultCode")).toString(), QStringLiteral("9010"));
    QCOMPARE(detail.value(QStringLiteral("faultString")).toString(),
             QStringLiteral("lab download refused"));
    QVERIFY(detail.contains(QStringLiteral("setParameterValuesFault")));
    QVERIFY(docvalue::kind(detail.value(QStringLiteral("setParameterValuesFault"))) ==
            docvalue::Kind::Null);
    QCOMPARE(f.first().value(QStringLiteral("retries")).toInt(), 0);
    QCOMPARE(f.first().value(QStringLiteral("provisions")).toString(),
             QStringLiteral("[[\"download\",\"1 Firmware Upgrade Image\",\"fw-new-2.bin\",\"\"]]"));
    // GenieACS's own fault document (T061, same file, code and string): the same fields, the
    // same values but for the device and the time.
    const QVariantMap t061 = transcriptDocument("061-fault-download-response-soap-fault.json");
    QVERIFY(!t061.isEmpty());
    QCOMPARE(f.first().keys(), t061.keys());
    for (const char *field : {"code", "message", "retries", "provisions"})
        QVERIFY2(f.first().value(QLatin1String(field)) == t061.value(QLatin1String(field)), field);
    const QVariantMap t061Detail = t061.value(QStringLiteral("detail")).toMap();
    QCOMPARE(detail.keys(), t061Detail.keys());
    for (auto it = t061Detail.cbegin(); it != t061Detail.cend(); ++it)
        QVERIFY2(docvalue::kind(detail.value(it.key())) == docvalue::kind(it.value()) &&
                     detail.value(it.key()).toString() == it.value().toString(),
                 qPrintable(it.key()));
    QCOMPARE(c.request("HEAD", "/tasks/").header("total"), QByteArray("1"));
    QCOMPARE(c.request("HEAD", "/operations/").header("total"), QByteArray("0"));
    QVERIFY(!m_fleet->cpe(hw).transfer);
    // After RETRY_DELAY the task runs again; the router now takes it (Status 1).
    m_fleet->setDownloadResponse(hw, DownloadResponseProfile());
    m_clock->advance(301 * 1000);
    m_fleet->informNow(hw, SimulatedCpe::Periodic);
    QCOMPARE(c.request("HEAD", "/tasks/").header("total"), QByteArray("0"));
    QCOMPARE(c.request("HEAD", "/operations/").header("total"), QByteArray("1"));
    QVERIFY(faults(id).isEmpty());
    QVERIFY(m_fleet->cpe(hw).transfer);

    // A router busy with a transfer answers a second Download with 9004 (GENIEACS.md §8.7):
    // two download tasks in one session, the second faults on its own channel.
    const int mt = firstOf(QStringLiteral("mikrotik-hap-ac-lite"));
    const QString mtId = m_fleet->deviceId(mt);
    QStringList ids;
    for (const char *name : {"fw-new-2.bin", "fw-other.bin"}) {
        r = post(
            mtId, QByteArray(),
            QByteArray(R"({"name":"download","fileType":"1 Firmware Upgrade Image","fileName":")") +
                name + "\"}");
        QCOMPARE(r.status, 202);
        ids << docvalue::parseJson(r.body, &e).toMap().value(QStringLiteral("_id")).toString();
    }
    QCOMPARE(post(mtId, "?connection_request", QByteArray()).status, 200);
    QTRY_COMPARE(faults(mtId).size(), 1);
    f = faults(mtId);
    QCOMPARE(f.first().value(QStringLiteral("channel")).toString(),
             QStringLiteral("task_") + ids.at(1));
    QCOMPARE(f.first().value(QStringLiteral("code")).toString(), QStringLiteral("cwmp.9004"));
    QCOMPARE(f.first().value(QStringLiteral("message")).toString(),
             QStringLiteral("Resources exceeded"));
    QVERIFY(!m_store->tasks().find(ids.at(0)));
    QVERIFY(m_store->tasks().find(ids.at(1)));
    QCOMPARE(m_fleet->cpe(mt).transfer->url, m_fs->urlPrefix() + QStringLiteral("fw-new-2.bin"));
}

void TestFleet::periodicInformsSpreadWithinTheJitter()
{
    // Issue #3: periodic informs with jitter. 200 routers, interval 300 s, jitter 0.1: the first
    // informs after registration spread over one interval, and each later one comes 270-330 s
    // after the router's previous one, spread over that whole window (not all at 300 s).
    QFile file(dataPath("profile-small.json"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QString error;
    auto profile = FleetProfile::fromJson(file.readAll(), &error);
    QVERIFY2(profile, qPrintable(error));
    QCOMPARE(profile->periodicInformIntervalSeconds, 300);
    QCOMPARE(profile->informJitter, 0.1);
    makeLab(*profile, 200);
    const qint64 t0 = m_clock->nowMs();
    QHash<QString, QList<qint64>> informs;
    QObject context; // the connection goes with it
    connect(m_fleet.get(), &Fleet::sessionFinished, &context,
            [&](const QString &id) { informs[id].append(m_clock->nowMs() - t0); });
    const qint64 stepMs = 250;
    for (qint64 t = 0; t < 1000 * 1000; t += stepMs)
        advanceAndProcess(stepMs);
    QCOMPARE(informs.size(), 200);
    std::array<int, 10> firstBins{}; // the first informs, per 30 s of the interval
    std::array<int, 6> gapBins{};    // the gaps, per 10 s of 270-330 s
    int gaps = 0;
    for (auto it = informs.cbegin(); it != informs.cend(); ++it) {
        const QList<qint64> &times = it.value();
        QVERIFY2(times.size() >= 3, qPrintable(it.key()));
        QVERIFY(times.first() > 0 && times.first() <= 300 * 1000);
        ++firstBins.at(size_t(std::min<qint64>(9, (times.first() - 1) / 30000)));
        for (qsizetype i = 1; i < times.size(); ++i) {
            const qint64 gap = times.at(i) - times.at(i - 1);
            QVERIFY2(gap >= 270 * 1000 && gap <= 330 * 1000 + stepMs,
                     qPrintable(QStringLiteral("%1: %2 ms").arg(it.key()).arg(gap)));
            ++gapBins.at(size_t(std::clamp<qint64>((gap - 270 * 1000) / 10000, 0, 5)));
            ++gaps;
        }
    }
    QVERIFY(gaps >= 400);
    for (size_t i = 0; i < firstBins.size(); ++i)
        QVERIFY2(firstBins.at(i) > 0, qPrintable(QStringLiteral("first informs, bin %1").arg(i)));
    for (size_t i = 0; i < gapBins.size(); ++i)
        QVERIFY2(gapBins.at(i) > gaps / 20, qPrintable(QStringLiteral("gaps %1-%2 s: %3 of %4")
                                                           .arg(270 + 10 * i)
                                                           .arg(280 + 10 * i)
                                                           .arg(gapBins.at(i))
                                                           .arg(gaps)));
}

QTEST_GUILESS_MAIN(TestFleet)
#include "tst_fleet.moc"
