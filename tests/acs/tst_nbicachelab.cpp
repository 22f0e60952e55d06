// NbiClient::putFile against the embedded lab with GenieACS's stale CWMP file cache
// (GENIEACS.md §5, app/lab CwmpEngine::Config::staleFileCache): the Download RPC a router is
// sent after an upload carries the file's real FileSize only because putFile refreshes the
// cache (DELETE /objects/firmwaredesk-cache-refresh); a plain PUT /files leaves FileSize 0.
// End to end: NbiClient -> lab NBI -> lab CWMP engine -> simulated router (lab Fleet), on an
// injected ManualClock.
#include "acs/actionjob.h"
#include "acs/nbiclient.h"
#include "acs/nbijob.h"
#include "acs/taskjob.h"
#include "acs/taskspec.h"
#include "core/clock.h"
#include "lab/fleet.h"
#include "lab/fleetprofile.h"
#include "lab/labfileserver.h"
#include "lab/labstore.h"
#include "lab/nbiserver.h"

#include "runjob.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace fwd::acs;

namespace {

// Two vendors as in tests/lab/data/profile-small.json; sessions take no simulated time.
constexpr const char *kProfile = R"({
  "cwmpRoundTripMs": 0,
  "periodicInformInterval": 300,
  "informJitter": 0.1,
  "rebootSeconds": 60,
  "downloadDelaySeconds": 5,
  "vendors": [
    {"name": "mikrotik-hap-ac-lite", "share": 0.5, "manufacturer": "MikroTik", "oui": "E48D8C",
     "productClass": "hAP ac lite", "modelName": "RB952Ui-5ac2nD", "hardwareVersion": "v1.0",
     "dataModel": "tr181", "mikrotik": true, "architectures": ["mipsbe"],
     "versions": ["6.49.18"]},
    {"name": "huawei-bm632w", "share": 0.5, "manufacturer": "Huawei Technologies Co., Ltd.",
     "oui": "202BC1", "productClass": "BM632w", "hardwareVersion": "40501",
     "dataModel": "tr098", "architectures": ["mips"], "versions": ["V100R001IRQC56B017"],
     "serialPrefix": "HW"}
  ]
})";

// A firmware image the lab's Huawei routers accept (vendor image: the version after the tag).
const QByteArray kImage = "FWDLAB-FIRMWARE V100R001IRQC56B018\n";

using fwd::acs::testing::run;

} // namespace

class TestNbiCacheLab final : public QObject
{
    Q_OBJECT

public:
    enum class Upload {
        PutFile,               // NbiClient::putFile as the product calls it
        PutFileThenRefresh,    // putFile(refreshCwmpCache = false), then refreshCwmpCache()
        PutFileWithoutRefresh, // putFile(refreshCwmpCache = false) alone
        RawPut,                // PUT /files/<name> through NbiRawJob: what putFile did before
    };
    Q_ENUM(Upload)

private Q_SLOTS:
    void init();
    void cleanup();
    void downloadCarriesTheFileSize_data();
    void downloadCarriesTheFileSize();

private:
    int firstHuawei() const;

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<fwd::ManualClock> m_clock;
    std::unique_ptr<fwd::lab::LabStore> m_store;
    std::unique_ptr<fwd::lab::NbiServer> m_nbi;
    std::unique_ptr<fwd::lab::LabFileServer> m_fs;
    std::unique_ptr<fwd::lab::Fleet> m_fleet;
    std::unique_ptr<NbiClient> m_client;
};

void TestNbiCacheLab::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_clock =
        std::make_unique<fwd::ManualClock>(QDateTime(QDate(2026, 12, 1), QTime(6, 30), Qt::UTC));
    m_store = std::make_unique<fwd::lab::LabStore>(*m_clock);
    fwd::lab::NbiServer::Options no;
    no.sessionPollMs = 20;
    m_nbi = std::make_unique<fwd::lab::NbiServer>(*m_store, no);
    QVERIFY(m_nbi->listen());
    m_fs = std::make_unique<fwd::lab::LabFileServer>(*m_store);
    QVERIFY(m_fs->listen());

    QString error;
    const auto profile = fwd::lab::FleetProfile::fromJson(kProfile, &error);
    QVERIFY2(profile.has_value(), qPrintable(error));
    fwd::lab::Fleet::Options fo;
    fo.devices = 4;
    fo.seed = 7;
    fo.tickMs = 3600 * 1000; // the test drives the scheduler itself
    fo.engine.fsUrlPrefix = m_fs->urlPrefix();
    fo.engine.staleFileCache = true; // GenieACS's behaviour (the lab's default)
    m_fleet = std::make_unique<fwd::lab::Fleet>(*m_store, *m_clock, *profile, fo);
    m_nbi->setConnectionRequester(m_fleet.get());
    // Every router registers at 06:30:00: its session fills the CWMP side's file cache (empty)
    // and writes the cache hash that PUT /files leaves in place.
    m_fleet->start();
    QVERIFY(m_store->collection(QStringLiteral("cache"))
                ->find(fwd::lab::CwmpEngine::kLocalCacheHashKey));

    fwd::AcsProfile p;
    p.name = QStringLiteral("lab");
    p.nbiUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_nbi->port()));
    p.timeoutMs = 5000;
    NbiClient::Options o;
    o.retryBaseDelayMs = 10;
    o.retryMaxDelayMs = 50;
    o.connectionRequestWaitMs = 2000;
    m_client = std::make_unique<NbiClient>(p, QString(), nullptr, o);
}

void TestNbiCacheLab::cleanup()
{
    QCOMPARE(m_nbi->http().crashCount(), 0); // nothing here may crash GenieACS's NBI worker
    m_client.reset();
    m_nbi.reset();
    m_fleet.reset();
    m_fs.reset();
    m_store.reset();
    m_clock.reset();
    m_dir.reset();
}

int TestNbiCacheLab::firstHuawei() const
{
    for (int i = 0; i < m_fleet->size(); ++i) {
        if (m_fleet->profile().vendors.at(m_fleet->cpe(i).vendor).name ==
                QLatin1String("huawei-bm632w") &&
            !(m_fleet->cpe(i).flags & fwd::lab::SimulatedCpe::Offline))
            return i;
    }
    return -1;
}

void TestNbiCacheLab::downloadCarriesTheFileSize_data()
{
    QTest::addColumn<Upload>("upload");
    QTest::addColumn<bool>("sizeSent"); // else FileSize 0
    QTest::newRow("putFile refreshes the cache") << Upload::PutFile << true;
    QTest::newRow("putFile without refresh, then refreshCwmpCache()")
        << Upload::PutFileThenRefresh << true;
    QTest::newRow("putFile without refresh: FileSize 0") << Upload::PutFileWithoutRefresh << false;
    QTest::newRow("plain PUT /files: FileSize 0") << Upload::RawPut << false;
}

void TestNbiCacheLab::downloadCarriesTheFileSize()
{
    QFETCH(Upload, upload);
    QFETCH(bool, sizeSent);
    const int router = firstHuawei();
    QVERIFY(router >= 0);
    const QString deviceId = m_fleet->deviceId(router);
    const QString local = m_dir->filePath(QStringLiteral("fw.bin"));
    {
        QFile f(local);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QCOMPARE(f.write(kImage), qint64(kImage.size()));
    }
    const QString name = QStringLiteral("fw-B018.bin");
    FileMetadata metadata;
    metadata.fileType = QStringLiteral("1 Firmware Upgrade Image");
    metadata.oui = QStringLiteral("202BC1");
    metadata.productClass = QStringLiteral("BM632w");
    metadata.version = QStringLiteral("V100R001IRQC56B018");

    // One second after the registrations, still in their 5-second cache slot.
    m_clock->advance(1000);
    switch (upload) {
    case Upload::PutFile: {
        const auto put = run<ActionResult>(m_client->putFile(name, local, metadata));
        QVERIFY2(put.ok(), qPrintable(put.errorString));
        QCOMPARE(put.payload.cacheRefresh, ActionOutcome::CacheRefresh::Refreshed);
        break;
    }
    case Upload::PutFileThenRefresh:
    case Upload::PutFileWithoutRefresh: {
        const auto put = run<ActionResult>(m_client->putFile(name, local, metadata, false));
        QVERIFY2(put.ok(), qPrintable(put.errorString));
        QCOMPARE(put.payload.cacheRefresh, ActionOutcome::CacheRefresh::NotRequested);
        if (upload == Upload::PutFileThenRefresh) {
            const auto refresh = run<ActionResult>(m_client->refreshCwmpCache());
            QVERIFY2(refresh.ok(), qPrintable(refresh.errorString));
        }
        break;
    }
    case Upload::RawPut: {
        NbiRequest r;
        r.method = "PUT";
        r.path = "/files/" + QUrl::toPercentEncoding(name);
        r.uploadFile = local;
        r.idempotent = false;
        r.headers = {{"fileType", metadata.fileType.toLatin1()},
                     {"oui", metadata.oui.toLatin1()},
                     {"productClass", metadata.productClass.toLatin1()},
                     {"version", metadata.version.toLatin1()}};
        auto *job = new NbiRawJob(*m_client, r);
        QSignalSpy spy(job, &NbiRawJob::finished);
        job->start();
        QVERIFY(spy.wait(20000));
        const auto status = spy.at(0).at(1).value<NbiStatus>();
        QVERIFY2(status.ok(), qPrintable(status.errorString));
        QCOMPARE(spy.at(0).at(0).value<NbiReply>().httpStatus, 201);
        break;
    }
    }
    // The lab holds the file with its length whatever the CWMP side's cache says.
    const QVariantMap *stored = m_store->files().find(name);
    QVERIFY(stored);
    QCOMPARE(qint64(stored->value(QStringLiteral("length")).toDouble()), qint64(kImage.size()));

    // The next 5-second slot: the router's session (after a connection request) looks at the
    // cache again. Force upgrade: a download task with a connection request.
    m_clock->advance(5000);
    const int sessionsBefore = m_fleet->sessionsRun();
    TaskOptions options;
    options.connectionRequest = true;
    const auto task = run<TaskResult>(
        m_client->createTask(deviceId, TaskSpec::download(metadata.fileType, name), options));
    QVERIFY2(task.ok(), qPrintable(task.errorString));
    QVERIFY2(task.payload.outcome == TaskOutcome::AcceptedByDevice,
             qPrintable(task.payload.fault ? task.payload.fault->code + QLatin1Char(' ') +
                                                 task.payload.fault->message
                                           : task.payload.reason));
    QCOMPARE(m_fleet->sessionsRun(), sessionsBefore + 1);

    // A 200 on a download only means the router took the RPC (DESIGN.md). What it was sent:
    const fwd::lab::PendingTransfer *transfer = m_fleet->cpe(router).transfer.get();
    QVERIFY(transfer);
    QVERIFY2(transfer->url.endsWith(QLatin1String("/fw-B018.bin")), qPrintable(transfer->url));
    QCOMPARE(transfer->fileSize, sizeSent ? qint64(kImage.size()) : qint64(0));

    // Either way the router fetches the file and upgrades (FileSize is informational).
    QSignalSpy finished(m_fleet.get(), &fwd::lab::Fleet::transferFinished);
    m_clock->advance(5000);
    m_fleet->processDue();
    QVERIFY(finished.wait(10000));
    QCOMPARE(finished.first().at(0).toString(), deviceId);
    QCOMPARE(finished.first().at(1).toInt(), 0);
    m_clock->advance(60 * 1000); // the reboot
    m_fleet->processDue();
    QCOMPARE(m_fleet->cpe(router).version, QStringLiteral("V100R001IRQC56B018"));
}

QTEST_GUILESS_MAIN(TestNbiCacheLab)
#include "tst_nbicachelab.moc"
