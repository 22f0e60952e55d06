#include "acs/actionjob.h"
#include "acs/nbiclient.h"
#include "acs/queryjob.h"
#include "acs/taskjob.h"
#include "core/clock.h"
#include "fileserver/accesslog.h"
#include "fileserver/fileserver.h"
#include "firmware/descriptorvalidator.h"
#include "firmware/npkreader.h"
#include "firmware/npkwriter.h"
#include "firmware/upgradedescriptor.h"
#include "lab/labserver.h"

#include <QFile>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace fwd;

// The reference guide's story (STEP 1 to STEP 4) against the lab, end to end and over real
// sockets: two RouterOS 6.48.4 packages (routeros-x86 bundle and tr069-client) are published by
// the built-in HTTPS file server, the MikroTik upgrade XML that links them is built, validated
// and published, registered in the lab's GenieACS, and a simulated RouterOS 6.48 x86 router that
// trusts the file server's certificate downloads the XML and both packages over HTTPS, applies
// them, reboots and reports 6.48.4, read back through the NBI client.
class TestReferenceStory final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void routerUpgradesFromTheBuiltInServer();
    void untrustedFileServerCertificateFailsTheDownload();

private:
    QString writePackage(const QString &fileName, const firmware::NpkBundleSpec &bundle);
    QString writePackage(const QString &fileName, const firmware::NpkPackageSpec &spec);
    // Publishes the packages and the descriptor; returns the descriptor's name.
    QString publishRelease(fileserver::FileServer &server);
    std::unique_ptr<lab::LabServer> startLab(const QString &trustedCa, const QUrl &fsPrefix);
    template<typename Result, typename Job>
    Result wait(Job *job);
    // The first router by id, once the fleet has registered.
    QString firstDevice(acs::NbiClient &client);

    QTemporaryDir m_dir;
    SystemClock m_clock;
};

void TestReferenceStory::initTestCase()
{
    QVERIFY(m_dir.isValid());
}

QString TestReferenceStory::writePackage(const QString &fileName,
                                         const firmware::NpkBundleSpec &bundle)
{
    const QString path = m_dir.filePath(fileName);
    QString error;
    return firmware::NpkWriter::writeFile(path, bundle, &error) ? path : QString();
}

QString TestReferenceStory::writePackage(const QString &fileName,
                                         const firmware::NpkPackageSpec &spec)
{
    const QString path = m_dir.filePath(fileName);
    QString error;
    return firmware::NpkWriter::writeFile(path, spec, &error) ? path : QString();
}

template<typename Result, typename Job>
Result TestReferenceStory::wait(Job *job)
{
    QSignalSpy spy(job, &Job::finished);
    job->start();
    if (spy.isEmpty() && !spy.wait(60000)) {
        Result timedOut;
        timedOut.error = acs::NbiError::Network;
        timedOut.errorString = QStringLiteral("test: the job did not finish within 60 s");
        return timedOut;
    }
    return spy.at(0).at(0).template value<Result>();
}

QString TestReferenceStory::firstDevice(acs::NbiClient &client)
{
    acs::QueryOptions q;
    q.projection = {QStringLiteral("_id")};
    q.sort = QJsonObject{{QStringLiteral("_id"), 1}};
    q.limit = 1;
    QString id;
    auto registered = [&] {
        const auto r = wait<acs::QueryResult>(client.query(acs::Collection::Devices, q));
        if (r.ok() && !r.payload.documents.isEmpty())
            id = r.payload.documents.first().value(QStringLiteral("_id")).toString();
        return !id.isEmpty();
    };
    for (int i = 0; i < 100 && !registered(); ++i)
        QTest::qWait(100);
    return id;
}

QString TestReferenceStory::publishRelease(fileserver::FileServer &server)
{
    const auto version = firmware::RouterOsVersion::fromString(QStringLiteral("6.48.4")).value();
    firmware::NpkPackageSpec system;
    system.name = QStringLiteral("system");
    system.version = version;
    system.npkArchitecture = QStringLiteral("i386");
    system.dependsOnSystem = false;
    firmware::NpkBundleSpec routeros;
    routeros.name = QStringLiteral("routeros-x86");
    routeros.version = version;
    routeros.npkArchitecture = QStringLiteral("i386");
    routeros.packages = {system};
    firmware::NpkPackageSpec tr069;
    tr069.name = QStringLiteral("tr069-client");
    tr069.version = version;
    tr069.npkArchitecture = QStringLiteral("i386");

    const QStringList paths = {writePackage(QStringLiteral("routeros-x86-6.48.4.npk"), routeros),
                               writePackage(QStringLiteral("tr069-client-6.48.4.npk"), tr069)};
    QList<firmware::DescriptorPackage> packages;
    for (const QString &path : paths) {
        if (path.isEmpty())
            return {};
        const auto read = firmware::NpkReader::read(path);
        if (!read.ok())
            return {};
        fileserver::PublishedFile file;
        file.name = QFileInfo(path).fileName();
        file.absolutePath = path;
        if (!server.publish(file).isEmpty())
            return {};
        packages << firmware::DescriptorPackage::fromNpk(server.urlFor(file.name), read.info,
                                                         QFileInfo(path).size());
    }
    // The descriptor of the guide's STEP 2, validated before it is published.
    if (firmware::DescriptorValidator::hasErrors(firmware::DescriptorValidator::validate(packages)))
        return {};
    const QString name = firmware::DescriptorValidator::descriptorFileName(packages);
    QFile xml(m_dir.filePath(name));
    if (!xml.open(QIODevice::WriteOnly))
        return {};
    xml.write(firmware::DescriptorValidator::build(packages).toXml());
    xml.close();
    fileserver::PublishedFile descriptor;
    descriptor.name = name;
    descriptor.absolutePath = xml.fileName();
    return server.publish(descriptor).isEmpty() ? name : QString();
}

std::unique_ptr<lab::LabServer> TestReferenceStory::startLab(const QString &trustedCa,
                                                             const QUrl &fsPrefix)
{
    // Five RouterOS 6.48 x86 routers (CHR, as in the guide) that trust only the given CA.
    const QString profilePath =
        m_dir.filePath(QStringLiteral("fleet-%1.json").arg(QFileInfo(trustedCa).baseName()));
    QFile profile(profilePath);
    if (!profile.open(QIODevice::WriteOnly))
        return nullptr;
    profile.write(QStringLiteral(R"({"periodicInformInterval": 300, "informJitter": 0,
        "rebootSeconds": 60, "downloadDelaySeconds": 5, "trustedCaFiles": ["%1"],
        "vendors": [{"name": "mikrotik", "share": 1, "manufacturer": "MikroTik",
          "oui": "E48D8C", "productClass": "CHR", "modelName": "CHR", "dataModel": "tr181",
          "mikrotik": true, "architectures": ["x86"], "versions": ["6.48"]}]})")
                      .arg(trustedCa)
                      .toUtf8());
    profile.close();
    lab::LabServer::Options o;
    o.devices = 5;
    o.nbiPort = 0;
    o.fsPort = 0;
    o.clockFactor = 600; // the router's 60 s reboot takes 0.1 s
    o.profileFile = profilePath;
    o.fsUrlPrefix = fsPrefix.toString(); // GenieACS's FS_URL_PREFIX: the built-in server
    auto lab = std::make_unique<lab::LabServer>(o);
    if (!lab->start()) {
        qWarning() << lab->errorString();
        return nullptr;
    }
    return lab;
}

void TestReferenceStory::routerUpgradesFromTheBuiltInServer()
{
    fileserver::MemoryAccessLogSink accessLog;
    fileserver::FileServer server(m_clock, &accessLog);
    fileserver::FileServerConfig config;
    config.bindAddress = QHostAddress::LocalHost;
    config.publicHost = QStringLiteral("127.0.0.1");
    config.dataDirectory = m_dir.filePath(QStringLiteral("fs"));
    QVERIFY2(server.start(config), qPrintable(server.errorString()));
    QVERIFY(server.baseUrl().scheme() == QLatin1String("https"));
    const QString descriptor = publishRelease(server);
    QCOMPARE(descriptor, QStringLiteral("upgrade_6.48.4_x86.xml"));

    // The routers trust the file server's (self-signed) certificate, as after importing it.
    auto lab = startLab(server.identity().certificatePath, server.baseUrl());
    QVERIFY(lab);

    AcsProfile profile;
    profile.name = QStringLiteral("lab");
    profile.nbiUrl = QUrl(QStringLiteral("http://127.0.0.1:%1/").arg(lab->nbiPort()));
    acs::NbiClient client(profile, QString());

    // Register the descriptor in GenieACS (the guide uploads it under Files), with metadata.
    acs::FileMetadata meta{QStringLiteral("1 Firmware Upgrade Image"), QStringLiteral("E48D8C"),
                           QStringLiteral("CHR"), QStringLiteral("6.48.4")};
    const auto put =
        wait<acs::ActionResult>(client.putFile(descriptor, m_dir.filePath(descriptor), meta));
    QVERIFY2(put.ok(), qPrintable(put.errorString));

    // Force the upgrade of one router now: a download task with a connection request.
    const QString deviceId = firstDevice(client);
    QVERIFY(!deviceId.isEmpty());
    acs::TaskOptions options;
    options.connectionRequest = true;
    options.waitMs = 3000;
    const auto task = wait<acs::TaskResult>(client.createTask(
        deviceId, acs::TaskSpec::download(QStringLiteral("1 Firmware Upgrade Image"), descriptor),
        options));
    QVERIFY2(task.ok(), qPrintable(task.errorString));
    // GenieACS's 200 only means the router accepted the download (DESIGN.md).
    QVERIFY(task.payload.outcome == acs::TaskOutcome::AcceptedByDevice ||
            task.payload.outcome == acs::TaskOutcome::Done);

    // The verdict is the version the router reports after it rebooted.
    const QString versionPath = QStringLiteral("Device.DeviceInfo.SoftwareVersion");
    QString reported;
    auto upgraded = [&] {
        acs::QueryOptions q;
        q.query = QJsonObject{{QStringLiteral("_id"), deviceId}};
        q.projection = {versionPath};
        const auto r = wait<acs::QueryResult>(client.query(acs::Collection::Devices, q));
        if (!r.ok() || r.payload.documents.isEmpty())
            return false;
        reported = r.payload.documents.first()
                       .value(QStringLiteral("Device"))
                       .toObject()
                       .value(QStringLiteral("DeviceInfo"))
                       .toObject()
                       .value(QStringLiteral("SoftwareVersion"))
                       .toObject()
                       .value(QStringLiteral("_value"))
                       .toString();
        return reported.startsWith(QLatin1String("6.48.4"));
    };
    QTRY_VERIFY_WITH_TIMEOUT(upgraded(), 60000);

    // The router fetched the XML and both packages from the built-in server, in full.
    QStringList fetched;
    for (const auto &r : accessLog.records()) {
        if (r.method == QLatin1String("GET") && r.completed && r.status == 200)
            fetched << r.file;
    }
    fetched.sort();
    QCOMPARE(fetched, (QStringList{QStringLiteral("routeros-x86-6.48.4.npk"),
                                   QStringLiteral("tr069-client-6.48.4.npk"), descriptor}));
    // The other routers were left alone.
    acs::QueryOptions others;
    others.query = QJsonObject{{versionPath, QStringLiteral("6.48")}};
    const auto untouched = wait<acs::QueryResult>(client.query(acs::Collection::Devices, others));
    QVERIFY(untouched.ok());
    QCOMPARE(untouched.payload.total, qint64(4));
}

void TestReferenceStory::untrustedFileServerCertificateFailsTheDownload()
{
    fileserver::MemoryAccessLogSink accessLog;
    fileserver::FileServer server(m_clock, &accessLog);
    fileserver::FileServerConfig config;
    config.bindAddress = QHostAddress::LocalHost;
    config.publicHost = QStringLiteral("127.0.0.1");
    config.dataDirectory = m_dir.filePath(QStringLiteral("fs2"));
    QVERIFY(server.start(config));
    const QString descriptor = publishRelease(server);
    QVERIFY(!descriptor.isEmpty());

    // These routers trust another CA only (the first test's file server certificate).
    QVERIFY(QFile::exists(m_dir.filePath(QStringLiteral("fs/")))); // made by the first test
    fileserver::FileServer other(m_clock);
    fileserver::FileServerConfig otherConfig = config;
    otherConfig.dataDirectory = m_dir.filePath(QStringLiteral("fs3"));
    QVERIFY(other.start(otherConfig));
    auto lab = startLab(other.identity().certificatePath, server.baseUrl());
    QVERIFY(lab);

    AcsProfile profile;
    profile.name = QStringLiteral("lab");
    profile.nbiUrl = QUrl(QStringLiteral("http://127.0.0.1:%1/").arg(lab->nbiPort()));
    acs::NbiClient client(profile, QString());
    acs::FileMetadata meta{QStringLiteral("1 Firmware Upgrade Image"), QString(), QString(),
                           QStringLiteral("6.48.4")};
    QVERIFY(
        wait<acs::ActionResult>(client.putFile(descriptor, m_dir.filePath(descriptor), meta)).ok());
    const QString deviceId = firstDevice(client);
    QVERIFY(!deviceId.isEmpty());
    acs::TaskOptions options;
    options.connectionRequest = true;
    options.waitMs = 3000;
    QVERIFY(wait<acs::TaskResult>(
                client.createTask(
                    deviceId,
                    acs::TaskSpec::download(QStringLiteral("1 Firmware Upgrade Image"), descriptor),
                    options))
                .ok());

    // Like a real router, it refuses the certificate: a TransferComplete fault, no new version.
    QJsonObject fault;
    auto faulted = [&] {
        acs::QueryOptions q;
        q.query = QJsonObject{{QStringLiteral("device"), deviceId}};
        const auto r = wait<acs::QueryResult>(client.listFaults(q));
        if (!r.ok() || r.payload.documents.isEmpty())
            return false;
        fault = r.payload.documents.first();
        return true;
    };
    QTRY_VERIFY_WITH_TIMEOUT(faulted(), 60000);
    const QString code = fault.value(QStringLiteral("code")).toString();
    QVERIFY2(code.startsWith(QLatin1String("cwmp.90")), qPrintable(code));
    int completed = 0;
    for (const auto &r : accessLog.records())
        completed += r.completed && r.method == QLatin1String("GET") ? 1 : 0;
    QCOMPARE(completed, 0);
}

QTEST_GUILESS_MAIN(TestReferenceStory)
#include "tst_referencestory.moc"
