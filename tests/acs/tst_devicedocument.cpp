#include "acs/devicedocument.h"
#include "acs/taskspec.h"

#include "transcript.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace fwd::acs;

namespace {

QJsonObject firstDocument(const char *transcript)
{
    const Transcript t = Transcript::load(QLatin1String(transcript));
    if (t.bodyJson.isArray())
        return t.bodyJson.toArray().at(0).toObject();
    return t.bodyJson.toObject();
}

QDateTime utc(const char *iso)
{
    return QDateTime::fromString(QLatin1String(iso), Qt::ISODateWithMs);
}

} // namespace

class TestDeviceDocument final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void identityAndVersionAfterInform();
    void bootAndBootstrap();
    void projectedDocument();
    void mikrotikTr181Document();
    void downloads_data();
    void downloads();
    void notADevice();
    void faultsFilesOperations();
};

void TestDeviceDocument::identityAndVersionAfterInform()
{
    DeviceRecord d;
    QVERIFY(parseDevice(firstDocument("001"), &d));
    QCOMPARE(d.id, QStringLiteral("202BC1-BM632w-000000"));
    QCOMPARE(d.oui, QStringLiteral("202BC1"));
    QCOMPARE(d.productClass, QStringLiteral("BM632w"));
    QCOMPARE(d.serialNumber, QStringLiteral("000000"));
    QCOMPARE(d.dataModel, DeviceRecord::DataModel::Tr098);
    QVERIFY(d.softwareVersion.present);
    QCOMPARE(d.softwareVersion.text(), QStringLiteral("V100R001IRQC56B017"));
    QCOMPARE(d.softwareVersion.type, QStringLiteral("xsd:string"));
    QVERIFY(d.lastInform.isValid());
    QVERIFY(d.registered.isValid());
    QVERIFY(!d.lastBoot.isValid()); // the simulator never sends 1 BOOT
    QVERIFY(d.downloads.isEmpty());
}

void TestDeviceDocument::bootAndBootstrap()
{
    DeviceRecord d;
    QVERIFY(parseDevice(firstDocument("003"), &d));
    QCOMPARE(d.id, QStringLiteral("00AAAA-LabBox-LAB%2D001"));
    QCOMPARE(d.serialNumber, QStringLiteral("LAB-001"));
    QVERIFY(d.lastBoot.isValid());
    QVERIFY(d.lastBootstrap.isValid());
}

void TestDeviceDocument::projectedDocument()
{
    // T004: a projection of four fields; absent fields stay empty.
    DeviceRecord d;
    QVERIFY(parseDevice(firstDocument("004"), &d));
    QCOMPARE(d.id, QStringLiteral("202BC1-BM632w-000000"));
    QCOMPARE(d.serialNumber, QStringLiteral("000000"));
    QCOMPARE(d.softwareVersion.text(), QStringLiteral("V100R001IRQC56B017"));
    QVERIFY(d.softwareVersion.writable == false);
    QCOMPARE(d.softwareVersion.timestamp, utc("2026-12-01T06:32:52.925Z"));
    QCOMPARE(d.lastInform, utc("2026-12-01T06:32:52.924Z"));
    QVERIFY(d.tags.isEmpty());
    QVERIFY(d.oui.isEmpty());
}

void TestDeviceDocument::mikrotikTr181Document()
{
    // A RouterOS router (TR-181 `Device.` root, MikroTik's X_MIKROTIK_ArchName), tagged, in
    // the shape GenieACS 1.2.16 stores it after a refresh of Device.DeviceInfo (GENIEACS.md §2).
    const QByteArray json = R"({
      "_id": "E48D8C-RB5009UG%2BS%2BIN-HCY08ABC123",
      "_deviceId": {"_Manufacturer": "MikroTik", "_OUI": "E48D8C",
                    "_ProductClass": "RB5009UG+S+IN", "_SerialNumber": "HCY08ABC123"},
      "_registered": "2026-11-30T09:00:00.000Z",
      "_lastInform": "2026-12-01T06:40:12.345Z",
      "_lastBoot": "2026-12-01T06:39:58.000Z",
      "_tags": ["wave1", "fw-7.16"],
      "Device": {"_object": true, "_writable": false, "_timestamp": "2026-12-01T06:40:12.345Z",
        "DeviceInfo": {"_object": true, "_writable": false,
          "_timestamp": "2026-12-01T06:40:12.345Z",
          "SoftwareVersion": {"_value": "7.16.2", "_type": "xsd:string",
            "_timestamp": "2026-12-01T06:40:12.345Z", "_writable": false, "_object": false},
          "HardwareVersion": {"_value": "r2", "_type": "xsd:string",
            "_timestamp": "2026-12-01T06:40:12.345Z", "_writable": false, "_object": false},
          "X_MIKROTIK_ArchName": {"_value": "arm64", "_type": "xsd:string",
            "_timestamp": "2026-12-01T06:40:12.345Z", "_writable": false, "_object": false}}}
    })";
    QJsonParseError e;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &e);
    QCOMPARE(e.error, QJsonParseError::NoError);
    DeviceRecord d;
    QVERIFY(parseDevice(doc.object(), &d));
    QCOMPARE(d.id, QStringLiteral("E48D8C-RB5009UG%2BS%2BIN-HCY08ABC123"));
    QCOMPARE(d.manufacturer, QStringLiteral("MikroTik"));
    QCOMPARE(d.productClass, QStringLiteral("RB5009UG+S+IN"));
    QCOMPARE(d.serialNumber, QStringLiteral("HCY08ABC123"));
    QCOMPARE(d.dataModel, DeviceRecord::DataModel::Tr181);
    QCOMPARE(d.softwareVersion.text(), QStringLiteral("7.16.2"));
    QCOMPARE(d.softwareVersion.timestamp, utc("2026-12-01T06:40:12.345Z"));
    QCOMPARE(d.hardwareVersion.text(), QStringLiteral("r2"));
    QVERIFY(d.architecture.present);
    QCOMPARE(d.architecture.text(), QStringLiteral("arm64"));
    QCOMPARE(d.tags, (QStringList{QStringLiteral("wave1"), QStringLiteral("fw-7.16")}));
    QCOMPARE(d.lastInform, utc("2026-12-01T06:40:12.345Z"));
    QCOMPARE(d.lastBoot, utc("2026-12-01T06:39:58.000Z"));
    QVERIFY(d.downloads.isEmpty());

    // The TR-098 documents of other vendors have no architecture.
    DeviceRecord huawei;
    QVERIFY(parseDevice(firstDocument("001"), &huawei));
    QVERIFY(!huawei.architecture.present);
}

void TestDeviceDocument::downloads_data()
{
    QTest::addColumn<QString>("transcript");
    QTest::addColumn<bool>("pending");
    QTest::addColumn<bool>("completed");
    QTest::newRow("after Download, before TransferComplete (T065)") << "065" << true << false;
    QTest::newRow("after successful TransferComplete (T066)") << "066" << false << true;
    QTest::newRow("after failed TransferComplete (T067)") << "067" << false << false;
    QTest::newRow("after DownloadResponse status 0 (T068)") << "068" << false << true;
}

void TestDeviceDocument::downloads()
{
    QFETCH(QString, transcript);
    QFETCH(bool, pending);
    QFETCH(bool, completed);
    DeviceRecord d;
    QVERIFY(parseDevice(firstDocument(qPrintable(transcript)), &d));
    QCOMPARE(d.downloads.size(), 1);
    const DownloadRecord &r = d.downloads.constFirst();
    QCOMPARE(r.instance, QStringLiteral("1"));
    QCOMPARE(r.fileType, QStringLiteral("1 Firmware Upgrade Image"));
    QVERIFY(!r.fileName.isEmpty());
    QCOMPARE(r.pending(), pending);
    QCOMPARE(r.completed(), completed);
    // After a failed TransferComplete GenieACS resets Download to LastDownload, the epoch.
    QCOMPARE(r.download.isValid(), transcript != QLatin1String("067"));
}

void TestDeviceDocument::notADevice()
{
    DeviceRecord d;
    QString error;
    QVERIFY(!parseDevice(QJsonObject{{QStringLiteral("_id"), 42}}, &d, &error));
    QVERIFY(!error.isEmpty());
    QVERIFY(!parseDevice(QJsonObject(), &d, &error));
    // Wrong types inside a device never crash and leave fields empty.
    QJsonObject odd{{QStringLiteral("_id"), QStringLiteral("x")},
                    {QStringLiteral("_tags"), QStringLiteral("not-a-list")},
                    {QStringLiteral("_lastInform"), 12},
                    {QStringLiteral("Downloads"), QJsonArray{1, 2}},
                    {QStringLiteral("InternetGatewayDevice"), QStringLiteral("?")}};
    QVERIFY(parseDevice(odd, &d));
    QVERIFY(d.tags.isEmpty());
    QVERIFY(!d.lastInform.isValid());
    QVERIFY(!d.softwareVersion.present);
}

void TestDeviceDocument::faultsFilesOperations()
{
    FaultRecord f;
    QVERIFY(parseFault(firstDocument("056"), &f));
    QCOMPARE(f.code, QStringLiteral("cwmp.9000"));
    QVERIFY(f.channel.startsWith(QLatin1String("task_")));
    QCOMPARE(f.taskId().size(), 24);
    QVERIFY(f.id.endsWith(f.channel));

    FaultRecord tc;
    QVERIFY(parseFault(firstDocument("059"), &tc));
    QCOMPARE(tc.code, QStringLiteral("cwmp.9016"));

    FileRecord file;
    QVERIFY(parseFile(firstDocument("070"), &file));
    QVERIFY(!file.name.isEmpty());
    QVERIFY(file.length > 0);
    QCOMPARE(file.fileType, QStringLiteral("1 Firmware Upgrade Image"));
    QVERIFY(file.uploadDate.isValid());

    OperationRecord op;
    QVERIFY(parseOperation(firstDocument("064"), &op));
    QCOMPARE(op.name, QStringLiteral("Download"));
    QVERIFY(!op.commandKey.isEmpty());
    QCOMPARE(op.args.value(QLatin1String("fileType")).toString(),
             QStringLiteral("1 Firmware Upgrade Image"));
}

QTEST_GUILESS_MAIN(TestDeviceDocument)
#include "tst_devicedocument.moc"
