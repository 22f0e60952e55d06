#include "acs/genieacsversion.h"
#include "acs/nbipath.h"

#include <QTest>

using namespace fwd::acs;

class TestNbiPath final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void deviceId_data();
    void deviceId();
    void pathSegment_data();
    void pathSegment();
    void queryValue();
    void routeNames_data();
    void routeNames();
    void fileNames_data();
    void fileNames();
    void ids_data();
    void ids();
    void version_data();
    void version();
};

void TestNbiPath::deviceId_data()
{
    QTest::addColumn<QString>("oui");
    QTest::addColumn<QString>("productClass");
    QTest::addColumn<QString>("serial");
    QTest::addColumn<QString>("id");
    QTest::newRow("plain (T001)") << "202BC1"
                                  << "BM632w"
                                  << "000000"
                                  << "202BC1-BM632w-000000";
    QTest::newRow("dash in serial escaped (T003)") << "00AAAA"
                                                   << "LabBox"
                                                   << "LAB-001"
                                                   << "00AAAA-LabBox-LAB%2D001";
    QTest::newRow("empty product class dropped (T050)") << "00AAAA"
                                                        << ""
                                                        << "LAB-404"
                                                        << "00AAAA-LAB%2D404";
    QTest::newRow("control byte without zero padding, as GenieACS writes it") << "00AAAA"
                                                                              << ""
                                                                              << "a\tb"
                                                                              << "00AAAA-a%9b";
    QTest::newRow("space, dot and UTF-8") << "00AAAA"
                                          << "Home Box"
                                          << "x.é"
                                          << "00AAAA-Home%20Box-x%2E%C3%A9";
}

void TestNbiPath::deviceId()
{
    QFETCH(QString, oui);
    QFETCH(QString, productClass);
    QFETCH(QString, serial);
    QFETCH(QString, id);
    QCOMPARE(makeDeviceId(oui, productClass, serial), id);
    QVERIFY(checkDeviceId(id).isEmpty());
}

void TestNbiPath::pathSegment_data()
{
    QTest::addColumn<QString>("segment");
    QTest::addColumn<QByteArray>("encoded");
    QTest::newRow("escaped id escaped again (T012)")
        << "00AAAA-LabBox-LAB%2D001" << QByteArray("00AAAA-LabBox-LAB%252D001");
    QTest::newRow("plain id") << "202BC1-BM632w-000000" << QByteArray("202BC1-BM632w-000000");
    QTest::newRow("characters the routes refuse unencoded")
        << "a!b*c(d)e'f g" << QByteArray("a%21b%2Ac%28d%29e%27f%20g");
    QTest::newRow("fault id colon") << "dev:task_6b0e" << QByteArray("dev%3Atask_6b0e");
}

void TestNbiPath::pathSegment()
{
    QFETCH(QString, segment);
    QFETCH(QByteArray, encoded);
    QCOMPARE(encodePathSegment(segment), encoded);
}

void TestNbiPath::queryValue()
{
    // '+' must not reach GenieACS bare: its query parser turns it into a space.
    QCOMPARE(encodeQueryValue(QStringLiteral(R"({"a":"x+y & z"})")),
             QByteArray("%7B%22a%22%3A%22x%2By%20%26%20z%22%7D"));
}

void TestNbiPath::routeNames_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("ok");
    QTest::newRow("plain") << "firmwaredesk-upgrade" << true;
    QTest::newRow("underscore and digits") << "batch_42" << true;
    QTest::newRow("space and bang are encodable") << "wave 1!" << true;
    QTest::newRow("dot: QUrl decodes %2E, the route refuses '.'") << "fw-6.48.4" << false;
    QTest::newRow("tilde likewise") << "a~b" << false;
    QTest::newRow("empty") << "" << false;
    QTest::newRow("blank") << "   " << false;
    QTest::newRow("control character") << "a\nb" << false;
}

void TestNbiPath::routeNames()
{
    QFETCH(QString, name);
    QFETCH(bool, ok);
    const QString error = checkRouteName(name, QStringLiteral("tag"));
    QCOMPARE(error.isEmpty(), ok);
}

void TestNbiPath::fileNames_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("ok");
    QTest::newRow("RouterOS package") << "routeros-x86-6.48.4.npk" << true;
    QTest::newRow("underscore and tilde") << "fw_1~2.bin" << true;
    QTest::newRow("ampersand breaks the Download XML") << "fw a&b#c.bin" << false;
    QTest::newRow("slash") << "dir/name.bin" << false;
    QTest::newRow("percent") << "a%20b.bin" << false;
    QTest::newRow("dot-dot") << ".." << false;
    QTest::newRow("empty") << "" << false;
}

void TestNbiPath::fileNames()
{
    QFETCH(QString, name);
    QFETCH(bool, ok);
    QCOMPARE(checkFileName(name).isEmpty(), ok);
}

void TestNbiPath::ids_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("id");
    QTest::addColumn<bool>("ok");
    QTest::newRow("task id") << "task"
                             << "6b0e6a88d9d97b726a6a0ff4" << true;
    QTest::newRow("task id too short (T095)") << "task"
                                              << "not-an-objectid" << false;
    QTest::newRow("task id non-hex") << "task"
                                     << "6b0e6a88d9d97b726a6a0ffz" << false;
    QTest::newRow("fault on task channel")
        << "fault"
        << "202BC1-BM632w-000004:task_6b0e6a88d9d97b726a6a0ff4" << true;
    QTest::newRow("fault on preset channel") << "fault"
                                             << "202BC1-BM632w-000004:fw-upgrade" << true;
    QTest::newRow("fault task channel not hex (T098)") << "fault"
                                                       << "202BC1-BM632w-000004:task_x" << false;
    QTest::newRow("fault without channel") << "fault"
                                           << "202BC1-BM632w-000004" << false;
    QTest::newRow("device id with raw dot") << "device"
                                            << "a.b" << false;
    QTest::newRow("device id broken escape") << "device"
                                             << "a%G2" << false;
    QTest::newRow("device id ends in %") << "device"
                                         << "a%" << false;
    QTest::newRow("escaped device id") << "device"
                                       << "00AAAA-LabBox-LAB%2D001" << true;
}

void TestNbiPath::ids()
{
    QFETCH(QString, kind);
    QFETCH(QString, id);
    QFETCH(bool, ok);
    const QString error = kind == QLatin1String("task")    ? checkTaskId(id)
                          : kind == QLatin1String("fault") ? checkFaultId(id)
                                                           : checkDeviceId(id);
    QCOMPARE(error.isEmpty(), ok);
}

void TestNbiPath::version_data()
{
    QTest::addColumn<QString>("header");
    QTest::addColumn<QString>("number");
    QTest::addColumn<int>("generation");
    using G = GenieAcsVersion::Generation;
    QTest::newRow("1.2.16 build (T005)") << "1.2.16+26120138e9"
                                         << "1.2.16" << int(G::Modern);
    QTest::newRow("1.2.10") << "1.2.10"
                            << "1.2.10" << int(G::Modern);
    QTest::newRow("1.2.9") << "1.2.9+abc"
                           << "1.2.9" << int(G::Legacy);
    QTest::newRow("1.2.8") << "1.2.8"
                           << "1.2.8" << int(G::Legacy);
    QTest::newRow("1.3 pre-release") << "1.3.0-beta.0"
                                     << "1.3.0" << int(G::Modern);
    QTest::newRow("garbage") << "nginx"
                             << "" << int(G::Unknown);
    QTest::newRow("empty") << ""
                           << "" << int(G::Unknown);
}

void TestNbiPath::version()
{
    QFETCH(QString, header);
    QFETCH(QString, number);
    QFETCH(int, generation);
    const GenieAcsVersion v = GenieAcsVersion::parse(header);
    QCOMPARE(v.number().toString(), number);
    QCOMPARE(int(v.generation()), generation);
}

QTEST_GUILESS_MAIN(TestNbiPath)
#include "tst_nbipath.moc"
