#include "firmware/npkinfo.h"
#include "firmware/npkwriter.h"
#include "firmware/upgradedescriptor.h"
#include "lab/docvalue.h"
#include "lab/labcommandline.h"
#include "rawhttp.h"

#include <QCommandLineOption>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace fwd::lab;
using fwd::lab::test::RawHttpClient;
using fwd::lab::test::RawResponse;

// The issue's acceptance run, as a test: firmwaredesk-lab with 1,000 routers, files uploaded with
// curl through the NBI, a download task with connection_request, and the router's new version
// read back through the NBI.
class TestLabProcess final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void upgradeOneRouterOfAThousand();
    void badInvocation();
    void helpAndReadmeNameEveryOption();

private:
    QByteArray get(const QByteArray &target);
    bool curlPut(const QString &file, const QString &name, const QStringList &headers);

    QProcess m_lab;
    quint16 m_nbiPort = 0;
    QString m_fsPrefix;
    QTemporaryDir m_dir;
};

void TestLabProcess::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_lab.setProgram(QStringLiteral(FWD_LAB_EXE));
    m_lab.setArguments({QStringLiteral("--devices"), QStringLiteral("1000"),
                        QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--fs-port"),
                        QStringLiteral("0"), QStringLiteral("--clock-factor"),
                        QStringLiteral("600"), QStringLiteral("--seed"), QStringLiteral("42")});
    m_lab.setProcessChannelMode(QProcess::SeparateChannels);
    m_lab.start();
    QVERIFY(m_lab.waitForStarted(10000));
    QByteArray out;
    QTRY_VERIFY_WITH_TIMEOUT((out += m_lab.readAllStandardOutput()).contains("routers "), 30000);
    const auto nbi = QRegularExpression(QStringLiteral("NBI http://127.0.0.1:(\\d+)/"))
                         .match(QString::fromUtf8(out));
    const auto fs = QRegularExpression(QStringLiteral("FS (\\S+)")).match(QString::fromUtf8(out));
    QVERIFY(nbi.hasMatch() && fs.hasMatch());
    m_nbiPort = quint16(nbi.captured(1).toUInt());
    m_fsPrefix = fs.captured(1);
}

void TestLabProcess::cleanupTestCase()
{
    m_lab.terminate();
    if (!m_lab.waitForFinished(5000))
        m_lab.kill();
}

QByteArray TestLabProcess::get(const QByteArray &target)
{
    RawHttpClient c(m_nbiPort);
    return c.request("GET", target).body;
}

bool TestLabProcess::curlPut(const QString &file, const QString &name, const QStringList &headers)
{
    QStringList args = {QStringLiteral("-sS"),
                        QStringLiteral("-o"),
                        QStringLiteral("/dev/null"),
                        QStringLiteral("-w"),
                        QStringLiteral("%{http_code}"),
                        QStringLiteral("-T"),
                        file};
    for (const QString &h : headers)
        args << QStringLiteral("-H") << h;
    args << QStringLiteral("http://127.0.0.1:%1/files/%2").arg(m_nbiPort).arg(name);
    QProcess curl;
    QSignalSpy finished(&curl, &QProcess::finished);
    curl.start(QStringLiteral("curl"), args);
    if (!curl.waitForStarted(10000) || !finished.wait(30000))
        return false;
    return curl.readAllStandardOutput() == "201";
}

void TestLabProcess::upgradeOneRouterOfAThousand()
{
    RawHttpClient c(m_nbiPort);
    QCOMPARE(c.request("HEAD", "/devices/").header("total"), QByteArray("1000"));
    QString e;
    // A MikroTik router still on 6.49.18.
    const QByteArray q =
        R"({"_deviceId._Manufacturer":"MikroTik","Device.DeviceInfo.SoftwareVersion":"6.49.18"})";
    QVariantList list = docvalue::parseJson(get("/devices/?query=" + q.toPercentEncoding() +
                                                "&projection=_id&limit=1&sort=%7B%22_id%22%3A1%7D"),
                                            &e)
                            .toList();
    QCOMPARE(list.size(), 1);
    const QString id = list.first().toMap().value(QStringLiteral("_id")).toString();
    const QByteArray idPath = id.toUtf8().toPercentEncoding();
    // Its architecture, fetched with a getParameterValues task + connection request.
    RawResponse r = c.request(
        "POST", "/devices/" + idPath + "/tasks?connection_request",
        R"({"name":"getParameterValues","parameterNames":["Device.DeviceInfo.X_MIKROTIK_ArchName"]})");
    QCOMPARE(r.status, 200);
    const QByteArray byId = "{\"_id\":\"" + id.toUtf8() + "\"}";
    QVariantMap doc =
        docvalue::parseJson(get("/devices/?query=" + byId.toPercentEncoding() +
                                "&projection=Device.DeviceInfo.X_MIKROTIK_ArchName._value"),
                            &e)
            .toList()
            .value(0)
            .toMap();
    const QString arch =
        docvalue::getPath(doc, u"Device.DeviceInfo.X_MIKROTIK_ArchName._value").toString();
    QVERIFY(!arch.isEmpty());

    // Packages and the descriptor, uploaded with curl.
    QStringList names;
    for (const char *pkg : {"system", "tr069-client"}) {
        fwd::firmware::NpkPackageSpec spec;
        spec.name = QLatin1String(pkg);
        spec.version = *fwd::firmware::RouterOsVersion::fromString(QStringLiteral("7.15.3"));
        spec.npkArchitecture = fwd::firmware::npkArchitectureFromRouterOs(arch);
        spec.dependsOnSystem = spec.name != QLatin1String("system");
        const QString name = QStringLiteral("%1-7.15.3-%2.npk").arg(spec.name, arch);
        QString error;
        QVERIFY2(fwd::firmware::NpkWriter::writeFile(m_dir.filePath(name), spec, &error),
                 qPrintable(error));
        QVERIFY(curlPut(m_dir.filePath(name), name, {QStringLiteral("fileType: X MIKROTIK NPK")}));
        names << name;
    }
    fwd::firmware::UpgradeDescriptor d;
    for (const QString &n : std::as_const(names))
        d.links << QUrl(m_fsPrefix + n);
    const QString xmlName =
        fwd::firmware::UpgradeDescriptor::fileNameFor(QStringLiteral("7.15.3"), arch);
    QFile xml(m_dir.filePath(xmlName));
    QVERIFY(xml.open(QIODevice::WriteOnly));
    xml.write(d.toXml());
    xml.close();
    QVERIFY(curlPut(xml.fileName(), xmlName,
                    {QStringLiteral("fileType: 1 Firmware Upgrade Image"),
                     QStringLiteral("oui: E48D8C"), QStringLiteral("version: 7.15.3")}));
    QCOMPARE(c.request("HEAD", "/files/").header("total"), QByteArray("3"));

    // The download task with a connection request: 200 = the router took the Download RPC.
    r = c.request("POST", "/devices/" + idPath + "/tasks?connection_request",
                  R"({"name":"download","fileType":"1 Firmware Upgrade Image","fileName":")" +
                      xmlName.toUtf8() + "\"}");
    QCOMPARE(r.status, 200);
    QCOMPARE(r.reason, QByteArray("OK"));

    // The router fetches, checks, reboots (60 simulated seconds = 0.1 s here) and informs.
    const QByteArray versionQuery =
        "/devices/?query=" + byId.toPercentEncoding() +
        "&projection=Device.DeviceInfo.SoftwareVersion._value,_lastBoot,Downloads.1.LastFileName";
    QTRY_VERIFY_WITH_TIMEOUT(
        docvalue::getPath(docvalue::parseJson(get(versionQuery), &e).toList().value(0),
                          u"Device.DeviceInfo.SoftwareVersion._value")
                .toString() == QLatin1String("7.15.3"),
        30000);
    doc = docvalue::parseJson(get(versionQuery), &e).toList().value(0).toMap();
    QCOMPARE(docvalue::getPath(doc, u"Downloads.1.LastFileName._value").toString(), xmlName);
    QCOMPARE(get("/faults/"), QByteArray("[\n\n]"));
    // The other 999 routers are untouched.
    const QByteArray upgraded = R"({"Device.DeviceInfo.SoftwareVersion":"7.15.3"})";
    QCOMPARE(c.request("HEAD", "/devices/?query=" + upgraded.toPercentEncoding()).header("total"),
             QByteArray("1"));
}

void TestLabProcess::badInvocation()
{
    QProcess p;
    p.start(QStringLiteral(FWD_LAB_EXE), {QStringLiteral("--devices"), QStringLiteral("lots")});
    QVERIFY(p.waitForStarted(10000));
    QTRY_VERIFY_WITH_TIMEOUT(p.state() == QProcess::NotRunning, 10000);
    QCOMPARE(p.exitCode(), 2);
    QVERIFY(p.readAllStandardError().contains("invalid --devices"));
    QProcess q;
    q.start(QStringLiteral(FWD_LAB_EXE),
            {QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--fs-port"),
             QStringLiteral("0"), QStringLiteral("--profile"),
             QStringLiteral("/nonexistent.json")});
    QVERIFY(q.waitForStarted(10000));
    QTRY_VERIFY_WITH_TIMEOUT(q.state() == QProcess::NotRunning, 10000);
    QCOMPARE(q.exitCode(), 1);
    QVERIFY(q.readAllStandardError().contains("profile"));
    const QList<QPair<QStringList, QByteArray>> bad = {
        {{QStringLiteral("--ext-dir"), QStringLiteral("/nonexistent-ext-dir")},
         "--ext-dir /nonexistent-ext-dir is not a directory"},
        {{QStringLiteral("--max-concurrent-requests"), QStringLiteral("-1")},
         "invalid --max-concurrent-requests"},
        {{QStringLiteral("--ext-timeout-ms"), QStringLiteral("0")}, "invalid --ext-timeout-ms"}};
    for (const auto &[args, message] : bad) {
        QProcess r;
        r.start(QStringLiteral(FWD_LAB_EXE), args);
        QVERIFY(r.waitForStarted(10000));
        QTRY_VERIFY_WITH_TIMEOUT(r.state() == QProcess::NotRunning, 10000);
        QCOMPARE(r.exitCode(), 2);
        QVERIFY2(r.readAllStandardError().contains(message), message.constData());
    }
    // A key without its certificate (or the reverse) is refused, not ignored (which served
    // plain HTTP without a word).
    const QList<QPair<QStringList, QByteArray>> halfTls = {
        {{QStringLiteral("--fs-key"), QStringLiteral("/nonexistent.key")},
         "--fs-key needs --fs-cert"},
        {{QStringLiteral("--fs-cert"), QStringLiteral("/nonexistent.pem")},
         "--fs-cert needs --fs-key"}};
    for (const auto &[args, message] : halfTls) {
        QProcess r;
        r.start(QStringLiteral(FWD_LAB_EXE),
                QStringList{QStringLiteral("--devices"), QStringLiteral("1"),
                            QStringLiteral("--port"), QStringLiteral("0"),
                            QStringLiteral("--fs-port"), QStringLiteral("0")} +
                    args);
        QVERIFY(r.waitForStarted(10000));
        QTRY_VERIFY_WITH_TIMEOUT(r.state() == QProcess::NotRunning, 10000);
        QCOMPARE(r.exitCode(), 1);
        const QByteArray err = r.readAllStandardError();
        QVERIFY2(err.contains(message), err.constData());
        QVERIFY(!r.readAllStandardOutput().contains("NBI http"));
    }
}

void TestLabProcess::helpAndReadmeNameEveryOption()
{
    QProcess help;
    help.start(QStringLiteral(FWD_LAB_EXE), {QStringLiteral("--help")});
    QVERIFY(help.waitForFinished(10000));
    const QString text = QString::fromUtf8(help.readAllStandardOutput());
    QFile readmeFile(QStringLiteral(FWD_LAB_README));
    QVERIFY(readmeFile.open(QIODevice::ReadOnly));
    const QString readme = QString::fromUtf8(readmeFile.readAll());
    // Every option the parser accepts (the list main.cpp gives it), not a hand-kept subset.
    const QList<QCommandLineOption> options = LabCommandLine::options();
    QVERIFY(options.size() >= 16);
    for (const QCommandLineOption &o : options) {
        for (const QString &name : o.names()) {
            const QString flag =
                (name.size() == 1 ? QStringLiteral("-") : QStringLiteral("--")) + name;
            // --help: a line of its own ("  --devices <N>  Number of ...").
            const QRegularExpression entry(QStringLiteral("(?m)^\\s+(-\\w, )?%1( <[^>]+>)?\\s")
                                               .arg(QRegularExpression::escape(flag)));
            QVERIFY2(entry.match(text).hasMatch(),
                     qPrintable(QString(flag + QStringLiteral(" in --help"))));
            // app/lab/README.md "Run": `--devices N`, `--fs-cert`/`--fs-key`, ...
            const QString quoted = QStringLiteral("`") + flag;
            QVERIFY2(readme.contains(QString(quoted + u'`')) ||
                         readme.contains(QString(quoted + u' ')),
                     qPrintable(QString(flag + QStringLiteral(" in app/lab/README.md"))));
        }
    }
    // Since MAX_CONCURRENT_REQUESTS counts requests, not sessions (README "Sessions in time").
    const QString flat = text.simplified();
    QVERIFY(flat.contains(QLatin1String("finds this many CWMP requests in progress")));
    QVERIFY(!flat.contains(QLatin1String("sessions in progress")));
}

QTEST_GUILESS_MAIN(TestLabProcess)
#include "tst_labprocess.moc"
