#include "core/clock.h"
#include "firmware/npkinfo.h"
#include "firmware/npkwriter.h"
#include "firmware/upgradedescriptor.h"
#include "lab/cronschedule.h"
#include "lab/docvalue.h"
#include "lab/expression.h"
#include "lab/fleet.h"
#include "lab/labfileserver.h"
#include "lab/labstore.h"
#include "lab/nbiserver.h"
#include "labscripts.h"
#include "rawhttp.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace fwd::lab;
using fwd::lab::test::RawHttpClient;
using fwd::lab::test::RawResponse;

namespace {

qint64 at(const char *iso)
{
    return docvalue::parseJsDate(QLatin1String(iso))->toMSecsSinceEpoch();
}

QByteArray enc(const QString &s)
{
    return s.toUtf8().toPercentEncoding();
}

// GENIEACS.md §6 "To trigger once", for MikroTik's TR-181 model and its descriptor.
const char *kOnceScript = R"JS(
const sw = declare("Device.DeviceInfo.SoftwareVersion", {value: 1});
log("version " + sw.value[0] + " wanted " + args[1]);
if (sw.size && sw.value[0] !== args[1]) {
  const d = "Downloads.[FileType:1 Firmware Upgrade Image]";
  declare(d, {path: 1}, {path: 1});
  declare(d + ".FileName", {value: 1}, {value: args[0]});
  declare(d + ".Download", {value: 1}, {value: Date.parse("2024-06-01T00:00:00Z")});
}
)JS";

} // namespace

// Presets (events, the 1.2 precondition language, "<seconds> <cron>" schedules in UTC with the
// five-field quirk, channels and weights) and provisions run in QJSEngine (declare, args, log,
// Date.now() = session time, the Downloads tree), GENIEACS.md §6 and N3, N7.
class TestPresets final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cron_data();
    void cron();
    void precondition_data();
    void precondition();
    void init();
    void cleanup();
    void presetEvents_data();
    void presetEvents();
    void presetSchedule_data();
    void presetSchedule();
    void provisionTaskSeesTagsArgsAndSessionTime();
    void scriptErrorFaultsPresetChannelOnly();
    void presetsRunByWeightThenName();
    void presetsOfAllChannelsRunInOnePass();
    void sameProvisionOfTwoPresetsRunsOnce();
    void terminatedSessionFaultsEveryChannelOfTheBatch();
    void onceOnlyDownloadProvision();
    void presetWithoutConfigurationsBreaksSessions();
    void sessionRpcLimit();
    void twoTasksInOneSessionEachHaveTheirOwnRpcs();
    void taskOverTheRpcLimitFaultsItsChannel_data();
    void taskOverTheRpcLimitFaultsItsChannel();
    void tooManyCyclesAfter255Cycles();
    void virtualParameters();
    void endlessScriptTimesOut();
    void dateNowIntervalCronAndVariance_data();
    void dateNowIntervalCronAndVariance();
    void dateNowBadArguments_data();
    void dateNowBadArguments();
    void extensionsRunAndAreCachedPerSession();
    void extensionFaults_data();
    void extensionFaults();

private:
    void putPreset(const QByteArray &name, const QByteArray &json);
    RawResponse cr(const QString &deviceId, const QByteArray &body = {});
    QStringList tags(const QString &deviceId);

    std::unique_ptr<fwd::ManualClock> m_clock;
    std::unique_ptr<LabStore> m_store;
    std::unique_ptr<NbiServer> m_nbi;
    std::unique_ptr<LabFileServer> m_fs;
    std::unique_ptr<Fleet> m_fleet;
    QString m_mt; // a MikroTik router's id
    int m_mtIndex = -1;
};

void TestPresets::cron_data()
{
    QTest::addColumn<QString>("schedule");
    QTest::addColumn<QString>("now");
    QTest::addColumn<bool>("active");
    QTest::newRow("6 fields, inside")
        << QStringLiteral("3600 0 0 2 * * *") << QStringLiteral("2026-12-01T02:30:00Z") << true;
    QTest::newRow("6 fields, start second")
        << QStringLiteral("3600 0 0 2 * * *") << QStringLiteral("2026-12-01T02:00:00Z") << true;
    QTest::newRow("6 fields, after the hour")
        << QStringLiteral("3600 0 0 2 * * *") << QStringLiteral("2026-12-01T03:00:30Z") << false;
    QTest::newRow("6 fields, before")
        << QStringLiteral("3600 0 0 2 * * *") << QStringLiteral("2026-12-01T01:59:59Z") << false;
    QTest::newRow("N7 5 fields: window starts at 02:00:59")
        << QStringLiteral("3600 0 2 * * *") << QStringLiteral("2026-12-01T03:00:30Z") << true;
    QTest::newRow("N7 5 fields: ends at 03:00:59")
        << QStringLiteral("3600 0 2 * * *") << QStringLiteral("2026-12-01T03:01:00Z") << false;
    QTest::newRow("hour list, weekdays, Tuesday") << QStringLiteral("3600 0 0 2,3,4 * * 1-5")
                                                  << QStringLiteral("2026-12-01T04:59:00Z") << true;
    QTest::newRow("hour list, weekdays, Sunday") << QStringLiteral("3600 0 0 2,3,4 * * 1-5")
                                                 << QStringLiteral("2026-12-06T03:00:00Z") << false;
    QTest::newRow("UTC, not local time (T078)")
        << QStringLiteral("3600 0 0 6 * * *") << QStringLiteral("2026-12-01T06:45:00Z") << true;
    QTest::newRow("invalid cron: the window is ignored")
        << QStringLiteral("3600 0 0 25 * * *") << QStringLiteral("2026-12-01T12:00:00Z") << true;
    QTest::newRow("step minutes") << QStringLiteral("60 0 */15 * * * *")
                                  << QStringLiteral("2026-12-01T10:45:30Z") << true;
    QTest::newRow("step minutes, outside")
        << QStringLiteral("60 0 */15 * * * *") << QStringLiteral("2026-12-01T10:46:30Z") << false;
    QTest::newRow("Sunday as 7") << QStringLiteral("86400 0 0 0 * * 7")
                                 << QStringLiteral("2026-12-06T12:00:00Z") << true;
}

void TestPresets::cron()
{
    QFETCH(QString, schedule);
    QFETCH(QString, now);
    QFETCH(bool, active);
    QCOMPARE(
        PresetSchedule::parse(schedule).isActive(docvalue::parseJsDate(now)->toMSecsSinceEpoch()),
        active);
}

void TestPresets::precondition_data()
{
    QTest::addColumn<QString>("expression");
    QTest::addColumn<bool>("holds");
    QTest::newRow("tag present") << QStringLiteral("Tags.wave1 IS NOT NULL") << true;
    QTest::newRow("tag absent") << QStringLiteral("Tags.done IS NOT NULL") << false;
    QTest::newRow("tag IS NULL") << QStringLiteral("Tags.done IS NULL") << true;
    QTest::newRow("product class")
        << QStringLiteral("DeviceID.ProductClass = \"hAP ac lite\"") << true;
    QTest::newRow("doc example")
        << QStringLiteral("DeviceID.ProductClass = \"HG8245\" AND Tags.wave1 IS NOT NULL") << false;
    QTest::newRow("version <>") << QStringLiteral("Device.DeviceInfo.SoftwareVersion <> '7.13'")
                                << true;
    QTest::newRow("LIKE") << QStringLiteral("Device.DeviceInfo.SoftwareVersion LIKE \"6.%\"")
                          << true;
    QTest::newRow("NOT LIKE") << QStringLiteral(
                                     "Device.DeviceInfo.SoftwareVersion NOT LIKE \"6.4_.18\"")
                              << false;
    QTest::newRow("null makes AND null")
        << QStringLiteral("Tags.wave1 AND Device.Nope = 1") << false;
    QTest::newRow("OR with null") << QStringLiteral("Device.Nope = 1 OR Tags.wave1") << true;
    QTest::newRow("NOT null is null") << QStringLiteral("NOT Device.Nope = 1") << false;
    QTest::newRow("NOW() arithmetic") << QStringLiteral("Events.Inform > NOW() - 600000") << true;
    QTest::newRow("number from a string")
        << QStringLiteral("Device.ManagementServer.PeriodicInformInterval >= 300") << true;
    QTest::newRow("parentheses and OR")
        << QStringLiteral("(DeviceID.OUI = \"E48D8C\" OR DeviceID.OUI = \"x\") AND NOT Tags.done")
        << false;
    QTest::newRow("UPPER") << QStringLiteral("UPPER(DeviceID.ProductClass) = \"HAP AC LITE\"")
                           << true;
}

void TestPresets::precondition()
{
    QFETCH(QString, expression);
    QFETCH(bool, holds);
    QString error;
    const auto x = Expression::parse(expression, &error);
    QVERIFY2(x.has_value(), qPrintable(error));
    const qint64 now = at("2026-12-01T06:30:00Z");
    const auto resolve = [&](const QString &name) -> QVariant {
        if (name == QLatin1String("Tags.wave1"))
            return true;
        if (name == QLatin1String("DeviceID.ProductClass"))
            return QStringLiteral("hAP ac lite");
        if (name == QLatin1String("DeviceID.OUI"))
            return QStringLiteral("E48D8C");
        if (name == QLatin1String("Device.DeviceInfo.SoftwareVersion"))
            return QStringLiteral("6.49.18");
        if (name == QLatin1String("Device.ManagementServer.PeriodicInformInterval"))
            return QStringLiteral("300");
        if (name == QLatin1String("Events.Inform"))
            return double(now - 1000);
        return {};
    };
    QCOMPARE(x->holds(resolve, now), holds);
    QVERIFY(!Expression::parse(QStringLiteral("Tags.x IS"), &error).has_value());
    QVERIFY(!Expression::parse(QStringLiteral("(a = 1"), &error).has_value());
}

void TestPresets::init()
{
    m_clock =
        std::make_unique<fwd::ManualClock>(QDateTime(QDate(2026, 12, 1), QTime(6, 30), Qt::UTC));
    m_store = std::make_unique<LabStore>(*m_clock);
    NbiServer::Options o;
    o.sessionPollMs = 20;
    o.deviceOnlineThresholdMs = 300;
    m_nbi = std::make_unique<NbiServer>(*m_store, o);
    QVERIFY(m_nbi->listen());
    m_fs = std::make_unique<LabFileServer>(*m_store);
    QVERIFY(m_fs->listen());
    QString error;
    QFile f(QString::fromLocal8Bit(qgetenv("FWD_TEST_DATA")) +
            QStringLiteral("/profile-small.json"));
    QVERIFY(f.open(QIODevice::ReadOnly));
    Fleet::Options fo;
    fo.devices = 6;
    fo.seed = 7;
    fo.tickMs = 3600 * 1000;
    fo.engine.fsUrlPrefix = m_fs->urlPrefix();
    m_fleet = std::make_unique<Fleet>(*m_store, *m_clock,
                                      *FleetProfile::fromJson(f.readAll(), &error), fo);
    m_nbi->setConnectionRequester(m_fleet.get());
    m_fleet->start();
    for (int i = 0; i < m_fleet->size(); ++i) {
        if (m_fleet->profile().vendors.at(m_fleet->cpe(i).vendor).mikrotik) {
            m_mtIndex = i;
            m_mt = m_fleet->deviceId(i);
            break;
        }
    }
    QVERIFY(m_mtIndex >= 0);
}

void TestPresets::cleanup()
{
    m_nbi.reset();
    m_fleet.reset();
    m_fs.reset();
    m_store.reset();
}

void TestPresets::putPreset(const QByteArray &name, const QByteArray &json)
{
    RawHttpClient c(m_nbi->port());
    QCOMPARE(c.request("PUT", "/presets/" + name, json).status, 200);
}

RawResponse TestPresets::cr(const QString &deviceId, const QByteArray &body)
{
    RawHttpClient c(m_nbi->port());
    return c.request("POST", "/devices/" + enc(deviceId) + "/tasks?connection_request", body);
}

QStringList TestPresets::tags(const QString &deviceId)
{
    return m_store->device(deviceId)->tags;
}

void TestPresets::presetEvents_data()
{
    QTest::addColumn<QByteArray>("events");
    QTest::addColumn<quint16>("sessionEvents");
    QTest::addColumn<bool>("fires");
    QTest::newRow("empty = any session")
        << QByteArray("{}") << quint16(SimulatedCpe::Periodic) << true;
    QTest::newRow("T077 CR true, PERIODIC false, on CR")
        << QByteArray(R"({"6 CONNECTION REQUEST":true,"2 PERIODIC":false})")
        << quint16(SimulatedCpe::ConnectionRequest) << true;
    QTest::newRow("T077 on periodic")
        << QByteArray(R"({"6 CONNECTION REQUEST":true,"2 PERIODIC":false})")
        << quint16(SimulatedCpe::Periodic) << false;
    QTest::newRow("1 BOOT on boot")
        << QByteArray(R"({"1 BOOT":true})") << quint16(SimulatedCpe::Boot) << true;
    QTest::newRow("1 BOOT on periodic")
        << QByteArray(R"({"1 BOOT":true})") << quint16(SimulatedCpe::Periodic) << false;
    QTest::newRow("both must hold") << QByteArray(R"({"1 BOOT":true,"M Download":true})")
                                    << quint16(SimulatedCpe::Boot) << false;
    QTest::newRow("absent event required")
        << QByteArray(R"({"0 BOOTSTRAP":false})") << quint16(SimulatedCpe::Boot) << true;
    QTest::newRow("UI-style string events never match")
        << QByteArray(R"("2 PERIODIC")") << quint16(SimulatedCpe::Periodic) << false;
}

void TestPresets::presetEvents()
{
    QFETCH(QByteArray, events);
    QFETCH(quint16, sessionEvents);
    QFETCH(bool, fires);
    putPreset("ev",
              R"({"weight":0,"channel":"lab","events":)" + events +
                  R"(,"precondition":"","configurations":[{"type":"add_tag","tag":"fired"}]})");
    m_fleet->informNow(m_mtIndex, sessionEvents);
    QCOMPARE(tags(m_mt).contains(QStringLiteral("fired")), fires);
}

void TestPresets::presetSchedule_data()
{
    QTest::addColumn<QByteArray>("schedule");
    QTest::addColumn<bool>("fires");
    QTest::newRow("T078 window open (06:00 UTC + 3600 s)")
        << QByteArray("3600 0 0 6 * * *") << true;
    QTest::newRow("window three hours earlier") << QByteArray("3600 0 0 3 * * *") << false;
    QTest::newRow("N7 five fields 0 6 * * *: 06:00:59 + 3600")
        << QByteArray("3600 0 6 * * *") << true;
}

void TestPresets::presetSchedule()
{
    QFETCH(QByteArray, schedule);
    QFETCH(bool, fires);
    putPreset(
        "lab-sched",
        R"({"weight":10,"channel":"lab-sched","events":{},"precondition":"DeviceID.SerialNumber = \")" +
            m_fleet->cpe(m_mtIndex).serial.toUtf8() + R"(\"","schedule":")" + schedule +
            R"(","configurations":[{"type":"add_tag","tag":"sched_on"}]})");
    m_fleet->informNow(m_mtIndex, SimulatedCpe::Periodic);
    QCOMPARE(tags(m_mt).contains(QStringLiteral("sched_on")), fires);
    // Another router does not match the precondition.
    const int other = m_mtIndex == 0 ? 1 : 0;
    m_fleet->informNow(other, SimulatedCpe::Periodic);
    QVERIFY(!tags(m_fleet->deviceId(other)).contains(QStringLiteral("sched_on")));
}

void TestPresets::provisionTaskSeesTagsArgsAndSessionTime()
{
    RawHttpClient c(m_nbi->port());
    const QByteArray script =
        "const t = declare(\"Tags.wave1\", {value: 1});\n"
        "const v = t.size ? t.value[0] : \"absent\";\n"
        "declare(\"Tags.seen_wave1_\" + (typeof v) + \"_\" + String(v), null, {value: true});\n"
        "if (args.length) declare(\"Tags.arg_\" + String(args[0]), null, {value: true});\n"
        "log(\"lab-tagcheck: Tags.wave1 = \" + JSON.stringify(v) + \" args=\" + "
        "JSON.stringify(args) + \" Date.now()=\" + new "
        "Date(Date.now()).toISOString());\n";
    QCOMPARE(c.request("PUT", "/provisions/lab-tagcheck", script).status, 200); // T074
    QCOMPARE(c.request("POST", "/devices/" + enc(m_mt) + "/tags/wave1").status, 200);
    m_clock->advance(12345);
    const RawResponse r =
        cr(m_mt, R"({"name":"provisions","provisions":[["lab-tagcheck","hello"]]})"); // T020
    QCOMPARE(r.status, 200);
    QVERIFY(tags(m_mt).contains(QStringLiteral("seen_wave1_boolean_true")));
    QVERIFY(tags(m_mt).contains(QStringLiteral("arg_hello")));
    QVERIFY(m_fleet->engine().scriptLog().last().contains(
        QLatin1String("Tags.wave1 = true args=[\"hello\"] Date.now()=2026-12-01T06:30:12.345Z")));
}

void TestPresets::scriptErrorFaultsPresetChannelOnly()
{
    RawHttpClient c(m_nbi->port());
    QCOMPARE(c.request("PUT", "/provisions/lab-throw", "throw new Error(\"lab boom\");").status,
             200);
    putPreset(
        "a-throw",
        R"({"weight":0,"channel":"fw-upgrade","events":{},"configurations":[{"type":"provision","name":"lab-throw"}]})");
    putPreset(
        "b-same",
        R"({"weight":1,"channel":"fw-upgrade","events":{},"configurations":[{"type":"add_tag","tag":"same_channel"}]})");
    putPreset(
        "c-other",
        R"({"weight":2,"channel":"other","events":{},"configurations":[{"type":"add_tag","tag":"other_channel"}]})");
    m_fleet->informNow(m_mtIndex, SimulatedCpe::Periodic);
    // T063: script.Error on the preset's channel, detail {name, message, stack}.
    const QVariantMap *f = m_store->faults().find(m_mt + QStringLiteral(":fw-upgrade"));
    QVERIFY(f);
    QCOMPARE(f->value(QStringLiteral("code")).toString(), QStringLiteral("script.Error"));
    QCOMPARE(f->value(QStringLiteral("message")).toString(), QStringLiteral("lab boom"));
    QCOMPARE(f->value(QStringLiteral("detail")).toMap().value(QStringLiteral("name")).toString(),
             QStringLiteral("Error"));
    QVERIFY(f->value(QStringLiteral("detail")).toMap().contains(QStringLiteral("stack")));
    QVERIFY(tags(m_mt).contains(QStringLiteral("other_channel")));
    // Next session, before the retry is due: the faulted channel's presets do not run (4.4).
    m_clock->advance(60 * 1000);
    m_fleet->informNow(m_mtIndex, SimulatedCpe::Periodic);
    QVERIFY(!tags(m_mt).contains(QStringLiteral("same_channel")));
    // After RETRY_DELAY the channel runs again and faults again with retries 1.
    m_clock->advance(300 * 1000);
    m_fleet->informNow(m_mtIndex, SimulatedCpe::Periodic);
    QCOMPARE(m_store->faults()
                 .find(m_mt + QStringLiteral(":fw-upgrade"))
                 ->value(QStringLiteral("retries"))
                 .toInt(),
             1);
    // DELETE /faults lifts the block.
    QCOMPARE(c.request("DELETE", "/presets/a-throw").status, 200);
    QCOMPARE(c.request("DELETE", "/faults/" + enc(m_mt) + ":fw-upgrade").status, 200);
    m_fleet->informNow(m_mtIndex, SimulatedCpe::Periodic);
    QVERIFY(tags(m_mt).contains(QStringLiteral("same_channel")));
}

void TestPresets::presetsRunByWeightThenName()
{
    // GENIEACS.md §6: presets apply by weight, then by name. The weights are the reverse of the
    // names' order, order-b and order-c tie, and they are PUT in none of these orders (the lab
    // keeps presets in insertion order, as MongoDB does).
    RawHttpClient c(m_nbi->port());
    QCOMPARE(c.request("PUT", "/provisions/lab-order", "log(\"order \" + args[0]);").status, 200);
    const QList<QPair<QByteArray, int>> presets = {
        {"order-c", 10}, {"order-a", 30}, {"order-d", -5}, {"order-b", 10}};
    for (const auto &[name, weight] : presets)
        putPreset(
            name,
            R"({"weight":)" + QByteArray::number(weight) +
                R"(,"events":{},"configurations":[{"type":"provision","name":"lab-order","args":[")" +
                name + R"("]}]})");
    const qsizetype before = m_fleet->engine().scriptLog().size();
    m_fleet->informNow(m_mtIndex, SimulatedCpe::Periodic);
    QStringList ran;
    const QString prefix = m_mt + QStringLiteral(": order ");
    for (const QString &line : m_fleet->engine().scriptLog().mid(before)) {
        if (line.startsWith(prefix))
            ran << line.mid(prefix.size());
    }
    QCOMPARE(ran, (QStringList{QStringLiteral("order-d"), QStringLiteral("order-b"),
                               QStringLiteral("order-c"), QStringLiteral("order-a")}));
}

void TestPresets::presetsOfAllChannelsRunInOnePass()
{
    // lib/cwmp.ts applyPresets(): the provisions of every matching preset go into one list, in
    // weight order (session.addProvisions() per preset, whatever its channel), and run together;
    // the channel only says where a fault goes. So a (x), b (y), c (x) run a, b, c, not a, c, b.
    // A fault on channel y stops y's later provisions (d) but not x's (c), and lands on y only.
    RawHttpClient c(m_nbi->port());
    QCOMPARE(c.request("PUT", "/provisions/lab-pass",
                       "log(\"pass \" + args[0]);\n"
                       "if (args[0] === \"b\") throw new Error(\"lab b\");")
                 .status,
             200);
    const QList<std::tuple<QByteArray, int, QByteArray>> presets = {
        {"pass-d", 3, "y"}, {"pass-c", 2, "x"}, {"pass-b", 1, "y"}, {"pass-a", 0, "x"}};
    for (const auto &[name, weight, channel] : presets)
        putPreset(
            name,
            R"({"weight":)" + QByteArray::number(weight) + R"(,"channel":")" + channel +
                R"(","events":{},"configurations":[{"type":"provision","name":"lab-pass","args":[")" +
                name.mid(5) + R"("]}]})");
    const qsizetype before = m_fleet->engine().scriptLog().size();
    m_fleet->informNow(m_mtIndex, SimulatedCpe::Periodic);
    QStringList ran;
    const QString prefix = m_mt + QStringLiteral(": pass ");
    for (const QString &line : m_fleet->engine().scriptLog().mid(before)) {
        if (line.startsWith(prefix))
            ran << line.mid(prefix.size());
    }
    QCOMPARE(ran, (QStringList{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")}));
    const QVariantMap *f = m_store->faults().find(m_mt + QStringLiteral(":y"));
    QVERIFY(f);
    QCOMPARE(f->value(QStringLiteral("code")).toString(), QStringLiteral("script.Error"));
    QCOMPARE(f->value(QStringLiteral("provisions")).toString(),
             QStringLiteral(R"([["lab-pass","b"],["lab-pass","d"]])"));
    QVERIFY(!m_store->faults().find(m_mt + QStringLiteral(":x")));
}

void TestPresets::sameProvisionOfTwoPresetsRunsOnce()
{
    // lib/session.ts addProvisions(): a provision equal (JSON.stringify) to one already in the
    // list is removed there and appended again, for both channels. a (x) and c (y) name the same
    // provision and arguments, b (y) another: the list is b, a/c.
    RawHttpClient c(m_nbi->port());
    QCOMPARE(c.request("PUT", "/provisions/lab-once", "log(\"once \" + args[0]);").status, 200);
    const QList<std::tuple<QByteArray, int, QByteArray, QByteArray>> presets = {
        {"once-a", 0, "x", "same"}, {"once-b", 1, "y", "other"}, {"once-c", 2, "y", "same"}};
    for (const auto &[name, weight, channel, arg] : presets)
        putPreset(
            name,
            R"({"weight":)" + QByteArray::number(weight) + R"(,"channel":")" + channel +
                R"(","events":{},"configurations":[{"type":"provision","name":"lab-once","args":[")" +
                arg + R"("]}]})");
    const qsizetype before = m_fleet->engine().scriptLog().size();
    m_fleet->informNow(m_mtIndex, SimulatedCpe::Periodic);
    QStringList ran;
    const QString prefix = m_mt + QStringLiteral(": once ");
    for (const QString &line : m_fleet->engine().scriptLog().mid(before)) {
        if (line.startsWith(prefix))
            ran << line.mid(prefix.size());
    }
    QCOMPARE(ran, (QStringList{QStringLiteral("other"), QStringLiteral("same")}));
}

void TestPresets::terminatedSessionFaultsEveryChannelOfTheBatch()
{
    // lib/cwmp.ts endSession(): when the connection goes at MAX_SESSION_DURATION, recordFault()
    // puts session_terminated on every channel of the running batch (sessionContext.channels),
    // each with its own provisions, also on a channel whose provisions already ran.
    RawHttpClient c(m_nbi->port());
    QCOMPARE(c.request("PUT", "/provisions/lab-slow", rpcLoopScript()).status, 200);
    putPreset(
        "slow-a",
        R"({"weight":0,"channel":"early","events":{},"configurations":[{"type":"add_tag","tag":"early_ran"}]})");
    putPreset(
        "slow-b",
        R"({"weight":1,"channel":"slow","events":{},"configurations":[{"type":"provision","name":"lab-slow","args":[200]}]})");
    CwmpEngine::Config config = m_fleet->engine().config();
    config.roundTripMs = 2000; // 149 RPCs fit in 300 s
    m_fleet->engine().setConfig(config);
    m_fleet->informNow(m_mtIndex, SimulatedCpe::Periodic);
    QVERIFY(tags(m_mt).contains(QStringLiteral("early_ran")));
    const QVariantMap *slow = m_store->faults().find(m_mt + QStringLiteral(":slow"));
    QVERIFY(slow);
    QCOMPARE(slow->value(QStringLiteral("code")).toString(), QStringLiteral("session_terminated"));
    QCOMPARE(slow->value(QStringLiteral("provisions")).toString(),
             QStringLiteral(R"([["lab-slow",200]])"));
    const QVariantMap *early = m_store->faults().find(m_mt + QStringLiteral(":early"));
    QVERIFY(early);
    QCOMPARE(early->value(QStringLiteral("code")).toString(), QStringLiteral("session_terminated"));
    QCOMPARE(early->value(QStringLiteral("provisions")).toString(),
             QStringLiteral(R"([["tag","early_ran",true]])"));
}

void TestPresets::onceOnlyDownloadProvision()
{
    RawHttpClient c(m_nbi->port());
    const QString arch = m_fleet->profile()
                             .vendors.at(m_fleet->cpe(m_mtIndex).vendor)
                             .architectures.at(m_fleet->cpe(m_mtIndex).arch);
    QStringList links;
    for (const char *pkg : {"system", "tr069-client"}) {
        fwd::firmware::NpkPackageSpec spec;
        spec.name = QLatin1String(pkg);
        spec.version = *fwd::firmware::RouterOsVersion::fromString(QStringLiteral("7.16"));
        spec.npkArchitecture = fwd::firmware::npkArchitectureFromRouterOs(arch);
        spec.dependsOnSystem = spec.name != QLatin1String("system");
        const QString name = spec.name + QStringLiteral("-7.16-") + arch + QStringLiteral(".npk");
        QCOMPARE(
            c.request("PUT", "/files/" + enc(name), fwd::firmware::NpkWriter::build(spec)).status,
            201);
        links << m_fs->urlPrefix() + name;
    }
    fwd::firmware::UpgradeDescriptor d;
    for (const QString &l : std::as_const(links))
        d.links << QUrl(l);
    QCOMPARE(c.request("PUT", "/files/upgrade.xml", d.toXml(),
                       {{"fileType", "1 Firmware Upgrade Image"}})
                 .status,
             201);
    QCOMPARE(c.request("PUT", "/provisions/fw-once", kOnceScript).status, 200);
    putPreset(
        "fw-once",
        R"({"weight":0,"channel":"fw","events":{},"precondition":"Tags.wave1 IS NOT NULL",)"
        R"("configurations":[{"type":"provision","name":"fw-once","args":["upgrade.xml","7.16"]}]})");
    QCOMPARE(c.request("POST", "/devices/" + enc(m_mt) + "/tags/wave1").status, 200);

    QSignalSpy finished(m_fleet.get(), &Fleet::transferFinished);
    m_fleet->informNow(m_mtIndex, SimulatedCpe::Periodic);
    QCOMPARE(m_store->operations().size(), 1); // one Download RPC
    // Another session before the transfer: the declaration is satisfied (Download = session time).
    m_clock->advance(1000);
    m_fleet->informNow(m_mtIndex, SimulatedCpe::ConnectionRequest);
    QCOMPARE(m_store->operations().size(), 1);
    m_clock->advance(5000);
    m_fleet->processDue();
    QVERIFY(finished.wait(10000));
    QCOMPARE(finished.first().at(1).toInt(), 0);
    m_clock->advance(60 * 1000);
    m_fleet->processDue(); // reboot: 1 BOOT, M Download, 7 TRANSFER COMPLETE, version 7.16
    QCOMPARE(m_fleet->cpe(m_mtIndex).version, QStringLiteral("7.16"));
    QCOMPARE(m_store->operations().size(), 0);
    // From now on the version gate holds: no further Download, ever.
    for (int i = 0; i < 3; ++i) {
        m_clock->advance(3600 * 1000);
        m_fleet->informNow(m_mtIndex, SimulatedCpe::Periodic);
    }
    QCOMPARE(m_store->operations().size(), 0);
    QCOMPARE(finished.size(), 1);
    QVERIFY(m_store->faults().size() == 0);
    const QStringList log = m_fleet->engine().scriptLog();
    QVERIFY(log.last().endsWith(QLatin1String("version 7.16 wanted 7.16")));
}

void TestPresets::presetWithoutConfigurationsBreaksSessions()
{
    // T081 + N3: stored with 200, then every CWMP session dies; the NBI's task + CR answers 202.
    putPreset(
        "lab-uiformat",
        R"({"weight":0,"channel":"default","events":"6 CONNECTION REQUEST","precondition":"","provision":"x","provisionArgs":"\"x\""})");
    const RawResponse r =
        cr(m_mt, R"({"name":"getParameterValues","parameterNames":["Device.DeviceInfo.UpTime"]})");
    QCOMPARE(r.status, 202);
    QCOMPARE(r.reason, QByteArray("Task queued but not processed"));
    RawHttpClient c(m_nbi->port());
    QCOMPARE(c.request("DELETE", "/presets/lab-uiformat").status, 200); // T082 restores sessions
    const RawResponse again = cr(m_mt);
    QCOMPARE(again.status, 200);
    QTRY_COMPARE(m_store->tasks().size(), 0);
}

void TestPresets::sessionRpcLimit()
{
    // lib/session.ts rpcRequest(): at most 255 RPCs per provisioning cycle (sessionContext.
    // rpcCount, set to 0 by addProvisions()/clearProvisions() when a new cycle starts; GENIEACS.md
    // §9 says "per session", the code says per cycle). The presets' batch is one cycle
    // (lib/cwmp.ts applyPresets()): a script that keeps asking for fresh values gets 255 answers,
    // then the fault too_many_rpcs on its channel.
    RawHttpClient c(m_nbi->port());
    const QByteArray script = rpcLoopScript("300");
    QCOMPARE(c.request("PUT", "/provisions/greedy", script).status, 200);
    putPreset(
        "greedy",
        R"({"weight":0,"channel":"greedy","events":{},"configurations":[{"type":"provision","name":"greedy"}]})");
    const qint64 before = m_fleet->rpcsAnswered();
    m_fleet->informNow(m_mtIndex, SimulatedCpe::Periodic);
    QCOMPARE(m_fleet->rpcsAnswered() - before, 255);
    QCOMPARE(m_fleet->engine().lastSession().cycles, 1);
    const QVariantMap *f = m_store->faults().find(m_mt + QStringLiteral(":greedy"));
    QVERIFY(f);
    QCOMPARE(f->value(QStringLiteral("code")).toString(), QStringLiteral("too_many_rpcs"));
    // Date.now(interval) is the start of the current interval.
    QCOMPARE(c.request("PUT", "/provisions/slot",
                       "log(\"slot \" + new Date(Date.now(3600000, 0)).toISOString());")
                 .status,
             200);
    QCOMPARE(c.request("DELETE", "/presets/greedy").status, 200);
    putPreset(
        "slot",
        R"({"weight":0,"channel":"slot","events":{},"configurations":[{"type":"provision","name":"slot"}]})");
    m_fleet->informNow(m_mtIndex, SimulatedCpe::Periodic);
    QVERIFY(m_fleet->engine().scriptLog().last().endsWith(
        QLatin1String("slot 2026-12-01T06:00:00.000Z")));
}

namespace {

// A provision whose every run makes args[0] GetParameterValues RPCs (in the lab; GenieACS would
// merge the declarations) and logs when it gets to its end.
const QByteArray kCountingScript = rpcLoopScript() + "log(\"counted \" + args[0]);\n";

// Queues a provisions task for the next session (202, no connection request); returns its id.
QString queueTask(quint16 port, const QString &deviceId, const QByteArray &body)
{
    RawHttpClient c(port);
    const RawResponse r = c.request("POST", "/devices/" + enc(deviceId) + "/tasks", body);
    if (r.status != 202)
        return {};
    return QJsonDocument::fromJson(r.body).object().value(QStringLiteral("_id")).toString();
}

} // namespace

void TestPresets::twoTasksInOneSessionEachHaveTheirOwnRpcs()
{
    // lib/cwmp.ts nextRpc(): a session runs its due tasks one after the other; after each,
    // clearProvisions() ends the cycle and lib/session.ts addProvisions() starts the next one
    // with rpcCount 0. So two tasks of 200 RPCs each (400 in the session) both complete; with a
    // limit per session the second would fault too_many_rpcs at its 56th RPC.
    RawHttpClient c(m_nbi->port());
    QCOMPARE(c.request("PUT", "/provisions/counting", kCountingScript).status, 200);
    const QString first =
        queueTask(m_nbi->port(), m_mt, R"({"name":"provisions","provisions":[["counting",200]]})");
    const QString second =
        queueTask(m_nbi->port(), m_mt, R"({"name":"provisions","provisions":[["counting",200]]})");
    QVERIFY(!first.isEmpty() && !second.isEmpty());
    const qint64 before = m_fleet->rpcsAnswered();
    m_fleet->informNow(m_mtIndex, SimulatedCpe::Periodic);
    QCOMPARE(m_fleet->rpcsAnswered() - before, 400);
    QCOMPARE(m_fleet->engine().lastSession().rpcs, 400);
    QCOMPARE(m_fleet->engine().lastSession().cycles, 2);
    QCOMPARE(m_store->faults().size(), 0);
    QCOMPARE(m_store->tasks().size(), 0);
    QVERIFY(m_fleet->engine().scriptLog().last().endsWith(QLatin1String("counted 200")));
}

void TestPresets::taskOverTheRpcLimitFaultsItsChannel_data()
{
    QTest::addColumn<int>("needed");
    QTest::addColumn<int>("answered");
    QTest::addColumn<bool>("faults");
    // lib/session.ts rpcRequest() checks rpcCount >= 255 on every call, and lib/cwmp.ts calls it
    // (nextRpc()) after each answer, also after the last one a cycle needed.
    QTest::newRow("254 RPCs: the task completes") << 254 << 254 << false;
    QTest::newRow("255 RPCs: answered, then too_many_rpcs") << 255 << 255 << true;
    QTest::newRow("256 RPCs: the 256th is not sent") << 256 << 255 << true;
}

void TestPresets::taskOverTheRpcLimitFaultsItsChannel()
{
    // lib/cwmp.ts nextRpc(): rpcRequest()'s fault goes to recordFault() on the cycle's channels
    // (sessionContext.channels: the task's channel task_<id> alone, so retries 0 and no
    // retryNow), the task stays, clearProvisions() ends the cycle and nextRpc() goes on with the
    // next task, whose new cycle has 255 RPCs of its own, then the presets.
    QFETCH(int, needed);
    QFETCH(int, answered);
    QFETCH(bool, faults);
    RawHttpClient c(m_nbi->port());
    QCOMPARE(c.request("PUT", "/provisions/counting", kCountingScript).status, 200);
    const QString big = queueTask(m_nbi->port(), m_mt,
                                  R"({"name":"provisions","provisions":[["counting",)" +
                                      QByteArray::number(needed) + "]]}");
    const QString small =
        queueTask(m_nbi->port(), m_mt, R"({"name":"provisions","provisions":[["counting",3]]})");
    QVERIFY(!big.isEmpty() && !small.isEmpty());
    putPreset(
        "after",
        R"({"weight":0,"channel":"after","events":{},"configurations":[{"type":"provision","name":"counting","args":[5]}]})");
    const qint64 before = m_fleet->rpcsAnswered();
    m_fleet->informNow(m_mtIndex, SimulatedCpe::Periodic);
    QCOMPARE(m_fleet->rpcsAnswered() - before, answered + 3 + 5);
    QCOMPARE(m_fleet->engine().lastSession().cycles, 3);
    QVERIFY(m_store->tasks().find(small) == nullptr);
    QVERIFY(m_store->faults().find(m_mt + QStringLiteral(":after")) == nullptr);
    QVERIFY(m_fleet->engine().scriptLog().last().endsWith(QLatin1String("counted 5")));
    const QVariantMap *f = m_store->faults().find(m_mt + QStringLiteral(":task_") + big);
    if (!faults) {
        QCOMPARE(m_store->faults().size(), 0);
        QVERIFY(m_store->tasks().find(big) == nullptr);
        return;
    }
    QVERIFY(f);
    QCOMPARE(m_store->faults().size(), 1);
    QCOMPARE(f->value(QStringLiteral("channel")).toString(), QStringLiteral("task_") + big);
    QCOMPARE(f->value(QStringLiteral("code")).toString(), QStringLiteral("too_many_rpcs"));
    QCOMPARE(f->value(QStringLiteral("message")).toString(),
             QStringLiteral("Too many RPC requests"));
    QCOMPARE(f->value(QStringLiteral("retries")).toInt(), 0);
    QVERIFY(m_store->tasks().find(big) != nullptr);
    QCOMPARE(c.request("GET", "/faults/").body.count("\"too_many_rpcs\""), 1);
}

void TestPresets::tooManyCyclesAfter255Cycles()
{
    // lib/session.ts rpcRequest(): too_many_cycles "Too many provision cycles" once
    // sessionContext.cycle >= 255. Each task is a cycle (0 to 254), so of 257 tasks of one RPC
    // each the first 255 complete; the 256th faults before its first RPC, its cycle never moves
    // on (the check comes before the iteration does), so the 257th and the presets' batch fault
    // the same way. The session itself ends normally.
    RawHttpClient c(m_nbi->port());
    QStringList ids;
    for (int i = 0; i < 257; ++i) {
        ids.append(queueTask(
            m_nbi->port(), m_mt,
            R"({"name":"getParameterValues","parameterNames":["Device.DeviceInfo.UpTime"]})"));
        QVERIFY(!ids.last().isEmpty());
    }
    QCOMPARE(c.request("PUT", "/provisions/counting", kCountingScript).status, 200);
    putPreset(
        "after",
        R"({"weight":0,"channel":"after","events":{},"configurations":[{"type":"provision","name":"counting","args":[1]}]})");
    const qint64 before = m_fleet->rpcsAnswered();
    m_fleet->informNow(m_mtIndex, SimulatedCpe::Periodic);
    QCOMPARE(m_fleet->rpcsAnswered() - before, 255);
    QCOMPARE(m_fleet->engine().lastSession().cycles, 255);
    QVERIFY(!m_fleet->engine().lastSession().terminated);
    QCOMPARE(m_store->tasks().size(), 2);
    QCOMPARE(m_store->faults().size(), 3);
    const QStringList faulted{QStringLiteral("task_") + ids.at(255),
                              QStringLiteral("task_") + ids.at(256), QStringLiteral("after")};
    for (const QString &channel : faulted) {
        const QVariantMap *f = m_store->faults().find(m_mt + u':' + channel);
        QVERIFY2(f, qPrintable(channel));
        QCOMPARE(f->value(QStringLiteral("code")).toString(), QStringLiteral("too_many_cycles"));
        QCOMPARE(f->value(QStringLiteral("message")).toString(),
                 QStringLiteral("Too many provision cycles"));
    }
    QVERIFY(m_store->tasks().find(ids.at(255)) != nullptr);
    QVERIFY(m_store->tasks().find(ids.at(254)) == nullptr);
}

void TestPresets::virtualParameters()
{
    // T083: the script returns {writable, value: [v, type]}; a getParameterValues of it runs it.
    RawHttpClient c(m_nbi->port());
    QCOMPARE(c.request("PUT", "/virtual_parameters/labvp",
                       "const sw = declare(\"Device.DeviceInfo.SoftwareVersion\", {value: 1});\n"
                       "return {writable: false, value: [\"vp:\" + (sw.size ? sw.value[0] : "
                       "\"?\"), \"xsd:string\"]};")
                 .status,
             200);
    QCOMPARE(
        cr(m_mt, R"({"name":"getParameterValues","parameterNames":["VirtualParameters.labvp"]})")
            .status,
        200);
    const DeviceRecord *d = m_store->device(m_mt);
    QCOMPARE(
        d->parameterValue(m_store->paths(), QStringLiteral("VirtualParameters.labvp")).toString(),
        QStringLiteral("vp:6.49.18"));
    QCOMPARE(
        d->value(m_store->paths(), QStringLiteral("VirtualParameters.labvp._writable")).toBool(),
        false);
    // A provision declares it and reads the value.
    QCOMPARE(
        c.request(
             "PUT", "/provisions/usevp",
             "const v = declare(\"VirtualParameters.labvp\", {value: Date.now()});\n"
             "declare(\"Tags.\" + v.value[0].replace(/[^a-z0-9]/gi, \"_\"), null, {value: true});")
            .status,
        200);
    QCOMPARE(cr(m_mt, R"({"name":"provisions","provisions":[["usevp"]]})").status, 200);
    QVERIFY(tags(m_mt).contains(QStringLiteral("vp_6_49_18")));
}

void TestPresets::endlessScriptTimesOut()
{
    RawHttpClient c(m_nbi->port());
    QCOMPARE(c.request("PUT", "/provisions/spin", "while (true) {}").status, 200);
    const RawResponse r = cr(m_mt, R"({"name":"provisions","provisions":[["spin"]]})");
    QCOMPARE(r.status, 202);
    QCOMPARE(r.reason, QByteArray("Task faulted"));
    QVariantMap fault;
    m_store->faults().forEach([&](const QVariantMap &f) { fault = f; });
    QCOMPARE(fault.value(QStringLiteral("code")).toString(), QStringLiteral("script.Error"));
    QVERIFY(fault.value(QStringLiteral("message"))
                .toString()
                .startsWith(QLatin1String("Script execution timed out")));
    // The engine is usable afterwards.
    QCOMPARE(
        c.request("PUT", "/provisions/ok", "declare(\"Tags.after\", null, {value: true});").status,
        200);
    QCOMPARE(cr(m_mt, R"({"name":"provisions","provisions":[["ok"]]})").status, 200);
    QVERIFY(tags(m_mt).contains(QStringLiteral("after")));
}

void TestPresets::dateNowIntervalCronAndVariance_data()
{
    // lib/sandbox.ts SandboxDate.now() with lib/scheduling.ts; the session starts at
    // 2026-12-01T06:30:12.345Z. The router is E48D8C-hAP%20ac%20lite-000000ABC07A; its offsets
    // (md532(id) % variance, md532 = 0xdb52b1f2, so 429,810 ms for both variances used here)
    // and the expected values were computed with Node's crypto and scheduling.ts's formulas. With
    // "0 0 6 * * *" and that offset: the previous 06:00:00 before 06:37:22.155, minus 429,810 ms.
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QString>("expected");
    QTest::newRow("no argument: session time")
        << QStringLiteral("Date.now()") << QStringLiteral("2026-12-01T06:30:12.345Z");
    QTest::newRow("new Date(): session time")
        << QStringLiteral("new Date().getTime()") << QStringLiteral("2026-12-01T06:30:12.345Z");
    QTest::newRow("new Date(x) is a plain date")
        << QStringLiteral("new Date(0).getTime()") << QStringLiteral("1970-01-01T00:00:00.000Z");
    QTest::newRow("interval, variance 0")
        << QStringLiteral("Date.now(3600000, 0)") << QStringLiteral("2026-12-01T06:00:00.000Z");
    QTest::newRow("interval, variance defaults to the interval")
        << QStringLiteral("Date.now(3600000)") << QStringLiteral("2026-12-01T05:52:50.190Z");
    QTest::newRow("interval with a variance") << QStringLiteral("Date.now(86400000, 600000)")
                                              << QStringLiteral("2026-11-30T23:52:50.190Z");
    QTest::newRow("6-field cron") << QStringLiteral("Date.now(\"0 0 2 * * *\")")
                                  << QStringLiteral("2026-12-01T02:00:00.000Z");
    QTest::newRow("N7: 5-field cron, last second of the minute")
        << QStringLiteral("Date.now(\"0 2 * * *\")") << QStringLiteral("2026-12-01T02:00:59.000Z");
    QTest::newRow("N7: 5-field step cron matches every second of the minute")
        << QStringLiteral("Date.now(\"*/15 * * * *\")")
        << QStringLiteral("2026-12-01T06:30:12.000Z");
    QTest::newRow("6-field step cron") << QStringLiteral("Date.now(\"0 */15 * * * *\")")
                                       << QStringLiteral("2026-12-01T06:30:00.000Z");
    QTest::newRow("cron on an earlier weekday (Monday 03:00)")
        << QStringLiteral("Date.now(\"0 0 3 * * 1\")")
        << QStringLiteral("2026-11-30T03:00:00.000Z");
    QTest::newRow("cron with a variance") << QStringLiteral("Date.now(\"0 0 6 * * *\", 3600000)")
                                          << QStringLiteral("2026-12-01T05:52:50.190Z");
}

void TestPresets::dateNowIntervalCronAndVariance()
{
    QFETCH(QString, expression);
    QFETCH(QString, expected);
    RawHttpClient c(m_nbi->port());
    const QByteArray script =
        "log(\"when \" + new Date(" + expression.toUtf8() + ").toISOString());";
    QCOMPARE(c.request("PUT", "/provisions/when", script).status, 200);
    m_clock->advance(12345);
    QCOMPARE(cr(m_mt, R"({"name":"provisions","provisions":[["when"]]})").status, 200);
    QCOMPARE(m_fleet->engine().scriptLog().last(), m_mt + QStringLiteral(": when ") + expected);
}

void TestPresets::dateNowBadArguments_data()
{
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("message");
    QTest::newRow("object: GenieACS's error")
        << QStringLiteral("Date.now({})") << QStringLiteral("script.Error")
        << QStringLiteral("Invalid Date.now() argument");
    QTest::newRow("cron the lab cannot parse")
        << QStringLiteral("Date.now(\"0 0 25 * * *\")") << QStringLiteral("script.SyntaxError")
        << QStringLiteral("Date.now(): invalid cron field in \"0 0 25 * * *\"");
    QTest::newRow("cron with 3 fields")
        << QStringLiteral("Date.now(\"0 0 2\")") << QStringLiteral("script.SyntaxError")
        << QStringLiteral("Date.now(): a cron needs 5 or 6 fields");
}

void TestPresets::dateNowBadArguments()
{
    QFETCH(QString, expression);
    QFETCH(QString, code);
    QFETCH(QString, message);
    RawHttpClient c(m_nbi->port());
    QCOMPARE(
        c.request("PUT", "/provisions/bad", "log(String(" + expression.toUtf8() + "));").status,
        200);
    const RawResponse r = cr(m_mt, R"({"name":"provisions","provisions":[["bad"]]})");
    QCOMPARE(r.status, 202);
    QCOMPARE(r.reason, QByteArray("Task faulted"));
    QVariantMap fault;
    m_store->faults().forEach([&](const QVariantMap &f) { fault = f; });
    QCOMPARE(fault.value(QStringLiteral("code")).toString(), code);
    QCOMPARE(fault.value(QStringLiteral("message")).toString(), message);
}

namespace {

// An extension module as GenieACS's config/ext holds them (docs/ext-sample.js style).
const char *kExtension = R"JS(
var calls = 0;
exports.latlong = function (args, callback) {
  calls++;
  callback(null, {lat: args[0], type: typeof args[0], rest: args.slice(1), calls: calls});
};
exports.nothing = function (args, callback) { callback(null, undefined); };
exports.fail = function (args, callback) { callback(new TypeError("bad " + args[0])); };
exports.failString = function (args, callback) { callback("plain failure"); };
exports.throws = function () { throw new RangeError("thrown"); };
exports.never = function (args, callback) {};
exports.spin = function () { for (;;) {} };
exports.needsNode = function (args, callback) { require("http"); callback(null, 1); };
)JS";

} // namespace

void TestPresets::extensionsRunAndAreCachedPerSession()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QFile ext(dir.filePath(QStringLiteral("lab-ext.js")));
    QVERIFY(ext.open(QIODevice::WriteOnly));
    ext.write(kExtension);
    ext.close();
    CwmpEngine::Config config = m_fleet->engine().config();
    config.extDir = dir.path();
    m_fleet->engine().setConfig(config);
    RawHttpClient c(m_nbi->port());
    // Arguments reach the extension as strings; the same call in one session is answered from
    // the session's cache (the extension runs once).
    QCOMPARE(c.request("PUT", "/provisions/useext",
                       "const a = ext(\"lab-ext\", \"latlong\", 51.5, true);\n"
                       "const b = ext(\"lab-ext\", \"latlong\", 51.5, true);\n"
                       "const n = ext(\"lab-ext\", \"nothing\");\n"
                       "log(\"ext \" + JSON.stringify(a) + \" same=\" + (a.calls === b.calls) + "
                       "\" nothing=\" + JSON.stringify(n));")
                 .status,
             200);
    QCOMPARE(cr(m_mt, R"({"name":"provisions","provisions":[["useext"]]})").status, 200);
    QCOMPARE(m_fleet->engine().scriptLog().last(),
             m_mt +
                 QStringLiteral(": ext {\"lat\":\"51.5\",\"type\":\"string\",\"rest\":[\"true\"],"
                                "\"calls\":1} same=true nothing=null"));
    // The module stays loaded (like genieacs-ext's process), the cache does not: a new session
    // calls the extension again.
    QCOMPARE(cr(m_mt, R"({"name":"provisions","provisions":[["useext"]]})").status, 200);
    QVERIFY(m_fleet->engine().scriptLog().last().contains(QLatin1String("\"calls\":2}")));
    QVERIFY(m_store->faults().size() == 0);
}

void TestPresets::extensionFaults_data()
{
    QTest::addColumn<QByteArray>("call");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("message");
    QTest::newRow("callback(Error)") << QByteArray(R"("lab-ext", "fail", "x")")
                                     << QStringLiteral("ext.TypeError") << QStringLiteral("bad x");
    QTest::newRow("callback(non-Error)")
        << QByteArray(R"("lab-ext", "failString")") << QStringLiteral("ext")
        << QStringLiteral("plain failure");
    QTest::newRow("throws") << QByteArray(R"("lab-ext", "throws")")
                            << QStringLiteral("ext.RangeError") << QStringLiteral("thrown");
    QTest::newRow("never calls back")
        << QByteArray(R"("lab-ext", "never")") << QStringLiteral("timeout")
        << QStringLiteral("Extension timed out");
    QTest::newRow("runs past EXT_TIMEOUT")
        << QByteArray(R"("lab-ext", "spin")") << QStringLiteral("timeout")
        << QStringLiteral("Extension timed out");
    QTest::newRow("no such function")
        << QByteArray(R"("lab-ext", "nosuch")") << QStringLiteral("ext")
        << QStringLiteral("No such function 'nosuch' in extension 'lab-ext'");
    QTest::newRow("no such file") << QByteArray(R"("nosuch", "fn")") << QStringLiteral("ext.Error")
                                  << QStringLiteral("Cannot find module '%1/nosuch'");
    QTest::newRow("outside the directory")
        << QByteArray(R"("../lab-ext", "latlong")") << QStringLiteral("ext.Error")
        << QStringLiteral("Cannot find module '%2/lab-ext'");
    QTest::newRow("Node modules are not available")
        << QByteArray(R"("lab-ext", "needsNode")") << QStringLiteral("ext.Error")
        << QStringLiteral("require('http') is not available to the lab's extensions");
}

void TestPresets::extensionFaults()
{
    QFETCH(QByteArray, call);
    QFETCH(QString, code);
    QFETCH(QString, message);
    QTemporaryDir parent;
    QVERIFY(parent.isValid());
    const QString dirPath = parent.filePath(QStringLiteral("ext"));
    QVERIFY(QDir().mkpath(dirPath));
    QFile ext(dirPath + QStringLiteral("/lab-ext.js"));
    QVERIFY(ext.open(QIODevice::WriteOnly));
    ext.write(kExtension);
    ext.close();
    CwmpEngine::Config config = m_fleet->engine().config();
    config.extDir = dirPath;
    config.extTimeoutMs = 200;
    m_fleet->engine().setConfig(config);
    RawHttpClient c(m_nbi->port());
    // Even a script that catches what ext() throws ends in the extension's fault.
    QCOMPARE(c.request("PUT", "/provisions/badext",
                       "try { ext(" + call +
                           "); } catch (e) { log(\"caught\"); }\n"
                           "declare(\"Tags.after_ext\", null, {value: true});")
                 .status,
             200);
    const RawResponse r = cr(m_mt, R"({"name":"provisions","provisions":[["badext"]]})");
    QCOMPARE(r.status, 202);
    QCOMPARE(r.reason, QByteArray("Task faulted"));
    QVariantMap fault;
    m_store->faults().forEach([&](const QVariantMap &f) { fault = f; });
    QCOMPARE(fault.value(QStringLiteral("code")).toString(), code);
    message.replace(QLatin1String("%1"), dirPath);
    message.replace(QLatin1String("%2"), QDir::cleanPath(parent.path()));
    QCOMPARE(fault.value(QStringLiteral("message")).toString(), message);
    if (code.startsWith(QLatin1String("ext."))) {
        QCOMPARE(fault.value(QStringLiteral("detail")).toMap().value(QStringLiteral("name")),
                 QVariant(code.mid(4)));
    }
    // The provision's session goes on: a task after it still runs.
    QCOMPARE(cr(m_mt, R"({"name":"refreshObject","objectName":"Device.DeviceInfo"})").status, 200);
}

QTEST_GUILESS_MAIN(TestPresets)
#include "tst_presets.moc"
