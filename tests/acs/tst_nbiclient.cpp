// Every call of NbiClient against the lab's GenieACS-compatible NBI (app/lab) on 127.0.0.1:
// what is sent, what comes back typed, and that none of it ever crashes GenieACS's NBI worker
// (the lab emulates those crashes and counts them).
#include "acs/actionjob.h"
#include "acs/connectiontest.h"
#include "acs/devicelistjob.h"
#include "acs/faultsweepjob.h"
#include "acs/nbipath.h"
#include "acs/preset.h"
#include "acs/queryjob.h"
#include "acs/taskjob.h"
#include "core/clock.h"
#include "lab/connectionrequester.h"
#include "lab/cwmpengine.h"
#include "lab/labstore.h"
#include "lab/nbiserver.h"

#include "runjob.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTemporaryFile>
#include <QTest>
#include <QTimer>

using namespace fwd::acs;

namespace {

// The CPE side of a connection request, in-process: accept (or fail with GenieACS's error
// text), then open a session that runs the test's body and ends.
class Requester final : public fwd::lab::ConnectionRequester
{
public:
    explicit Requester(fwd::lab::LabStore &store)
        : m_store(store)
    {}
    void connectionRequest(const QString &deviceId,
                           std::function<void(const QString &)> done) override
    {
        ++requests;
        done(error);
        if (!error.isEmpty() || !startSession)
            return;
        QTimer::singleShot(0, &m_store, [this, deviceId] {
            m_store.setInSession(deviceId, true);
            if (fwd::lab::DeviceRecord *d = m_store.device(deviceId))
                d->lastInform = m_store.nowMs() + 1;
            QTimer::singleShot(20, &m_store, [this, deviceId] {
                if (session)
                    session(deviceId);
                m_store.setInSession(deviceId, false);
            });
        });
    }
    QString error;
    bool startSession = true;
    std::function<void(const QString &)> session;
    int requests = 0;

private:
    fwd::lab::LabStore &m_store;
};

// A router that refuses Reboot with CWMP fault 9001 and counts the RPCs it is sent.
class RefusingCpe final : public fwd::lab::CpeEndpoint
{
public:
    fwd::lab::RpcResponse rpc(const QString &, const fwd::lab::RpcRequest &request) override
    {
        ++calls[request.name];
        fwd::lab::RpcResponse r;
        if (request.name == QLatin1String("Reboot")) {
            r.fault = true;
            r.faultCode = QStringLiteral("9001");
            r.faultString = QStringLiteral("Request denied");
        }
        return r;
    }
    QHash<QString, int> calls;
};

using fwd::acs::testing::run;

} // namespace

class TestNbiClient final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void connectionTest();
    void countAndQueryDevices();
    void listDevicesByKeysetPaging();
    void cancelListFromPageSlot();
    void tags();
    void deleteDevice();
    void deviceInSessionIsRetriedThenReported();
    void queuedTaskListDeleteRetry();
    void tasksWithConnectionRequest_data();
    void tasksWithConnectionRequest();
    void connectionRequestOnly();
    void faultsAndOperations();
    void files();
    void presetsProvisionsVirtualParameters();
    void refusedInputNeverReachesGenieAcs();
    void crashedWorkerIsReportedAndOutageRetried();
    void silenceOfACrashedWorkerIsNotResentAfterTimeout();
    void expiringTaskFaultIsClearedAfterConnectionRequest();
    void expiringTaskFaultsAreSwept();

private:
    void addDevice(const QString &serial);
    // One CWMP session of device 202BC1-BM632w-<serial> on the lab's GenieACS engine.
    void informOnce(const QString &serial, const QString &event);
    QueryResult faultsOf(const QString &deviceId);
    std::unique_ptr<RefusingCpe> m_cpe;
    std::unique_ptr<fwd::lab::CwmpEngine> m_engine;
    std::unique_ptr<fwd::ManualClock> m_clock;
    std::unique_ptr<fwd::lab::LabStore> m_store;
    std::unique_ptr<fwd::lab::NbiServer> m_nbi;
    std::unique_ptr<Requester> m_requester;
    std::unique_ptr<NbiClient> m_client;
    int m_expectedCrashes = 0;
};

void TestNbiClient::addDevice(const QString &serial)
{
    auto d = std::make_unique<fwd::lab::DeviceRecord>();
    d->oui = QStringLiteral("202BC1");
    d->productClass = QStringLiteral("BM632w");
    d->manufacturer = QStringLiteral("Huawei Technologies Co., Ltd.");
    d->serial = serial;
    d->id = fwd::lab::DeviceRecord::makeId(d->oui, d->productClass, d->serial);
    const qint64 t = m_store->nowMs();
    d->registered = t;
    d->lastInform = t;
    d->setParameter(m_store->paths(),
                    QStringLiteral("InternetGatewayDevice.DeviceInfo.SoftwareVersion"),
                    QStringLiteral("V100R001IRQC56B017"), QStringLiteral("xsd:string"), t);
    m_store->insertDevice(std::move(d));
}

void TestNbiClient::init()
{
    m_clock =
        std::make_unique<fwd::ManualClock>(QDateTime(QDate(2026, 12, 1), QTime(6, 30), Qt::UTC));
    m_store = std::make_unique<fwd::lab::LabStore>(*m_clock);
    fwd::lab::NbiServer::Options o;
    o.sessionPollMs = 20;
    o.lockWaitMs = 300;
    o.sessionEndWaitMs = 2000;
    o.deviceOnlineThresholdMs = 400;
    m_nbi = std::make_unique<fwd::lab::NbiServer>(*m_store, o);
    QVERIFY(m_nbi->listen());
    m_requester = std::make_unique<Requester>(*m_store);
    m_nbi->setConnectionRequester(m_requester.get());
    for (int i = 0; i < 5; ++i)
        addDevice(QStringLiteral("00000%1").arg(i));
    addDevice(QStringLiteral("LAB-001")); // escaped id 202BC1-BM632w-LAB%2D001
    addDevice(QStringLiteral("a.b c"));   // 202BC1-BM632w-a%2Eb%20c

    fwd::AcsProfile p;
    p.name = QStringLiteral("lab");
    p.nbiUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_nbi->port()));
    p.timeoutMs = 5000;
    NbiClient::Options options;
    options.retryBaseDelayMs = 10;
    options.retryMaxDelayMs = 50;
    options.maxAttempts = 3;
    options.connectionRequestWaitMs = 1000;
    m_client = std::make_unique<NbiClient>(p, QString(), nullptr, options);
}

void TestNbiClient::informOnce(const QString &serial, const QString &event)
{
    if (!m_engine) {
        m_cpe = std::make_unique<RefusingCpe>();
        m_engine = std::make_unique<fwd::lab::CwmpEngine>(*m_store, *m_cpe,
                                                          fwd::lab::CwmpEngine::Config());
    }
    fwd::lab::Inform inform;
    inform.manufacturer = QStringLiteral("Huawei Technologies Co., Ltd.");
    inform.oui = QStringLiteral("202BC1");
    inform.productClass = QStringLiteral("BM632w");
    inform.serial = serial;
    inform.events = {event};
    m_engine->runSession(inform);
}

QueryResult TestNbiClient::faultsOf(const QString &deviceId)
{
    QueryOptions o;
    o.query = QJsonObject{{QStringLiteral("device"), deviceId}};
    return run<QueryResult>(m_client->listFaults(o));
}

void TestNbiClient::cleanup()
{
    // No call of the client may have crashed GenieACS's NBI worker.
    QCOMPARE(m_nbi->http().crashCount(), m_expectedCrashes);
    m_expectedCrashes = 0;
    m_client.reset();
    m_nbi.reset();
    m_requester.reset();
    m_engine.reset();
    m_cpe.reset();
    m_store.reset();
}

void TestNbiClient::connectionTest()
{
    ConnectionTest test(*m_client);
    QSignalSpy spy(&test, &ConnectionTest::finished);
    test.start();
    QVERIFY(spy.wait());
    const auto r = spy.at(0).at(0).value<ConnectionReport>();
    QVERIFY2(r.ok(), qPrintable(r.message));
    QCOMPARE(r.deviceCount, qint64(7));
    QCOMPARE(r.genieAcsVersion, QStringLiteral("1.2.16"));
    QCOMPARE(m_client->generation(), GenieAcsVersion::Generation::Modern);
}

void TestNbiClient::countAndQueryDevices()
{
    const auto all = run<CountResult>(m_client->countDevices(DeviceFilter::all()));
    QVERIFY2(all.ok(), qPrintable(all.errorString));
    QCOMPARE(all.payload, qint64(7));

    const auto prefix = run<CountResult>(m_client->countDevices(
        DeviceFilter::where(QLatin1String(DeviceField::SerialNumber), DeviceFilter::Op::StartsWith,
                            QStringLiteral("0000"))));
    QCOMPARE(prefix.payload, qint64(5));

    // A literal '*' is not GenieACS's wildcard, '.' in a serial is matched literally.
    const auto literal = run<CountResult>(m_client->countDevices(
        DeviceFilter::where(QLatin1String(DeviceField::SerialNumber), DeviceFilter::Op::Equals,
                            QStringLiteral("a.b c"))));
    QCOMPARE(literal.payload, qint64(1));
    const auto star = run<CountResult>(m_client->countDevices(DeviceFilter::where(
        QLatin1String(DeviceField::SerialNumber), DeviceFilter::Op::Equals, QStringLiteral("0*"))));
    QCOMPARE(star.payload, qint64(0));

    QueryOptions o;
    o.projection = {QStringLiteral("_deviceId._SerialNumber"),
                    QLatin1String(DeviceField::SoftwareVersionTr098)};
    o.sort = QJsonObject{{QStringLiteral("_id"), -1}};
    o.skip = 1;
    o.limit = 2;
    const auto page = run<QueryResult>(
        m_client->queryDevices(DeviceFilter::softwareVersion(DeviceFilter::Op::Equals,
                                                             QStringLiteral("V100R001IRQC56B017")),
                               o));
    QVERIFY2(page.ok(), qPrintable(page.errorString));
    QCOMPARE(page.payload.total, qint64(7));
    QCOMPARE(page.payload.documents.size(), 2);
    DeviceRecord d;
    QVERIFY(parseDevice(page.payload.documents.at(0), &d));
    QCOMPARE(d.id, QStringLiteral("202BC1-BM632w-LAB%2D001")); // second from the end by _id
    QCOMPARE(d.softwareVersion.text(), QStringLiteral("V100R001IRQC56B017"));
}

void TestNbiClient::listDevicesByKeysetPaging()
{
    auto *job = m_client->listDevices(DeviceFilter::all(), DeviceListJob::listProjection(), 2);
    QSignalSpy pages(job, &DeviceListJob::page);
    const auto r = run<DeviceListResult>(job);
    QVERIFY2(r.ok(), qPrintable(r.errorString));
    QCOMPARE(r.payload.received, qint64(7));
    QCOMPARE(r.payload.total, qint64(7));
    QCOMPARE(r.payload.pages, 4); // 2 + 2 + 2 + 1
    QStringList ids;
    for (const QList<QVariant> &args : std::as_const(pages))
        for (const DeviceRecord &d : args.at(0).value<QList<DeviceRecord>>())
            ids.append(d.id);
    QCOMPARE(ids.size(), 7);
    QStringList sorted = ids;
    sorted.sort();
    QCOMPARE(ids, sorted);
    QCOMPARE(QSet<QString>(ids.begin(), ids.end()).size(), 7);

    const auto limited = run<DeviceListResult>(
        m_client->listDevices(DeviceFilter::all(), {QStringLiteral("_id")}, 2, 3));
    QCOMPARE(limited.payload.received, qint64(3));
}

void TestNbiClient::cancelListFromPageSlot()
{
    // A screen closing while the list is coming in: cancel from the page slot stops the paging.
    auto *job = m_client->listDevices(DeviceFilter::all(), {QStringLiteral("_id")}, 2);
    int pages = 0;
    connect(job, &DeviceListJob::page, this, [&pages, job](const QList<DeviceRecord> &) {
        ++pages;
        job->cancel();
    });
    const auto r = run<DeviceListResult>(job);
    QCOMPARE(r.error, NbiError::Cancelled);
    QCOMPARE(pages, 1);
    QCOMPARE(r.payload.received, qint64(2));
}

void TestNbiClient::tags()
{
    const QString escaped = QStringLiteral("202BC1-BM632w-LAB%2D001");
    auto add = run<ActionResult>(m_client->addTag(escaped, QStringLiteral("wave 1!")));
    QVERIFY2(add.ok(), qPrintable(add.errorString));
    add = run<ActionResult>(
        m_client->addTag(QStringLiteral("202BC1-BM632w-a%2Eb%20c"), QStringLiteral("wave 1!")));
    QVERIFY2(add.ok(), qPrintable(add.errorString));
    const auto tagged =
        run<CountResult>(m_client->countDevices(DeviceFilter::tagged(QStringLiteral("wave 1!"))));
    QCOMPARE(tagged.payload, qint64(2));
    QCOMPARE(m_store->device(escaped)->tags, QStringList{QStringLiteral("wave 1!")});

    const auto removed = run<ActionResult>(m_client->removeTag(escaped, QStringLiteral("wave 1!")));
    QVERIFY(removed.ok());
    QVERIFY(m_store->device(escaped)->tags.isEmpty());

    const auto unknown = run<ActionResult>(
        m_client->addTag(QStringLiteral("202BC1-BM632w-NOPE"), QStringLiteral("x")));
    QCOMPARE(unknown.error, NbiError::NoSuchDevice);
    QCOMPARE(unknown.httpStatus, 404);

    const auto dotted = run<ActionResult>(m_client->addTag(escaped, QStringLiteral("fw-6.48")));
    QCOMPARE(dotted.error, NbiError::InvalidInput);
}

void TestNbiClient::deleteDevice()
{
    const auto r =
        run<ActionResult>(m_client->deleteDevice(QStringLiteral("202BC1-BM632w-LAB%2D001")));
    QVERIFY2(r.ok(), qPrintable(r.errorString));
    QVERIFY(!m_store->device(QStringLiteral("202BC1-BM632w-LAB%2D001")));
    QCOMPARE(run<CountResult>(m_client->countDevices(DeviceFilter::all())).payload, qint64(6));
}

void TestNbiClient::deviceInSessionIsRetriedThenReported()
{
    const QString id = QStringLiteral("202BC1-BM632w-000001");
    m_store->setInSession(id, true);
    const auto busy = run<ActionResult>(m_client->deleteDevice(id));
    QCOMPARE(busy.error, NbiError::DeviceInSession);
    QCOMPARE(busy.attempts, 3);
    QVERIFY(m_store->device(id));

    // The session ends between two attempts (when the first 503 has arrived): the retry
    // succeeds.
    auto *job = m_client->deleteDevice(id);
    connect(job, &NbiJob::downloadProgress, m_store.get(),
            [this, id] { m_store->setInSession(id, false); });
    const auto later = run<ActionResult>(job);
    QVERIFY2(later.ok(), qPrintable(later.errorString));
    QVERIFY(later.attempts >= 2);
    QVERIFY(!m_store->device(id));
}

void TestNbiClient::queuedTaskListDeleteRetry()
{
    const QString dev = QStringLiteral("202BC1-BM632w-000002");
    const auto queued =
        run<TaskResult>(m_client->createTask(dev, TaskSpec::reboot(), TaskOptions()));
    QVERIFY2(queued.ok(), qPrintable(queued.errorString));
    QCOMPARE(queued.httpStatus, 202);
    QCOMPARE(queued.payload.outcome, TaskOutcome::Queued);
    QVERIFY(isObjectId(queued.payload.taskId));
    QCOMPARE(m_requester->requests, 0);

    QueryOptions byDevice;
    byDevice.query = QJsonObject{{QStringLiteral("device"), dev}};
    auto list = run<QueryResult>(m_client->listTasks(byDevice));
    QCOMPARE(list.payload.documents.size(), 1);
    TaskRecord t;
    QVERIFY(parseTask(list.payload.documents.at(0), &t));
    QCOMPARE(t.id, queued.payload.taskId);
    QCOMPARE(t.name, QStringLiteral("reboot"));

    // Retry of an existing task is sent; of an unknown one it is not (it would crash GenieACS).
    const auto retried = run<ActionResult>(m_client->retryTask(t.id));
    QVERIFY2(retried.ok(), qPrintable(retried.errorString));
    QVERIFY(retried.payload.performed);
    const auto deleted = run<ActionResult>(m_client->deleteTask(t.id));
    QVERIFY(deleted.ok());
    QVERIFY(deleted.payload.performed);
    const auto again = run<ActionResult>(m_client->deleteTask(t.id)); // 404 Task not found
    QVERIFY(again.ok());
    QVERIFY(!again.payload.performed);
    const auto retryGone = run<ActionResult>(m_client->retryTask(t.id));
    QVERIFY(retryGone.ok());
    QVERIFY(!retryGone.payload.performed);
    list = run<QueryResult>(m_client->listTasks(byDevice));
    QCOMPARE(list.payload.documents.size(), 0);

    const auto unknown = run<TaskResult>(m_client->createTask(QStringLiteral("202BC1-BM632w-NOPE"),
                                                              TaskSpec::reboot(), TaskOptions()));
    QCOMPARE(unknown.error, NbiError::NoSuchDevice);
}

void TestNbiClient::tasksWithConnectionRequest_data()
{
    QTest::addColumn<QString>("crError");
    QTest::addColumn<bool>("startSession");
    QTest::addColumn<bool>("fault");
    QTest::addColumn<bool>("download");
    QTest::addColumn<int>("outcome");
    QTest::addColumn<QString>("reason");
    QTest::newRow("ran without fault")
        << QString() << true << false << false << int(TaskOutcome::Done) << QStringLiteral("OK");
    QTest::newRow("download: only accepted by the router")
        << QString() << true << false << true << int(TaskOutcome::AcceptedByDevice)
        << QStringLiteral("OK");
    QTest::newRow("faulted (T021)") << QString() << true << true << false
                                    << int(TaskOutcome::Faulted) << QStringLiteral("Task faulted");
    QTest::newRow("device offline (T042)")
        << QStringLiteral("Device is offline") << false << false << false
        << int(TaskOutcome::DeviceOffline) << QStringLiteral("Device is offline");
    QTest::newRow("connection request error (T044)")
        << QStringLiteral("Connection request error: Unexpected status code 404") << false << false
        << false << int(TaskOutcome::ConnectionRequestFailed)
        << QStringLiteral("Connection request error: Unexpected status code 404");
    QTest::newRow("accepted, no session (T046)")
        << QString() << false << false << false << int(TaskOutcome::NotProcessed)
        << QStringLiteral("Task queued but not processed");
}

void TestNbiClient::tasksWithConnectionRequest()
{
    QFETCH(QString, crError);
    QFETCH(bool, startSession);
    QFETCH(bool, fault);
    QFETCH(bool, download);
    QFETCH(int, outcome);
    QFETCH(QString, reason);
    const QString dev = QStringLiteral("202BC1-BM632w-000003");
    m_requester->error = crError;
    m_requester->startSession = startSession;
    m_requester->session = [this, fault, dev](const QString &) {
        // The CPE's session: run the due tasks, fault or finish them as GenieACS would.
        auto &tasks = m_store->tasks();
        QVariantList due;
        tasks.removeIf([&](const QVariantMap &t) {
            if (t.value(QStringLiteral("device")).toString() != dev)
                return false;
            due.append(t);
            return !fault;
        });
        if (fault) {
            for (const QVariant &t : std::as_const(due)) {
                const QString id = t.toMap().value(QStringLiteral("_id")).toString();
                QVariantMap f{{QStringLiteral("_id"), QString(dev + QStringLiteral(":task_") + id)},
                              {QStringLiteral("device"), dev},
                              {QStringLiteral("channel"), QString(QStringLiteral("task_") + id)},
                              {QStringLiteral("code"), QStringLiteral("cwmp.9000")},
                              {QStringLiteral("message"), QStringLiteral("Method not supported")},
                              {QStringLiteral("retries"), 0},
                              {QStringLiteral("timestamp"), m_clock->now()}};
                m_store->faults().upsert(f);
            }
        }
    };
    TaskOptions o;
    o.connectionRequest = true;
    o.waitMs = 1000;
    const TaskSpec task = download ? TaskSpec::download(QStringLiteral("1 Firmware Upgrade Image"),
                                                        QStringLiteral("fw-lab-1.bin"))
                                   : TaskSpec::reboot();
    const auto r = run<TaskResult>(m_client->createTask(dev, task, o));
    QVERIFY2(r.ok(), qPrintable(r.errorString));
    QCOMPARE(int(r.payload.outcome), outcome);
    QCOMPARE(r.payload.reason, reason);
    QVERIFY(isObjectId(r.payload.taskId));
    QVERIFY(r.payload.confirmed);
    QCOMPARE(r.payload.fault.has_value(), fault);
    if (fault)
        QCOMPARE(r.payload.fault->code, QStringLiteral("cwmp.9000"));
    QCOMPARE(m_requester->requests, 1);
}

void TestNbiClient::connectionRequestOnly()
{
    const QString dev = QStringLiteral("202BC1-BM632w-000004");
    m_requester->startSession = false;
    auto r = run<TaskResult>(m_client->connectionRequest(dev));
    QVERIFY2(r.ok(), qPrintable(r.errorString));
    QCOMPARE(r.payload.outcome, TaskOutcome::ConnectionRequested);
    m_requester->error = QStringLiteral("Device is offline");
    r = run<TaskResult>(m_client->connectionRequest(dev));
    QVERIFY(r.ok());
    QCOMPARE(r.httpStatus, 504);
    QCOMPARE(r.payload.outcome, TaskOutcome::DeviceOffline);
    m_requester->error = QStringLiteral("Invalid connection request URL or protocol");
    r = run<TaskResult>(m_client->connectionRequest(dev));
    QCOMPARE(r.payload.outcome, TaskOutcome::ConnectionRequestFailed);
    QCOMPARE(r.payload.reason, QStringLiteral("Invalid connection request URL or protocol"));
    r = run<TaskResult>(m_client->connectionRequest(QStringLiteral("202BC1-BM632w-NOPE")));
    QCOMPARE(r.error, NbiError::NoSuchDevice);
}

void TestNbiClient::faultsAndOperations()
{
    const QString dev = QStringLiteral("202BC1-BM632w-000000");
    const QString taskId = m_store->newObjectId();
    m_store->faults().upsert(
        {{QStringLiteral("_id"), QString(dev + QStringLiteral(":task_") + taskId)},
         {QStringLiteral("device"), dev},
         {QStringLiteral("channel"), QString(QStringLiteral("task_") + taskId)},
         {QStringLiteral("code"), QStringLiteral("cwmp.9016")},
         {QStringLiteral("message"), QStringLiteral("Unexpected response 404")},
         {QStringLiteral("retries"), 1},
         {QStringLiteral("timestamp"), m_clock->now()}});
    m_store->operations().upsert(
        {{QStringLiteral("_id"), QString(dev + QStringLiteral(":1a2b"))},
         {QStringLiteral("name"), QStringLiteral("Download")},
         {QStringLiteral("timestamp"), m_clock->now()},
         {QStringLiteral("args"),
          QStringLiteral(
              R"({"instance":"1","fileType":"1 Firmware Upgrade Image","fileName":"fw.bin"})")}});
    QueryOptions o;
    o.query = QJsonObject{{QStringLiteral("device"), dev}};
    const auto faults = run<QueryResult>(m_client->listFaults(o));
    QVERIFY2(faults.ok(), qPrintable(faults.errorString));
    QCOMPARE(faults.payload.documents.size(), 1);
    FaultRecord f;
    QVERIFY(parseFault(faults.payload.documents.at(0), &f));
    QCOMPARE(f.code, QStringLiteral("cwmp.9016"));
    QCOMPARE(f.taskId(), taskId);
    QCOMPARE(f.retries, 1);

    const auto ops = run<QueryResult>(m_client->listOperations(QueryOptions()));
    QVERIFY2(ops.ok(), qPrintable(ops.errorString));
    QCOMPARE(ops.payload.documents.size(), 1);
    OperationRecord op;
    QVERIFY(parseOperation(ops.payload.documents.at(0), &op));
    QCOMPARE(op.args.value(QLatin1String("fileName")).toString(), QStringLiteral("fw.bin"));

    const auto deleted = run<ActionResult>(m_client->deleteFault(f.id));
    QVERIFY2(deleted.ok(), qPrintable(deleted.errorString));
    QCOMPARE(run<QueryResult>(m_client->listFaults(o)).payload.documents.size(), 0);
    // A task-channel fault id that is not 24 hex would crash GenieACS (T098): refused.
    const auto bad = run<ActionResult>(m_client->deleteFault(dev + QStringLiteral(":task_x")));
    QCOMPARE(bad.error, NbiError::InvalidInput);
}

void TestNbiClient::files()
{
    QTemporaryFile local;
    QVERIFY(local.open());
    const QByteArray content(200 * 1024, 'x');
    local.write(content);
    local.flush();

    FileMetadata meta{QStringLiteral("1 Firmware Upgrade Image"), QStringLiteral("202BC1"),
                      QStringLiteral("BM632w"), QStringLiteral("V100R001IRQC56B018")};
    auto *put = m_client->putFile(QStringLiteral("fw-lab-1.bin"), local.fileName(), meta);
    QSignalSpy progress(put, &NbiJob::uploadProgress);
    const auto uploaded = run<ActionResult>(put);
    QVERIFY2(uploaded.ok(), qPrintable(uploaded.errorString));
    QCOMPARE(uploaded.httpStatus, 201);
    QVERIFY(!progress.isEmpty());
    qint64 sent = 0;
    for (const QList<QVariant> &p : std::as_const(progress))
        sent = std::max(sent, p.at(0).toLongLong());
    QCOMPARE(sent, qint64(content.size()));
    QCOMPARE(*m_store->fileContent(QStringLiteral("fw-lab-1.bin")), content);

    QueryOptions byName;
    byName.query = QJsonObject{{QStringLiteral("_id"), QStringLiteral("fw-lab-1.bin")}};
    const auto listed = run<QueryResult>(m_client->listFiles(byName));
    QCOMPARE(listed.payload.documents.size(), 1);
    FileRecord f;
    QVERIFY(parseFile(listed.payload.documents.at(0), &f));
    QCOMPARE(f.length, qint64(content.size()));
    QCOMPARE(f.productClass, QStringLiteral("BM632w"));
    QCOMPARE(f.version, QStringLiteral("V100R001IRQC56B018"));

    const auto deleted = run<ActionResult>(m_client->deleteFile(QStringLiteral("fw-lab-1.bin")));
    QVERIFY2(deleted.ok(), qPrintable(deleted.errorString));
    QVERIFY(deleted.payload.performed);
    // Deleting a missing file would crash GenieACS 1.2.16 (W2): the DELETE is not sent.
    const auto missing = run<ActionResult>(m_client->deleteFile(QStringLiteral("fw-lab-1.bin")));
    QVERIFY(missing.ok());
    QVERIFY(!missing.payload.performed);

    const auto badName = run<ActionResult>(
        m_client->putFile(QStringLiteral("fw a&b#c.bin"), local.fileName(), meta));
    QCOMPARE(badName.error, NbiError::InvalidInput);
}

void TestNbiClient::presetsProvisionsVirtualParameters()
{
    const QString script = QStringLiteral(
        "const sw = declare(\"InternetGatewayDevice.DeviceInfo.SoftwareVersion\", {value: 1});\n"
        "log(sw.value[0]);\n");
    auto r =
        run<ActionResult>(m_client->putProvision(QStringLiteral("firmwaredesk-upgrade"), script));
    QVERIFY2(r.ok(), qPrintable(r.errorString));
    r = run<ActionResult>(m_client->putProvision(QStringLiteral("broken"), QStringLiteral("log(")));
    QCOMPARE(r.error, NbiError::HttpError);
    QCOMPARE(r.httpStatus, 400);
    QVERIFY2(r.errorString.contains(QLatin1String("SyntaxError")), qPrintable(r.errorString));
    auto provisions = run<QueryResult>(m_client->listProvisions(QueryOptions()));
    QCOMPARE(provisions.payload.documents.size(), 1);
    QCOMPARE(provisions.payload.documents.at(0).value(QLatin1String("script")).toString(), script);

    Preset p;
    p.channel = QStringLiteral("fwd-batch-1");
    p.events = {{QStringLiteral("1 BOOT"), true}};
    p.precondition = QStringLiteral("Tags.fwd_batch_1 IS NOT NULL");
    p.schedule = QStringLiteral("3600 0 0 2 * * 1-5");
    p.configurations.append({QStringLiteral("provision"),
                             QStringLiteral("firmwaredesk-upgrade"),
                             {QStringLiteral("fw.bin"), QStringLiteral("6.48.4")},
                             {}});
    r = run<ActionResult>(m_client->putPreset(QStringLiteral("fwd-batch-1"), p));
    QVERIFY2(r.ok(), qPrintable(r.errorString));
    const auto presets = run<QueryResult>(m_client->listPresets(QueryOptions()));
    QCOMPARE(presets.payload.documents.size(), 1);
    const QJsonObject stored = presets.payload.documents.at(0);
    QCOMPARE(stored.value(QLatin1String("schedule")).toString(), p.schedule);
    QCOMPARE(stored.value(QLatin1String("configurations")).toArray().size(), 1);

    Preset withoutConfigurations = p;
    withoutConfigurations.configurations.clear();
    r = run<ActionResult>(m_client->putPreset(QStringLiteral("bad"), withoutConfigurations));
    QCOMPARE(r.error, NbiError::InvalidInput);
    Preset fiveFields = p;
    fiveFields.schedule = QStringLiteral("3600 0 2 * * *");
    r = run<ActionResult>(m_client->putPreset(QStringLiteral("bad"), fiveFields));
    QCOMPARE(r.error, NbiError::InvalidInput);

    r = run<ActionResult>(m_client->putVirtualParameter(
        QStringLiteral("fwdVersion"),
        QStringLiteral("return {writable: false, value: [\"x\", \"xsd:string\"]};")));
    QVERIFY2(r.ok(), qPrintable(r.errorString));
    QCOMPARE(
        run<QueryResult>(m_client->listVirtualParameters(QueryOptions())).payload.documents.size(),
        1);

    QVERIFY(run<ActionResult>(m_client->deletePreset(QStringLiteral("fwd-batch-1"))).ok());
    QVERIFY(
        run<ActionResult>(m_client->deleteProvision(QStringLiteral("firmwaredesk-upgrade"))).ok());
    QVERIFY(run<ActionResult>(m_client->deleteVirtualParameter(QStringLiteral("fwdVersion"))).ok());
    QCOMPARE(run<QueryResult>(m_client->listPresets(QueryOptions())).payload.documents.size(), 0);
    QCOMPARE(run<QueryResult>(m_client->listProvisions(QueryOptions())).payload.documents.size(),
             0);
}

void TestNbiClient::refusedInputNeverReachesGenieAcs()
{
    // Each of these crashes or hangs GenieACS 1.2.16 when sent (T094-T099, N1, T047).
    const QString dev = QStringLiteral("202BC1-BM632w-000000");
    QCOMPARE(
        run<TaskResult>(m_client->createTask(dev, TaskSpec::getParameterValues({}), TaskOptions()))
            .error,
        NbiError::InvalidInput);
    QCOMPARE(run<ActionResult>(m_client->deleteTask(QStringLiteral("not-an-objectid"))).error,
             NbiError::InvalidInput);
    QCOMPARE(run<ActionResult>(m_client->retryTask(QStringLiteral("xyz"))).error,
             NbiError::InvalidInput);
    TaskOptions zero;
    zero.connectionRequest = true;
    zero.waitMs = -1;
    QCOMPARE(run<TaskResult>(m_client->createTask(dev, TaskSpec::reboot(), zero)).error,
             NbiError::InvalidInput);
    QueryOptions mixed;
    mixed.query = QJsonObject{{QLatin1String(DeviceField::SoftwareVersionTr098),
                               QJsonObject{{QStringLiteral("$ne"), QStringLiteral("x")},
                                           {QStringLiteral("$exists"), true}}}};
    QCOMPARE(run<QueryResult>(m_client->query(Collection::Devices, mixed)).error,
             NbiError::InvalidInput);
    QueryOptions regexOnTaskId;
    regexOnTaskId.query = QJsonObject{
        {QStringLiteral("_id"), QJsonObject{{QStringLiteral("$regex"), QStringLiteral("^6b")}}}};
    QCOMPARE(run<QueryResult>(m_client->listTasks(regexOnTaskId)).error, NbiError::InvalidInput);
    // The NBI is still there and was never touched by any of them.
    QVERIFY(run<CountResult>(m_client->countDevices(DeviceFilter::all())).ok());
}

void TestNbiClient::crashedWorkerIsReportedAndOutageRetried()
{
    // What the client sees when something does crash GenieACS's NBI worker (N2): no answer on
    // the failing connection, then refused connections until the worker is back. Sent raw here,
    // past the client's own checks, to make the lab crash as GenieACS 1.2.16 would (T099).
    m_expectedCrashes = 1;
    // Dropped after 1.2 s, outside the client's 1 s stale-connection window (GenieACS: ~21 s);
    // the port then refuses connections until 2.7 s after the crash (1.5 s after the drop).
    m_nbi->http().setCrashEmulation(1200, 2700);
    NbiRequest raw;
    raw.method = "DELETE";
    raw.path = "/files/no-such-file.bin";
    raw.maxAttempts = 3;
    auto *crash = new NbiRawJob(*m_client, raw);
    QSignalSpy crashSpy(crash, &NbiRawJob::finished);
    crash->start();
    QVERIFY(crashSpy.wait());
    const auto status = crashSpy.at(0).at(1).value<NbiStatus>();
    QCOMPARE(status.error, NbiError::NoResponse);
    QCOMPARE(status.attempts, 1); // never re-sent: it would crash the worker again
    QVERIFY(m_nbi->http().isCrashed());

    // During the outage an idempotent call is refused, retried with backoff, and succeeds once
    // the worker is back (1.5 s of outage left after the drop, long enough for a loaded machine
    // to send the first attempt inside it; retries after 50, 100, 200, 400, 400, … ms, about
    // 4 s in all).
    NbiClient::Options o = m_client->options();
    o.maxAttempts = 12;
    o.retryBaseDelayMs = 50;
    o.retryMaxDelayMs = 400;
    NbiClient patient(m_client->profile(), QString(), nullptr, o);
    const auto count = run<CountResult>(patient.countDevices(DeviceFilter::all()));
    QVERIFY2(count.ok(), qPrintable(count.errorString));
    QVERIFY2(count.attempts > 1, "the first attempt fell into the outage");
    QCOMPARE(count.payload, qint64(7));
}

void TestNbiClient::silenceOfACrashedWorkerIsNotResentAfterTimeout()
{
    // GenieACS 1.2.16 keeps the connection of a request that crashed its NBI worker open and
    // silent for ~21 s (N2); the profile's default timeout is 15 s. The timeout must not send it
    // again: with several NBI workers the copy would crash a second one, with one it would
    // crash the restarted worker. Here the drop comes after 1.5 s and the timeout after 0.5 s;
    // the client is patient enough to outlast the 1.5 s outage if it did retry.
    QVERIFY(run<CountResult>(m_client->countDevices(DeviceFilter::all())).ok());
    QCOMPARE(m_client->generation(), GenieAcsVersion::Generation::Modern);
    m_expectedCrashes = 1;
    m_nbi->http().setCrashEmulation(1500, 1500);
    QSignalSpy crashes(&m_nbi->http(), &fwd::lab::HttpServer::crashed);
    QSignalSpy recovered(&m_nbi->http(), &fwd::lab::HttpServer::recovered);
    fwd::AcsProfile p = m_client->profile();
    p.timeoutMs = 500;
    NbiClient::Options o = m_client->options();
    o.maxAttempts = 12;
    o.retryBaseDelayMs = 50;
    o.retryMaxDelayMs = 300;
    NbiClient shortTimeout(p, QString(), nullptr, o);
    // A new client knows the generation after its first answer (GenieACS-Version: 1.2.16).
    QVERIFY(run<CountResult>(shortTimeout.countDevices(DeviceFilter::all())).ok());
    NbiRequest raw; // idempotent, like every DELETE the client sends
    raw.method = "DELETE";
    raw.path = "/files/no-such-file.bin";
    auto *crash = new NbiRawJob(shortTimeout, raw);
    QSignalSpy crashSpy(crash, &NbiRawJob::finished);
    crash->start();
    QVERIFY(crashSpy.wait(20000));
    const auto status = crashSpy.at(0).at(1).value<NbiStatus>();
    QCOMPARE(status.error, NbiError::Timeout);
    QCOMPARE(status.attempts, 1);
    QVERIFY2(status.errorString.contains(QLatin1String("not sent again")),
             qPrintable(status.errorString));
    // The worker comes back and nothing crashes it a second time.
    QVERIFY(recovered.wait(10000));
    QCOMPARE(crashes.size(), 1);
    QVERIFY(run<CountResult>(m_client->countDevices(DeviceFilter::all())).ok());
    QCOMPARE(crashes.size(), 1);
}

void TestNbiClient::expiringTaskFaultIsClearedAfterConnectionRequest()
{
    // W5: GenieACS drops a fault that carries an expiry at every session start and runs the task
    // again, without back-off. A router that refuses a reboot would be sent Reboot at every
    // session for the hour of the expiry.
    const QString dev = QStringLiteral("202BC1-BM632w-000001");
    const QString serial = QStringLiteral("000001");
    m_requester->session = [this, serial](const QString &) {
        informOnce(serial, QStringLiteral("6 CONNECTION REQUEST"));
    };
    TaskSpec reboot = TaskSpec::reboot();
    reboot.expirySeconds = 3600;

    // Sent past the client's prevention (the raw task): the lab re-sends it at every session.
    NbiRequest raw;
    raw.method = "POST";
    raw.path = "/devices/" + encodePathSegment(dev) + "/tasks";
    raw.query = {{"connection_request", QString()}, {"timeout", QStringLiteral("1000")}};
    raw.body = QJsonDocument(reboot.toJson()).toJson(QJsonDocument::Compact);
    raw.idempotent = false;
    auto *rawJob = new NbiRawJob(*m_client, raw);
    QSignalSpy rawSpy(rawJob, &NbiRawJob::finished);
    rawJob->start();
    QVERIFY(rawSpy.wait(20000));
    QCOMPARE(rawSpy.at(0).at(1).value<NbiStatus>().reasonPhrase, QStringLiteral("Task faulted"));
    QCOMPARE(m_cpe->calls.value(QStringLiteral("Reboot")), 1);
    for (int session = 2; session <= 4; ++session) {
        m_clock->advance(10000); // well inside the 300 s retry delay and the 1 h expiry
        informOnce(serial, QStringLiteral("2 PERIODIC"));
        QCOMPARE(m_cpe->calls.value(QStringLiteral("Reboot")), session);
    }
    auto faults = faultsOf(dev);
    QCOMPARE(faults.payload.documents.size(), 1);
    FaultRecord f;
    QVERIFY(parseFault(faults.payload.documents.at(0), &f));
    QCOMPARE(f.retries, 0);      // never counts up: no back-off
    QVERIFY(f.expiry.isValid()); // the fault carries the task's expiry
    QVERIFY(run<ActionResult>(m_client->deleteFault(f.id)).ok());
    m_cpe->calls.clear();

    // Through the client: one attempt, reported with its fault, then nothing re-sent.
    TaskOptions o;
    o.connectionRequest = true;
    o.waitMs = 1000;
    const auto r = run<TaskResult>(m_client->createTask(dev, reboot, o));
    QVERIFY2(r.ok(), qPrintable(r.errorString));
    QCOMPARE(r.payload.outcome, TaskOutcome::Faulted);
    QVERIFY(r.payload.fault.has_value());
    QCOMPARE(r.payload.fault->code, QStringLiteral("cwmp.9001"));
    QCOMPARE(m_cpe->calls.value(QStringLiteral("Reboot")), 1);
    for (int session = 0; session < 3; ++session) {
        m_clock->advance(10000);
        informOnce(serial, QStringLiteral("2 PERIODIC"));
    }
    QCOMPARE(m_cpe->calls.value(QStringLiteral("Reboot")), 1);
    QVERIFY(r.payload.faultCleared);
    QVERIFY(!r.payload.stillQueued);
    QCOMPARE(faultsOf(dev).payload.documents.size(), 0);
    QueryOptions byDevice;
    byDevice.query = QJsonObject{{QStringLiteral("device"), dev}};
    QCOMPARE(run<QueryResult>(m_client->listTasks(byDevice)).payload.documents.size(), 0);

    // A task without an expiry keeps GenieACS's retry with back-off: its fault stays.
    m_cpe->calls.clear();
    const auto plain = run<TaskResult>(m_client->createTask(dev, TaskSpec::reboot(), o));
    QCOMPARE(plain.payload.outcome, TaskOutcome::Faulted);
    QVERIFY(!plain.payload.faultCleared);
    m_clock->advance(10000);
    informOnce(serial, QStringLiteral("2 PERIODIC"));
    QCOMPARE(m_cpe->calls.value(QStringLiteral("Reboot")), 1); // not yet due again
    QCOMPARE(faultsOf(dev).payload.documents.size(), 1);
}

void TestNbiClient::expiringTaskFaultsAreSwept()
{
    // Tasks queued with an expiry fault in sessions nobody watches (the router informs on its
    // own, the desktop may have been restarted since): the sweep finds them in GenieACS.
    const QString serial = QStringLiteral("000002");
    const QString dev = QStringLiteral("202BC1-BM632w-000002");
    const QString other = QStringLiteral("202BC1-BM632w-000003");
    TaskSpec reboot = TaskSpec::reboot();
    reboot.expirySeconds = 3600;
    const auto queued = run<TaskResult>(m_client->createTask(dev, reboot, TaskOptions()));
    QCOMPARE(queued.payload.outcome, TaskOutcome::Queued);
    // A fault without expiry (a plain task of another device) is not the sweep's business.
    QVERIFY(run<TaskResult>(m_client->createTask(other, TaskSpec::reboot(), TaskOptions())).ok());
    informOnce(QStringLiteral("000003"), QStringLiteral("2 PERIODIC"));

    informOnce(serial, QStringLiteral("2 PERIODIC"));
    QCOMPARE(m_cpe->calls.value(QStringLiteral("Reboot")), 2); // one per device
    m_clock->advance(10000);
    informOnce(serial, QStringLiteral("2 PERIODIC"));
    QCOMPARE(m_cpe->calls.value(QStringLiteral("Reboot")), 3); // W5: sent again at once

    // A fresh client (an application restart) sweeps.
    NbiClient restarted(m_client->profile(), QString(), nullptr, m_client->options());
    const auto sweep = run<FaultSweepResult>(restarted.clearExpiringFaults());
    QVERIFY2(sweep.ok(), qPrintable(sweep.errorString));
    QCOMPARE(sweep.payload.cleared.size(), 1);
    QCOMPARE(sweep.payload.cleared.at(0).device, dev);
    QCOMPARE(sweep.payload.cleared.at(0).code, QStringLiteral("cwmp.9001"));
    QCOMPARE(sweep.payload.cleared.at(0).taskId(), queued.payload.taskId);
    QVERIFY(sweep.payload.remaining.isEmpty());
    QVERIFY(!sweep.payload.more);

    for (int session = 0; session < 3; ++session) {
        m_clock->advance(10000);
        informOnce(serial, QStringLiteral("2 PERIODIC"));
    }
    QCOMPARE(m_cpe->calls.value(QStringLiteral("Reboot")), 3);
    QCOMPARE(faultsOf(dev).payload.documents.size(), 0);
    QCOMPARE(faultsOf(other).payload.documents.size(), 1);

    // A device in session: its fault stays for the next sweep, and says why.
    const auto again = run<TaskResult>(m_client->createTask(dev, reboot, TaskOptions()));
    QVERIFY(again.ok());
    informOnce(serial, QStringLiteral("2 PERIODIC"));
    m_store->setInSession(dev, true);
    const auto busy = run<FaultSweepResult>(m_client->clearExpiringFaults());
    QVERIFY(busy.ok());
    QCOMPARE(busy.payload.cleared.size(), 0);
    QCOMPARE(busy.payload.remaining.size(), 1);
    QCOMPARE(busy.payload.problems.size(), 1);
    m_store->setInSession(dev, false);
    QCOMPARE(run<FaultSweepResult>(m_client->clearExpiringFaults()).payload.cleared.size(), 1);
}

QTEST_GUILESS_MAIN(TestNbiClient)
#include "tst_nbiclient.moc"
