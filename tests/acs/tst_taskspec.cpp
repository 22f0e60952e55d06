#include "acs/preset.h"
#include "acs/taskspec.h"

#include <QJsonDocument>
#include <QTest>

using namespace fwd::acs;

namespace {

QString compact(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

TaskSpec withExpiry(TaskSpec t, qint64 seconds)
{
    t.expirySeconds = seconds;
    return t;
}

} // namespace

class TestTaskSpec final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void tasks_data();
    void tasks();
    void invalidTasks_data();
    void invalidTasks();
    void schedule_data();
    void schedule();
    void preset();
};

void TestTaskSpec::tasks_data()
{
    QTest::addColumn<TaskSpec>("task");
    QTest::addColumn<QString>("json");
    QTest::newRow("reboot (T021)") << TaskSpec::reboot() << R"({"name":"reboot"})";
    QTest::newRow("factoryReset (T022)")
        << TaskSpec::factoryReset() << R"({"name":"factoryReset"})";
    QTest::newRow("download (T023)")
        << TaskSpec::download(QStringLiteral("1 Firmware Upgrade Image"),
                              QStringLiteral("fw-lab-1.bin"))
        << R"({"fileName":"fw-lab-1.bin","fileType":"1 Firmware Upgrade Image","name":"download"})";
    QTest::newRow("download with target, MikroTik vendor type")
        << TaskSpec::download(QStringLiteral("X MIKROTIK Factory Configuration File"),
                              QStringLiteral("cfg.rsc"), QStringLiteral("target.rsc"))
        << R"({"fileName":"cfg.rsc","fileType":"X MIKROTIK Factory Configuration File","name":"download","targetFileName":"target.rsc"})";
    QTest::newRow("getParameterValues (T016)")
        << TaskSpec::getParameterValues(
               {QStringLiteral("InternetGatewayDevice.DeviceInfo.SoftwareVersion")})
        << R"({"name":"getParameterValues","parameterNames":["InternetGatewayDevice.DeviceInfo.SoftwareVersion"]})";
    QTest::newRow("setParameterValues (T017)")
        << TaskSpec::setParameterValues(
               {{QStringLiteral("InternetGatewayDevice.ManagementServer.PeriodicInformInterval"),
                 300, QStringLiteral("xsd:unsignedInt")},
                {QStringLiteral("InternetGatewayDevice.DeviceInfo.ProvisioningCode"),
                 QStringLiteral("lab"), QString()}})
        << R"({"name":"setParameterValues","parameterValues":[["InternetGatewayDevice.ManagementServer.PeriodicInformInterval",300,"xsd:unsignedInt"],["InternetGatewayDevice.DeviceInfo.ProvisioningCode","lab"]]})";
    QTest::newRow("refreshObject whole tree (T015)")
        << TaskSpec::refreshObject(QString()) << R"({"name":"refreshObject","objectName":""})";
    QTest::newRow("addObject (T018)")
        << TaskSpec::addObject(
               QStringLiteral("InternetGatewayDevice.LANDevice.1.WLANConfiguration"))
        << R"({"name":"addObject","objectName":"InternetGatewayDevice.LANDevice.1.WLANConfiguration"})";
    QTest::newRow("deleteObject (T019)")
        << TaskSpec::deleteObject(
               QStringLiteral("InternetGatewayDevice.LANDevice.1.WLANConfiguration.2"))
        << R"({"name":"deleteObject","objectName":"InternetGatewayDevice.LANDevice.1.WLANConfiguration.2"})";
    QTest::newRow("provisions (T020)")
        << TaskSpec::provisionsTask({{QStringLiteral("lab-tag"), QStringLiteral("wave1"), 3}})
        << R"({"name":"provisions","provisions":[["lab-tag","wave1",3]]})";
    QTest::newRow("relative expiry (T031)")
        << withExpiry(TaskSpec::reboot(), 3600) << R"({"expiry":3600,"name":"reboot"})";
}

void TestTaskSpec::tasks()
{
    QFETCH(TaskSpec, task);
    QFETCH(QString, json);
    QVERIFY2(task.validate().isEmpty(), qPrintable(task.validate()));
    QCOMPARE(compact(task.toJson()), json);
}

void TestTaskSpec::invalidTasks_data()
{
    QTest::addColumn<TaskSpec>("task");
    QTest::newRow("getParameterValues without names (T094 crash)")
        << TaskSpec::getParameterValues({});
    QTest::newRow("bad parameter path") << TaskSpec::getParameterValues({QStringLiteral("a..b")});
    QTest::newRow("setParameterValues empty") << TaskSpec::setParameterValues({});
    QTest::newRow("setParameterValues with a list value")
        << TaskSpec::setParameterValues({{QStringLiteral("A.B"), QStringList{}, QString()}});
    QTest::newRow("setParameterValues unknown type")
        << TaskSpec::setParameterValues({{QStringLiteral("A.B"), 1, QStringLiteral("int")}});
    QTest::newRow("addObject without name") << TaskSpec::addObject(QString());
    QTest::newRow("download without type")
        << TaskSpec::download(QString(), QStringLiteral("fw.bin"));
    QTest::newRow("download of a name that breaks the Download XML") << TaskSpec::download(
        QStringLiteral("1 Firmware Upgrade Image"), QStringLiteral("a&b.bin"));
    QTest::newRow("provisions empty") << TaskSpec::provisionsTask({});
    QTest::newRow("provision without name") << TaskSpec::provisionsTask({{42}});
    QTest::newRow("negative expiry") << withExpiry(TaskSpec::reboot(), -5);
}

void TestTaskSpec::invalidTasks()
{
    QFETCH(TaskSpec, task);
    QVERIFY(!task.validate().isEmpty());
}

void TestTaskSpec::schedule_data()
{
    QTest::addColumn<QString>("schedule");
    QTest::addColumn<bool>("ok");
    QTest::newRow("design example") << "3600 0 0 2,3,4 * * 1-5" << true;
    QTest::newRow("T078 style") << "3600 0 0 2 * * *" << true;
    QTest::newRow("names and steps") << "7200 0 */15 22-23 * JAN-MAR SAT,SUN" << true;
    QTest::newRow("5 fields fire every second (N7)") << "3600 0 2 * * *" << false;
    QTest::newRow("no duration") << "0 0 2 * * *" << false;
    QTest::newRow("negative duration") << "-1 0 0 2 * * *" << false;
    QTest::newRow("hour 24") << "3600 0 0 24 * * *" << false;
    QTest::newRow("inverted range") << "3600 0 0 5-2 * * *" << false;
    QTest::newRow("zero step") << "3600 0 */0 * * * *" << false;
    QTest::newRow("garbage") << "every night" << false;
    QTest::newRow("empty") << "" << false;
    QTest::newRow("seven fields") << "3600 0 0 2 * * * 2026" << false;
}

void TestTaskSpec::schedule()
{
    QFETCH(QString, schedule);
    QFETCH(bool, ok);
    const QString error = PresetSchedule::validate(schedule);
    QVERIFY2(error.isEmpty() == ok, qPrintable(error));
}

void TestTaskSpec::preset()
{
    Preset p;
    p.channel = QStringLiteral("fwd-batch-7");
    p.events = {{QStringLiteral("1 BOOT"), true}};
    p.precondition = QStringLiteral("Tags.fwd_batch_7 IS NOT NULL");
    p.schedule = QStringLiteral("3600  0 0 2 * * 1-5");
    // Without configurations GenieACS crashes every CWMP session (N3).
    QVERIFY(!p.validate().isEmpty());
    p.configurations.append({QStringLiteral("provision"),
                             QStringLiteral("firmwaredesk-upgrade"),
                             {QStringLiteral("routeros-6.48.4.xml"), QStringLiteral("6.48.4")},
                             {}});
    QVERIFY2(p.validate().isEmpty(), qPrintable(p.validate()));
    QCOMPARE(
        compact(p.toJson()),
        QStringLiteral(
            R"({"channel":"fwd-batch-7","configurations":[{"args":["routeros-6.48.4.xml","6.48.4"],)"
            R"("name":"firmwaredesk-upgrade","type":"provision"}],"events":{"1 BOOT":true},)"
            R"("precondition":"Tags.fwd_batch_7 IS NOT NULL","schedule":"3600 0 0 2 * * 1-5","weight":0})"));
    p.schedule = QStringLiteral("3600 0 2 * * *");
    QVERIFY(!p.validate().isEmpty());
    p.schedule.clear();
    p.configurations[0].name.clear();
    QVERIFY(!p.validate().isEmpty());
}

QTEST_GUILESS_MAIN(TestTaskSpec)
#include "tst_taskspec.moc"
