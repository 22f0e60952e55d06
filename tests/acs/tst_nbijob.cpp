// The error matrix of the NBI transport on a fake network layer: timeouts, resets, refusals,
// 4xx/5xx, malformed JSON, bodies cut in the middle or without end; retries and backoff; the
// in-flight cap and its queue; the pacing of connection requests; request headers.
#include "acs/actionjob.h"
#include "acs/devicelistjob.h"
#include "acs/faultsweepscheduler.h"
#include "acs/queryjob.h"
#include "acs/taskjob.h"

#include "fakenetworkaccessmanager.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QPointer>
#include <QSignalSpy>
#include <QTest>
#include <QUrlQuery>

using namespace fwd::acs;
using Script = FakeNetworkAccessManager::Script;
using Kind = Script::Kind;

Q_DECLARE_METATYPE(QList<FakeNetworkAccessManager::Script>)
Q_DECLARE_METATYPE(fwd::acs::NbiError)
Q_DECLARE_METATYPE(FakeNetworkAccessManager::Script)

namespace {

fwd::AcsProfile profile(int timeoutMs = 5000)
{
    fwd::AcsProfile p;
    p.name = QStringLiteral("fake");
    p.nbiUrl = QUrl(QStringLiteral("http://127.0.0.1:7557"));
    p.timeoutMs = timeoutMs;
    return p;
}

NbiClient::Options fastRetries()
{
    NbiClient::Options o;
    o.retryBaseDelayMs = 5;
    o.retryMaxDelayMs = 50;
    return o;
}

struct Fixture
{
    explicit Fixture(FakeNetworkAccessManager::Handler handler, int timeoutMs = 5000,
                     NbiClient::Options options = fastRetries())
    {
        auto manager = std::make_unique<FakeNetworkAccessManager>(std::move(handler));
        fake = manager.get();
        client = std::make_unique<NbiClient>(profile(timeoutMs), QStringLiteral("pw"),
                                             std::move(manager), options);
    }
    FakeNetworkAccessManager *fake = nullptr;
    std::unique_ptr<NbiClient> client;
};

// Answers attempt n with scripts[n] (the last one repeats).
FakeNetworkAccessManager::Handler sequence(QList<Script> scripts)
{
    auto n = std::make_shared<int>(0);
    return [scripts, n](const FakeNetworkAccessManager::Captured &) {
        return scripts.at(std::min<qsizetype>((*n)++, scripts.size() - 1));
    };
}

const QByteArray TwoDevices = R"([{"_id":"202BC1-BM632w-000000"},{"_id":"202BC1-BM632w-000001"}])";

// Every message of every category while it lives, debug included (fwd.* and qt.network.*).
class LogCapture
{
public:
    struct Line
    {
        QtMsgType type;
        QString category;
        QString text;
    };
    LogCapture()
    {
        s_lines = &m_lines;
        QLoggingCategory::setFilterRules(
            QStringLiteral("fwd.*.debug=true\nqt.network.*.debug=true"));
        m_previous = qInstallMessageHandler(&LogCapture::handle);
    }
    ~LogCapture()
    {
        qInstallMessageHandler(m_previous);
        QLoggingCategory::setFilterRules(QString());
        s_lines = nullptr;
    }
    Q_DISABLE_COPY_MOVE(LogCapture)
    const QList<Line> &lines() const { return m_lines; }
    int count(QtMsgType type, const QString &part) const
    {
        int n = 0;
        for (const Line &l : m_lines)
            n += l.type == type && l.text.contains(part) ? 1 : 0;
        return n;
    }

private:
    static void handle(QtMsgType type, const QMessageLogContext &context, const QString &text)
    {
        if (s_lines)
            s_lines->append({type, QString::fromLatin1(context.category), text});
    }
    static inline QList<Line> *s_lines = nullptr;
    QList<Line> m_lines;
    QtMessageHandler m_previous = nullptr;
};

QByteArray faultDocument(const QString &taskId)
{
    const QString device = QStringLiteral("202BC1-BM632w-000004");
    return QJsonDocument(
               QJsonObject{
                   {QStringLiteral("_id"), QString(device + QStringLiteral(":task_") + taskId)},
                   {QStringLiteral("device"), device},
                   {QStringLiteral("channel"), QString(QStringLiteral("task_") + taskId)},
                   {QStringLiteral("code"), QStringLiteral("cwmp.9001")},
                   {QStringLiteral("message"), QStringLiteral("Request denied")},
                   {QStringLiteral("retries"), 0},
                   {QStringLiteral("timestamp"), QStringLiteral("2026-12-01T06:34:48.681Z")},
                   {QStringLiteral("expiry"), QStringLiteral("2026-12-01T07:34:48.681Z")}})
        .toJson(QJsonDocument::Compact);
}

} // namespace

class TestNbiJob final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void queryErrorMatrix_data();
    void queryErrorMatrix();
    void nonIdempotentCallsAreNotResent();
    void requestsCarryTheHouseHeaders();
    void inFlightCapQueuesTheRest();
    void connectionRequestsArePaced();
    void connectionRequestCallsMayTakeOverThreeMinutes();
    void cancelWhileQueued();
    void invalidUrlSendsNothing();
    void serverVersionTracked();
    void taskAnswersConfirmed_data();
    void taskAnswersConfirmed();
    void legacyGenerationChecksDeviceBeforeTagging();
    void longCallsLeaveRoomForOthers();
    void operationsUnsupportedOnLegacy();
    void retryAfterIsHonoured();
    void droppedConnectionIsResentOnlyWhenSafe_data();
    void droppedConnectionIsResentOnlyWhenSafe();
    void keysetPagingAsksForIdsAfterTheLastOne();
    void credentialsNeverReachTheLog();
    void faultSweepsAtStartThenPeriodically();
    void faultSweepFailuresAreLoggedOnce();
    void faultSweepFollowsTheClient();
};

void TestNbiJob::queryErrorMatrix_data()
{
    QTest::addColumn<QList<Script>>("scripts");
    QTest::addColumn<NbiError>("error");
    QTest::addColumn<int>("attempts");
    QTest::addColumn<int>("documents");
    QTest::addColumn<QString>("messagePart");

    const QList<std::pair<QByteArray, QByteArray>> total{{"total", "5"}};
    QTest::newRow("ok") << QList<Script>{Script::genie(200, "OK", TwoDevices, total)}
                        << NbiError::None << 1 << 2 << QString();
    QTest::newRow("malformed JSON")
        << QList<Script>{Script::genie(200, "OK", "[{\"_id\":", total)} << NbiError::BadResponse
        << 1 << 0 << QStringLiteral("not valid JSON");
    QTest::newRow("HTML instead of JSON")
        << QList<Script>{Script::answer(200, "OK", "<html><body>It works!</body></html>")}
        << NbiError::BadResponse << 1 << 0 << QStringLiteral("HTML");
    QTest::newRow("JSON object instead of a list")
        << QList<Script>{Script::genie(200, "OK", "{\"_id\":1}")} << NbiError::BadResponse << 1 << 0
        << QStringLiteral("not a list");
    QTest::newRow("list of non-documents")
        << QList<Script>{Script::genie(200, "OK", "[1,2]")} << NbiError::BadResponse << 1 << 0
        << QStringLiteral("not a document");
    Script cut = Script::genie(200, "OK", TwoDevices, total);
    cut.kind = Kind::CutBody;
    QTest::newRow("body cut in the middle")
        << QList<Script>{cut, cut, cut, cut} << NbiError::BadResponse << 1 << 0
        << QStringLiteral("broke in the middle");
    QTest::newRow("endless body") << QList<Script>{Script::of(Kind::Endless)} << NbiError::TooLarge
                                  << 1 << 0 << QStringLiteral("larger than");
    // Silence is what GenieACS >= 1.2.10 sends for ~21 s when a request crashed its NBI worker
    // (N2): a timeout before any byte of an answer is not re-sent (see tst_hostileserver
    // timeoutIsResentOnlyWhenNoCrashIsPossible for the cases that are).
    QTest::newRow("hang: timeout, not re-sent")
        << QList<Script>{Script::of(Kind::Hang)} << NbiError::Timeout << 1 << 0
        << QStringLiteral("not sent again");
    // The stale-connection window is 100 ms here (1 s by default); GenieACS drops the connection
    // of a crashing request after ~21 s.
    Script lateReset = Script::of(Kind::Reset);
    lateReset.delayMs = 150;
    QTest::newRow("connection dropped without answer after the window: not re-sent")
        << QList<Script>{lateReset, Script::genie(200, "OK", TwoDevices)} << NbiError::NoResponse
        << 1 << 0 << QStringLiteral("crashes its NBI worker");
    QTest::newRow("connection dropped at once (stale keep-alive connection): re-sent")
        << QList<Script>{Script::of(Kind::Reset), Script::genie(200, "OK", TwoDevices, total)}
        << NbiError::None << 2 << 2 << QString();
    QTest::newRow("refused, then ok")
        << QList<Script>{Script::of(Kind::Refuse), Script::genie(200, "OK", TwoDevices, total)}
        << NbiError::None << 2 << 2 << QString();
    QTest::newRow("503 in session twice, then ok")
        << QList<Script>{Script::genie(503, "Device is in session", "Device is in session"),
                         Script::genie(503, "Device is in session", "Device is in session"),
                         Script::genie(200, "OK", TwoDevices, total)}
        << NbiError::None << 3 << 2 << QString();
    QTest::newRow("503 in session until the retries are spent")
        << QList<Script>{Script::genie(503, "Device is in session", "Device is in session")}
        << NbiError::DeviceInSession << 2 << 0 << QStringLiteral("in a session");
    QTest::newRow("502 from a proxy, then ok")
        << QList<Script>{Script::answer(502, "Bad Gateway", "<html>502</html>"),
                         Script::genie(200, "OK", TwoDevices, total)}
        << NbiError::None << 2 << 2 << QString();
    // Behind a reverse proxy a crashing request comes back as the proxy's 502 after ~21 s (the
    // upstream closed without an answer, N2): as late as a crash's dropped connection.
    Script lateBadGateway = Script::answer(502, "Bad Gateway", "<html>502</html>");
    lateBadGateway.delayMs = 150;
    QTest::newRow("502 from a proxy after the window: not re-sent")
        << QList<Script>{lateBadGateway, Script::genie(200, "OK", TwoDevices, total)}
        << NbiError::HttpError << 1 << 0 << QStringLiteral("502");
    QTest::newRow("504 until the retries are spent")
        << QList<Script>{Script::answer(504, "Gateway Time-out", "")} << NbiError::HttpError << 2
        << 0 << QStringLiteral("504");
    QTest::newRow("400 SyntaxError (T084)")
        << QList<Script>{Script::genie(400, "Bad Request",
                                       "SyntaxError: Unexpected end of JSON input")}
        << NbiError::HttpError << 1 << 0 << QStringLiteral("SyntaxError");
    QTest::newRow("404 unknown collection (T090)")
        << QList<Script>{Script::genie(404, "Not Found", "404 Not Found")} << NbiError::NotFound
        << 1 << 0 << QStringLiteral("404");
    QTest::newRow("401 from a proxy")
        << QList<Script>{Script::answer(401, "Unauthorized", "")} << NbiError::Unauthorized << 1
        << 0 << QStringLiteral("credentials");
    QTest::newRow("500 with Connection: close (GenieACS <= 1.2.9 crash)")
        << QList<Script>{Script::answer(500, "Internal Server Error", "TypeError: x",
                                        {{"GenieACS-Version", "1.2.8"}, {"Connection", "close"}})}
        << NbiError::HttpError << 1 << 0 << QStringLiteral("1.2.9");
}

void TestNbiJob::queryErrorMatrix()
{
    QFETCH(QList<Script>, scripts);
    QFETCH(NbiError, error);
    QFETCH(int, attempts);
    QFETCH(int, documents);
    QFETCH(QString, messagePart);

    NbiClient::Options options = fastRetries();
    options.maxAttempts = 3;
    options.maxBodyBytes = 1024 * 1024;
    options.staleConnectionWindowMs = 100;
    // Two attempts for the rows that exhaust their retries, to keep the test short.
    if (scripts.size() == 1)
        options.maxAttempts = 2;
    Fixture f(sequence(scripts), 200, options);
    QueryOptions q;
    q.limit = 2;
    auto *job = f.client->query(Collection::Devices, q);
    QSignalSpy spy(job, &QueryJob::finished);
    job->start();
    QVERIFY(spy.wait(10000));
    const auto result = spy.at(0).at(0).value<QueryResult>();
    QCOMPARE(result.error, error);
    QCOMPARE(result.attempts, attempts);
    QCOMPARE(f.fake->requests().size(), attempts);
    QCOMPARE(result.payload.documents.size(), documents);
    QVERIFY2(result.errorString.contains(messagePart), qPrintable(result.errorString));
    QCOMPARE(result.ok(), error == NbiError::None);
    if (result.ok())
        QCOMPARE(result.payload.total, qint64(5));
    QVERIFY(!result.requestId.isEmpty());
    QCOMPARE(f.client->inFlight(), 0);
}

void TestNbiJob::nonIdempotentCallsAreNotResent()
{
    // A task POST is never re-sent: a second one would queue the task twice.
    Fixture f(sequence(
        {Script::genie(503, "Service Unavailable", "busy"), Script::genie(202, "Accepted", "{}")}));
    auto *job = f.client->createTask(QStringLiteral("202BC1-BM632w-000000"), TaskSpec::reboot(),
                                     TaskOptions());
    QSignalSpy spy(job, &TaskJob::finished);
    job->start();
    QVERIFY(spy.wait());
    const auto result = spy.at(0).at(0).value<TaskResult>();
    QCOMPARE(result.error, NbiError::HttpError);
    QCOMPARE(result.attempts, 1);
    QCOMPARE(f.fake->requests().size(), 1);
}

void TestNbiJob::requestsCarryTheHouseHeaders()
{
    fwd::AcsProfile p = profile();
    p.username = QStringLiteral("nbi");
    auto manager = std::make_unique<FakeNetworkAccessManager>(
        sequence({Script::genie(200, "OK", "[]", {{"total", "0"}})}));
    FakeNetworkAccessManager *fake = manager.get();
    NbiClient client(p, QStringLiteral("secret"), std::move(manager), fastRetries());
    QList<QString> ids;
    for (int i = 0; i < 2; ++i) {
        auto *job = client.query(Collection::Tasks, QueryOptions());
        QSignalSpy spy(job, &QueryJob::finished);
        job->start();
        QVERIFY(spy.wait());
        ids.append(spy.at(0).at(0).value<QueryResult>().requestId);
    }
    QCOMPARE(fake->requests().size(), 2);
    const QNetworkRequest &r = fake->requests().at(0).request;
    QVERIFY(r.header(QNetworkRequest::UserAgentHeader)
                .toString()
                .startsWith(QLatin1String("FirmwareDesk/")));
    QVERIFY(r.rawHeader("Accept").startsWith("application/json"));
    QCOMPARE(QString::fromLatin1(r.rawHeader("X-Request-ID")), ids.at(0));
    QVERIFY(ids.at(0) != ids.at(1));
    QCOMPARE(r.rawHeader("Authorization"), "Basic " + QByteArray("nbi:secret").toBase64());
    QCOMPARE(r.attribute(QNetworkRequest::Http2AllowedAttribute).toBool(), false);
    QCOMPARE(r.attribute(QNetworkRequest::RedirectPolicyAttribute).toInt(),
             int(QNetworkRequest::ManualRedirectPolicy));
    // The query is percent-encoded (a '+' as well: keysetPagingAsksForIdsAfterTheLastOne).
    QCOMPARE(fake->requests().at(0).url.toEncoded(),
             QByteArray("http://127.0.0.1:7557/tasks/?query=%7B%7D"));
}

void TestNbiJob::inFlightCapQueuesTheRest()
{
    NbiClient::Options options = fastRetries();
    options.maxInFlight = 3;
    Script slow = Script::genie(200, "OK", "[]", {{"total", "0"}});
    slow.delayMs = 30;
    Fixture f(sequence({slow}), 5000, options);
    int finished = 0;
    for (int i = 0; i < 10; ++i) {
        auto *job = f.client->query(Collection::Faults, QueryOptions());
        connect(job, &QueryJob::finished, f.client.get(), [&finished](const QueryResult &r) {
            QVERIFY(r.ok());
            ++finished;
        });
        job->start();
    }
    QCOMPARE(f.client->inFlight(), 3);
    QCOMPARE(f.client->queued(), 7);
    QTRY_COMPARE(finished, 10);
    QCOMPARE(f.fake->maxOpen(), 3);
    QCOMPARE(f.fake->requests().size(), 10);
    QCOMPARE(f.client->inFlight(), 0);
    QCOMPARE(f.client->queued(), 0);
}

void TestNbiJob::connectionRequestsArePaced()
{
    NbiClient::Options options = fastRetries();
    options.connectionRequestsPerSecond = 20; // one every 50 ms
    QElapsedTimer elapsed;
    elapsed.start();
    QList<qint64> crTimes;
    qint64 queryTime = -1;
    Fixture f(
        [&](const FakeNetworkAccessManager::Captured &c) {
            if (c.url.path().startsWith(QLatin1String("/devices/"))) {
                crTimes.append(elapsed.elapsed());
                return Script::genie(200, "OK");
            }
            queryTime = elapsed.elapsed();
            return Script::genie(200, "OK", "[]");
        },
        5000, options);
    int done = 0;
    for (int i = 0; i < 6; ++i) {
        auto *job = f.client->connectionRequest(QStringLiteral("202BC1-BM632w-00000%1").arg(i));
        connect(job, &TaskJob::finished, f.client.get(), [&done](const TaskResult &r) {
            QVERIFY2(r.ok(), qPrintable(r.errorString));
            QCOMPARE(r.payload.outcome, TaskOutcome::ConnectionRequested);
            ++done;
        });
        job->start();
    }
    auto *query = f.client->query(Collection::Presets, QueryOptions());
    connect(query, &QueryJob::finished, f.client.get(), [&done](const QueryResult &) { ++done; });
    query->start();
    QTRY_COMPARE(done, 7);
    QCOMPARE(crTimes.size(), 6);
    // Six connection requests at 20/s span at least five intervals of 50 ms.
    QVERIFY2(
        crTimes.constLast() - crTimes.constFirst() >= 5 * 50 - 10,
        qPrintable(QStringLiteral("span %1 ms").arg(crTimes.constLast() - crTimes.constFirst())));
    // Other calls are not held behind the paced ones.
    QVERIFY(queryTime >= 0 && queryTime < crTimes.constLast());
}

void TestNbiJob::connectionRequestCallsMayTakeOverThreeMinutes()
{
    // GenieACS holds a task call with a connection request for up to 30 s (lock) + 2 s (CR) +
    // timeout + 120 s (session): such calls must not die at the profile's timeout.
    QVERIFY(TaskJob::connectionRequestCallTimeoutMs(4000) > 180000);
    Script slowTask = Script::genie(
        200, "OK", R"({"name":"reboot","device":"d","_id":"6b0e6a88d9d97b726a6a0ff4"})");
    slowTask.delayMs = 400;
    Script slowQuery = Script::genie(200, "OK", "[]");
    slowQuery.delayMs = 400;
    Fixture f(
        [&](const FakeNetworkAccessManager::Captured &c) {
            if (c.method == "POST")
                return slowTask;
            if (c.url.path().startsWith(QLatin1String("/tasks/")) ||
                c.url.path().startsWith(QLatin1String("/faults/")))
                return Script::genie(200, "OK", "[]");
            return slowQuery;
        },
        150);
    TaskOptions o;
    o.connectionRequest = true;
    auto *task =
        f.client->createTask(QStringLiteral("202BC1-BM632w-000004"), TaskSpec::reboot(), o);
    QVERIFY(f.client->timeoutFor(task->request()) > 180000);
    QSignalSpy taskSpy(task, &TaskJob::finished);
    auto *query = f.client->query(Collection::Devices, QueryOptions());
    QSignalSpy querySpy(query, &QueryJob::finished);
    task->start();
    query->start();
    QTRY_COMPARE(taskSpy.size(), 1);
    QTRY_COMPARE(querySpy.size(), 1);
    QCOMPARE(querySpy.at(0).at(0).value<QueryResult>().error, NbiError::Timeout);
    const auto r = taskSpy.at(0).at(0).value<TaskResult>();
    QVERIFY2(r.ok(), qPrintable(r.errorString));
    QCOMPARE(r.payload.outcome, TaskOutcome::Done);
}

void TestNbiJob::cancelWhileQueued()
{
    NbiClient::Options options = fastRetries();
    options.maxInFlight = 1;
    Fixture f(sequence({Script::of(Kind::Hang)}), 5000, options);
    auto *first = f.client->query(Collection::Devices, QueryOptions());
    auto *second = f.client->query(Collection::Devices, QueryOptions());
    QSignalSpy firstSpy(first, &QueryJob::finished);
    QSignalSpy secondSpy(second, &QueryJob::finished);
    first->start();
    second->start();
    QCOMPARE(f.client->queued(), 1);
    second->cancel();
    QCOMPARE(secondSpy.size(), 1);
    QCOMPARE(secondSpy.at(0).at(0).value<QueryResult>().error, NbiError::Cancelled);
    QCOMPARE(f.client->queued(), 0);
    first->cancel();
    QCOMPARE(firstSpy.size(), 1);
    QCOMPARE(firstSpy.at(0).at(0).value<QueryResult>().error, NbiError::Cancelled);
    QCOMPARE(f.fake->requests().size(), 1);
    QTRY_COMPARE(f.client->inFlight(), 0);
}

void TestNbiJob::invalidUrlSendsNothing()
{
    auto manager = std::make_unique<FakeNetworkAccessManager>(sequence({Script::genie(200, "OK")}));
    FakeNetworkAccessManager *fake = manager.get();
    fwd::AcsProfile p = profile();
    p.nbiUrl = QUrl(QStringLiteral("ftp://127.0.0.1"));
    NbiClient client(p, {}, std::move(manager), fastRetries());
    auto *job = client.deleteDevice(QStringLiteral("202BC1-BM632w-000000"));
    QSignalSpy spy(job, &ActionJob::finished);
    job->start();
    QVERIFY(spy.wait());
    QCOMPARE(spy.at(0).at(0).value<ActionResult>().error, NbiError::InvalidUrl);
    QCOMPARE(fake->requests().size(), 0);
}

void TestNbiJob::serverVersionTracked()
{
    Fixture f(sequence({Script::answer(200, "OK", "[]", {{"GenieACS-Version", "1.2.8+20200101"}}),
                        Script::genie(200, "OK", "[]")}));
    QSignalSpy versions(f.client.get(), &NbiClient::serverVersionChanged);
    QCOMPARE(f.client->generation(), GenieAcsVersion::Generation::Unknown);
    for (const auto expected :
         {GenieAcsVersion::Generation::Legacy, GenieAcsVersion::Generation::Modern}) {
        auto *job = f.client->query(Collection::Presets, QueryOptions());
        QSignalSpy spy(job, &QueryJob::finished);
        job->start();
        QVERIFY(spy.wait());
        QCOMPARE(f.client->generation(), expected);
    }
    QCOMPARE(versions.size(), 2);
    QCOMPARE(f.client->serverVersion().number(), QVersionNumber(1, 2, 16));
}

void TestNbiJob::taskAnswersConfirmed_data()
{
    QTest::addColumn<Script>("answer");
    QTest::addColumn<QByteArray>("faults"); // /faults/ answer
    QTest::addColumn<QByteArray>("tasks");  // /tasks/ answer
    QTest::addColumn<bool>("download");
    QTest::addColumn<int>("outcome");
    QTest::addColumn<bool>("stillQueued");

    const QByteArray task =
        R"({"name":"reboot","device":"202BC1-BM632w-000004",)"
        R"("timestamp":"2026-12-01T06:34:48.681Z","_id":"6b0e6a88d9d97b726a6a0ff4"})";
    const QByteArray fault =
        R"([{"_id":"202BC1-BM632w-000004:task_6b0e6a88d9d97b726a6a0ff4","channel":)"
        R"("task_6b0e6a88d9d97b726a6a0ff4","device":"202BC1-BM632w-000004","code":"cwmp.9000",)"
        R"("message":"Method not supported","retries":0}])";
    const QByteArray listed = "[" + task + "]";
    QTest::newRow("200 and gone: done")
        << Script::genie(200, "OK", task) << QByteArray("[]") << QByteArray("[]") << false
        << int(TaskOutcome::Done) << false;
    QTest::newRow("200 on a download: accepted by the router only")
        << Script::genie(200, "OK", task) << QByteArray("[]") << QByteArray("[]") << true
        << int(TaskOutcome::AcceptedByDevice) << false;
    QTest::newRow("200 but still queued, e.g. future timestamp (W4, T029)")
        << Script::genie(200, "OK", task) << QByteArray("[]") << listed << false
        << int(TaskOutcome::NotProcessed) << true;
    QTest::newRow("202 Task faulted (T021)")
        << Script::genie(202, "Task faulted", task) << fault << listed << false
        << int(TaskOutcome::Faulted) << true;
    QTest::newRow("202 queued but not processed (T046)")
        << Script::genie(202, "Task queued but not processed", task) << QByteArray("[]") << listed
        << false << int(TaskOutcome::NotProcessed) << true;
    QTest::newRow("202 reason lost by a proxy, fault found")
        << Script::genie(202, "Accepted", task) << fault << listed << false
        << int(TaskOutcome::Faulted) << true;
    QTest::newRow("202 reason lost by a proxy, task gone: done")
        << Script::genie(202, "Accepted", task) << QByteArray("[]") << QByteArray("[]") << false
        << int(TaskOutcome::Done) << false;
    QTest::newRow("202 reason lost by a proxy, still queued")
        << Script::genie(202, "", task) << QByteArray("[]") << listed << false
        << int(TaskOutcome::NotProcessed) << true;
    QTest::newRow("202 Device is offline (T042)")
        << Script::genie(202, "Device is offline", task) << QByteArray("[]") << listed << false
        << int(TaskOutcome::DeviceOffline) << true;
}

void TestNbiJob::taskAnswersConfirmed()
{
    QFETCH(Script, answer);
    QFETCH(QByteArray, faults);
    QFETCH(QByteArray, tasks);
    QFETCH(bool, download);
    QFETCH(int, outcome);
    QFETCH(bool, stillQueued);
    QByteArray faultQuery;
    Fixture f([&](const FakeNetworkAccessManager::Captured &c) {
        if (c.method == "POST")
            return answer;
        if (c.url.path() == QLatin1String("/faults/")) {
            faultQuery = QUrlQuery(c.url)
                             .queryItemValue(QStringLiteral("query"), QUrl::FullyDecoded)
                             .toUtf8();
            return Script::genie(200, "OK", faults);
        }
        return Script::genie(200, "OK", tasks);
    });
    TaskOptions o;
    o.connectionRequest = true;
    const TaskSpec spec = download ? TaskSpec::download(QStringLiteral("1 Firmware Upgrade Image"),
                                                        QStringLiteral("fw.bin"))
                                   : TaskSpec::reboot();
    auto *job = f.client->createTask(QStringLiteral("202BC1-BM632w-000004"), spec, o);
    QSignalSpy spy(job, &TaskJob::finished);
    job->start();
    QVERIFY(spy.wait());
    const auto r = spy.at(0).at(0).value<TaskResult>();
    QVERIFY2(r.ok(), qPrintable(r.errorString));
    QCOMPARE(int(r.payload.outcome), outcome);
    QCOMPARE(r.payload.stillQueued, stillQueued);
    QVERIFY(r.payload.confirmed);
    QCOMPARE(r.payload.fault.has_value(), faults != "[]");
    if (r.payload.fault)
        QCOMPARE(r.payload.fault->code, QStringLiteral("cwmp.9000"));
    QCOMPARE(r.payload.taskId, QStringLiteral("6b0e6a88d9d97b726a6a0ff4"));
    QCOMPARE(faultQuery,
             QByteArray(R"({"_id":"202BC1-BM632w-000004:task_6b0e6a88d9d97b726a6a0ff4"})"));
    QCOMPARE(f.fake->requests().size(), 3);
    const QUrl post = f.fake->requests().at(0).url;
    QCOMPARE(post.path(), QStringLiteral("/devices/202BC1-BM632w-000004/tasks"));
    QCOMPARE(post.query(), QStringLiteral("connection_request&timeout=4000"));
}

void TestNbiJob::legacyGenerationChecksDeviceBeforeTagging()
{
    // GenieACS <= 1.2.9 answers 200 to tags on unknown devices: the client looks first.
    QList<QByteArray> seen;
    QByteArray version = "1.2.8";
    Fixture f([&](const FakeNetworkAccessManager::Captured &c) {
        seen.append(c.method + ' ' + c.url.path().toLatin1());
        if (c.method == "GET" && c.url.path() == QLatin1String("/devices/"))
            return Script::answer(200, "OK", "[]", {{"GenieACS-Version", version}});
        return Script::answer(200, "OK", {}, {{"GenieACS-Version", version}});
    });
    // Learn the version.
    auto *probe = f.client->query(Collection::Presets, QueryOptions());
    QSignalSpy probeSpy(probe, &QueryJob::finished);
    probe->start();
    QVERIFY(probeSpy.wait());
    QCOMPARE(f.client->generation(), GenieAcsVersion::Generation::Legacy);
    seen.clear();
    auto *tag = f.client->addTag(QStringLiteral("202BC1-BM632w-NOPE"), QStringLiteral("wave1"));
    QSignalSpy spy(tag, &ActionJob::finished);
    tag->start();
    QVERIFY(spy.wait());
    QCOMPARE(spy.at(0).at(0).value<ActionResult>().error, NbiError::NoSuchDevice);
    QCOMPARE(seen, QList<QByteArray>{"GET /devices/"}); // the POST was never sent
    // 1.2.9 and older wait up to 30 s for a running session even without a connection request:
    // a queued task's call gets longer than the profile's timeout.
    QVERIFY(
        f.client
            ->createTask(QStringLiteral("202BC1-BM632w-000000"), TaskSpec::reboot(), TaskOptions())
            ->request()
            .timeoutMs >= 60000);

    // On 1.2.10+ GenieACS answers 404 itself: no look-up first.
    version = "1.2.16";
    auto *probe2 = f.client->query(Collection::Presets, QueryOptions());
    QSignalSpy probe2Spy(probe2, &QueryJob::finished);
    probe2->start();
    QVERIFY(probe2Spy.wait());
    seen.clear();
    auto *tag2 = f.client->addTag(QStringLiteral("202BC1-BM632w-000000"), QStringLiteral("wave1"));
    QSignalSpy spy2(tag2, &ActionJob::finished);
    tag2->start();
    QVERIFY(spy2.wait());
    QVERIFY(spy2.at(0).at(0).value<ActionResult>().ok());
    QCOMPARE(seen, QList<QByteArray>{"POST /devices/202BC1-BM632w-000000/tags/wave1"});
    QCOMPARE(
        f.client
            ->createTask(QStringLiteral("202BC1-BM632w-000000"), TaskSpec::reboot(), TaskOptions())
            ->request()
            .timeoutMs,
        0); // the profile's
}

void TestNbiJob::longCallsLeaveRoomForOthers()
{
    // Six task calls with a connection request that GenieACS holds for minutes must not take
    // every connection: at most four run, and a device query still goes out at once.
    NbiClient::Options options = fastRetries();
    options.connectionRequestsPerSecond = 0; // no pacing in this test
    Fixture f(
        [](const FakeNetworkAccessManager::Captured &c) {
            if (c.method == "POST")
                return Script::of(Kind::Hang);
            return Script::genie(200, "OK", "[]", {{"total", "0"}});
        },
        5000, options);
    QList<QPointer<TaskJob>> tasks; // jobs delete themselves once finished
    TaskOptions o;
    o.connectionRequest = true;
    for (int i = 0; i < 6; ++i) {
        tasks.append(f.client->createTask(QStringLiteral("202BC1-BM632w-00000%1").arg(i),
                                          TaskSpec::reboot(), o));
        tasks.constLast()->start();
    }
    QCOMPARE(f.client->inFlight(), 4);
    QCOMPARE(f.client->queued(), 2);
    auto *query = f.client->query(Collection::Devices, QueryOptions());
    QSignalSpy spy(query, &QueryJob::finished);
    query->start();
    QVERIFY(spy.wait());
    QVERIFY(spy.at(0).at(0).value<QueryResult>().ok());
    QCOMPARE(f.fake->requests().size(), 5);
    // When a long call ends, a queued one starts.
    tasks.at(0)->cancel();
    QTRY_COMPARE(f.fake->requests().size(), 6);
    for (const QPointer<TaskJob> &t : std::as_const(tasks))
        if (t)
            t->cancel();
    QTRY_COMPARE(f.client->inFlight(), 0);
}

void TestNbiJob::operationsUnsupportedOnLegacy()
{
    Fixture f(sequence({Script::answer(200, "OK", "[]", {{"GenieACS-Version", "1.2.9"}})}));
    auto *probe = f.client->query(Collection::Presets, QueryOptions());
    QSignalSpy probeSpy(probe, &QueryJob::finished);
    probe->start();
    QVERIFY(probeSpy.wait());
    auto *ops = f.client->listOperations(QueryOptions());
    QSignalSpy spy(ops, &QueryJob::finished);
    ops->start();
    QVERIFY(spy.wait());
    QCOMPARE(spy.at(0).at(0).value<QueryResult>().error, NbiError::Unsupported);
    QCOMPARE(f.fake->requests().size(), 1);
}

void TestNbiJob::retryAfterIsHonoured()
{
    // GenieACS's CWMP side (and proxies) say when to come back: "Retry-after: 60" (N10).
    NbiClient::Options options = fastRetries();
    options.retryMaxDelayMs = 600;
    QElapsedTimer elapsed;
    QList<qint64> sentAt;
    auto n = std::make_shared<int>(0);
    Fixture f(
        [&, n](const FakeNetworkAccessManager::Captured &) {
            sentAt.append(elapsed.elapsed());
            if ((*n)++ == 0)
                return Script::answer(503, "Service Unavailable", {}, {{"Retry-after", "60"}});
            return Script::genie(200, "OK", "[]");
        },
        5000, options);
    elapsed.start();
    auto *job = f.client->query(Collection::Presets, QueryOptions());
    QSignalSpy spy(job, &QueryJob::finished);
    job->start();
    QVERIFY(spy.wait());
    QVERIFY(spy.at(0).at(0).value<QueryResult>().ok());
    QCOMPARE(sentAt.size(), 2);
    // 60 s asked, capped at the client's maximum delay (600 ms here), far above the 5 ms base.
    QVERIFY2(sentAt.at(1) - sentAt.at(0) >= 550,
             qPrintable(QString::number(sentAt.at(1) - sentAt.at(0))));
}

void TestNbiJob::droppedConnectionIsResentOnlyWhenSafe_data()
{
    QTest::addColumn<bool>("task");
    QTest::addColumn<int>("dropAfterMs");
    QTest::addColumn<NbiError>("error");
    QTest::addColumn<int>("sent");
    QTest::addColumn<QStringList>("messageParts");
    // Within the stale-connection window (100 ms here) the server closed an idle keep-alive
    // connection as the request went out: it never read it. Later, it may have read it (GenieACS
    // drops a crashing request after ~21 s, N2).
    QTest::newRow("query dropped at once: sent again")
        << false << 0 << NbiError::None << 2 << QStringList();
    QTest::newRow("query dropped after the window: not sent again")
        << false << 150 << NbiError::NoResponse << 1
        << QStringList{QStringLiteral("crashes its NBI worker")};
    QTest::newRow("task POST dropped at once: not sent again, may have been queued")
        << true << 0 << NbiError::NoResponse << 1
        << QStringList{QStringLiteral("right after the request was sent"),
                       QStringLiteral("may or may not have taken effect"),
                       QStringLiteral("task list")};
    QTest::newRow("task POST dropped after the window: not sent again")
        << true << 150 << NbiError::NoResponse << 1
        << QStringList{QStringLiteral("crashes its NBI worker"), QStringLiteral("task list")};
}

void TestNbiJob::droppedConnectionIsResentOnlyWhenSafe()
{
    QFETCH(bool, task);
    QFETCH(int, dropAfterMs);
    QFETCH(NbiError, error);
    QFETCH(int, sent);
    QFETCH(QStringList, messageParts);
    Script drop = Script::of(Kind::Reset);
    drop.delayMs = dropAfterMs;
    NbiClient::Options options = fastRetries();
    options.staleConnectionWindowMs = 100;
    Fixture f(sequence({drop, Script::genie(200, "OK", "[]", {{"total", "0"}})}), 5000, options);
    NbiStatus status;
    if (task) {
        auto *job = f.client->createTask(QStringLiteral("202BC1-BM632w-000000"), TaskSpec::reboot(),
                                         TaskOptions());
        QSignalSpy spy(job, &TaskJob::finished);
        job->start();
        QVERIFY(spy.wait());
        status = spy.at(0).at(0).value<TaskResult>();
    } else {
        auto *job = f.client->query(Collection::Tasks, QueryOptions());
        QSignalSpy spy(job, &QueryJob::finished);
        job->start();
        QVERIFY(spy.wait());
        status = spy.at(0).at(0).value<QueryResult>();
    }
    QCOMPARE(status.error, error);
    QCOMPARE(status.attempts, sent);
    QCOMPARE(f.fake->requests().size(), sent);
    for (const QString &part : std::as_const(messageParts))
        QVERIFY2(status.errorString.contains(part), qPrintable(status.errorString));
}

void TestNbiJob::keysetPagingAsksForIdsAfterTheLastOne()
{
    // GenieACS has no cursors and no default limit: large lists page on _id, each page asking
    // for the ids after the last one received, sorted by _id (GENIEACS.md §1).
    Fixture f(sequence(
        {Script::genie(200, "OK", TwoDevices, {{"total", "3"}}),
         Script::genie(200, "OK", R"([{"_id":"202BC1-BM632w-000002"}])", {{"total", "1"}})}));
    auto *job = f.client->listDevices(DeviceFilter::where(QLatin1String(DeviceField::ProductClass),
                                                          DeviceFilter::Op::Equals,
                                                          QStringLiteral("RB5009UG+S+IN")),
                                      {QStringLiteral("_id")}, 2);
    QSignalSpy spy(job, &DeviceListJob::finished);
    job->start();
    QVERIFY(spy.wait());
    const auto result = spy.at(0).at(0).value<DeviceListResult>();
    QVERIFY2(result.ok(), qPrintable(result.errorString));
    QCOMPARE(result.payload.received, qint64(3));
    QCOMPARE(f.fake->requests().size(), 2);

    QList<QJsonObject> queries;
    for (const auto &request : f.fake->requests()) {
        // A bare '+' would reach GenieACS's query parser as a space.
        const QByteArray encoded = request.url.toEncoded();
        QVERIFY2(!encoded.contains('+') && encoded.contains("RB5009UG%2BS%2BIN"),
                 encoded.constData());
        const QUrlQuery items(request.url);
        QCOMPARE(request.url.path(), QStringLiteral("/devices/"));
        QCOMPARE(items.queryItemValue(QStringLiteral("sort"), QUrl::FullyDecoded),
                 QStringLiteral("{\"_id\":1}"));
        QCOMPARE(items.queryItemValue(QStringLiteral("limit"), QUrl::FullyDecoded),
                 QStringLiteral("2"));
        QJsonParseError e;
        const QJsonDocument d = QJsonDocument::fromJson(
            items.queryItemValue(QStringLiteral("query"), QUrl::FullyDecoded).toUtf8(), &e);
        QVERIFY2(e.error == QJsonParseError::NoError && d.isObject(),
                 qPrintable(request.url.toString()));
        queries.append(d.object());
    }
    const QByteArray first = QJsonDocument(queries.at(0)).toJson(QJsonDocument::Compact);
    const QByteArray second = QJsonDocument(queries.at(1)).toJson(QJsonDocument::Compact);
    QVERIFY2(!first.contains("$gt"), first.constData());
    QVERIFY2(second.contains(R"({"_id":{"$gt":"202BC1-BM632w-000001"}})"), second.constData());
    // The filter itself stays in every page's query.
    QVERIFY2(first.contains("RB5009UG+S+IN") && second.contains("RB5009UG+S+IN"),
             second.constData());
}

void TestNbiJob::credentialsNeverReachTheLog()
{
    // STYLE.md: one log line per request and reply, credentials redacted. Everything the client
    // logs, debug included, for good and failing calls, must hold neither the password nor the
    // Authorization header's Base64.
    const QString user = QStringLiteral("nbi-admin");
    const QString password = QStringLiteral("Pa55:w0rd-9q7");
    const QByteArray basic = (user + QLatin1Char(':') + password).toUtf8().toBase64();
    LogCapture log;
    fwd::AcsProfile p = profile(200);
    p.username = user;
    auto manager =
        std::make_unique<FakeNetworkAccessManager>([](const FakeNetworkAccessManager::Captured &c) {
            const QString path = c.url.path();
            if (path.startsWith(QLatin1String("/presets/")))
                return Script::answer(401, "Unauthorized", "bad credentials");
            if (path.startsWith(QLatin1String("/files/")))
                return Script::of(Kind::Reset);
            if (path.startsWith(QLatin1String("/operations/")))
                return Script::of(Kind::Hang);
            if (c.method == "POST")
                return Script::genie(
                    202, "Task faulted",
                    R"({"name":"reboot","device":"d","_id":"6b0e6a88d9d97b726a6a0ff4"})");
            return Script::genie(200, "OK", "[]", {{"total", "0"}});
        });
    FakeNetworkAccessManager *fake = manager.get();
    NbiClient::Options options = fastRetries();
    options.maxAttempts = 2;
    NbiClient client(p, password, std::move(manager), options);
    QList<NbiJob *> jobs{client.query(Collection::Devices, QueryOptions()),
                         client.query(Collection::Presets, QueryOptions()),
                         client.query(Collection::Files, QueryOptions()),
                         client.query(Collection::Operations, QueryOptions()),
                         client.createTask(QStringLiteral("202BC1-BM632w-000000"),
                                           TaskSpec::reboot(), TaskOptions())};
    int finished = 0;
    for (NbiJob *job : jobs)
        connect(job, &QObject::destroyed, this, [&finished] { ++finished; });
    for (NbiJob *job : jobs)
        job->start();
    QTRY_COMPARE_WITH_TIMEOUT(finished, int(jobs.size()), 10000);
    // The header was sent, and the log saw the calls and their failures.
    QCOMPARE(fake->requests().constFirst().request.rawHeader("Authorization"), "Basic " + basic);
    QVERIFY(log.count(QtDebugMsg, QStringLiteral("→")) >= 4);
    QVERIFY(log.count(QtWarningMsg, QStringLiteral("failed")) >= 3);
    const QStringList secrets{password, QString::fromLatin1(basic),
                              QString::fromLatin1(password.toUtf8().toBase64()),
                              QString::fromLatin1(QUrl::toPercentEncoding(password))};
    for (const auto &line : log.lines())
        for (const QString &secret : secrets)
            QVERIFY2(!line.text.contains(secret),
                     qPrintable(line.category + QLatin1String(": ") + line.text));
}

void TestNbiJob::faultSweepsAtStartThenPeriodically()
{
    // W5: the composition root runs a FaultSweepScheduler per connected ACS. It sweeps at once,
    // then `intervalMs` after each sweep (a minute in the application, 1 s here), sooner
    // after a full page; never two at a time.
    const QString first = QStringLiteral("6b0e6a88d9d97b726a6a0ff1");
    const QString second = QStringLiteral("6b0e6a88d9d97b726a6a0ff2");
    QList<QByteArray> lists{"[" + faultDocument(first) + "," + faultDocument(second) + "]",
                            "[" + faultDocument(second) + "]"};
    QElapsedTimer clock;
    clock.start();
    QList<qint64> listedAt;
    Fixture f([&](const FakeNetworkAccessManager::Captured &c) {
        if (c.method == "DELETE")
            return Script::genie(200, "OK");
        listedAt.append(clock.elapsed());
        return Script::genie(200, "OK", lists.isEmpty() ? QByteArray("[]") : lists.takeFirst());
    });
    FaultSweepScheduler::Options o;
    o.intervalMs = 1000;
    o.moreDelayMs = 0;
    o.limit = 2;
    FaultSweepScheduler sweeps(o);
    QSignalSpy swept(&sweeps, &FaultSweepScheduler::swept);
    QList<int> nextAfter; // when each sweep had scheduled the next one
    connect(&sweeps, &FaultSweepScheduler::swept, this,
            [&] { nextAfter.append(sweeps.nextSweepInMs()); });
    LogCapture log;
    sweeps.setClient(f.client.get());
    QVERIFY(sweeps.isSweeping()); // at once, without waiting for the interval
    QVERIFY(!sweeps.sweepNow());  // one at a time
    QTRY_VERIFY(swept.size() >= 3);
    // 1st: a full page of two (cleared), so the 2nd follows at once; 2nd: one; 3rd: none, one
    // interval later.
    const auto r1 = swept.at(0).at(0).value<FaultSweepResult>();
    const auto r2 = swept.at(1).at(0).value<FaultSweepResult>();
    const auto r3 = swept.at(2).at(0).value<FaultSweepResult>();
    QCOMPARE(r1.payload.cleared.size(), 2);
    QVERIFY(r1.payload.more);
    QCOMPARE(r2.payload.cleared.size(), 1);
    QVERIFY(!r2.payload.more);
    QCOMPARE(r3.payload.cleared.size(), 0);
    QCOMPARE(sweeps.faultsCleared(), 3);
    QVERIFY(listedAt.size() >= 3);
    // The next sweep as scheduled when each one ended: at once after a full page, else one
    // interval (a coarse timer: within 5 %).
    QCOMPARE(nextAfter.at(0), 0);
    QVERIFY2(nextAfter.at(1) >= 900 && nextAfter.at(1) <= 1050,
             qPrintable(QString::number(nextAfter.at(1))));
    QVERIFY2(nextAfter.at(2) >= 900 && nextAfter.at(2) <= 1050,
             qPrintable(QString::number(nextAfter.at(2))));
    // At least one interval between them (a coarse timer: it may fire up to 5 % early).
    QVERIFY2(listedAt.at(2) - listedAt.at(1) >= 940,
             qPrintable(QString::number(listedAt.at(2) - listedAt.at(1))));
    // What was deleted is logged.
    QCOMPARE(log.count(QtInfoMsg, QStringLiteral("deleted 2 faults")), 1);
    QCOMPARE(log.count(QtInfoMsg, QStringLiteral("deleted 1 faults")), 1);
    int deletes = 0;
    for (const auto &request : f.fake->requests())
        deletes += request.method == "DELETE" ? 1 : 0;
    QCOMPARE(deletes, 3);
}

void TestNbiJob::faultSweepFailuresAreLoggedOnce()
{
    // An unreachable ACS: the sweep keeps its rhythm, warns once, and says when it works again.
    bool refuse = true;
    Fixture f([&](const FakeNetworkAccessManager::Captured &) {
        return refuse ? Script::of(Kind::Refuse) : Script::genie(200, "OK", "[]");
    });
    FaultSweepScheduler::Options o;
    o.intervalMs = 50;
    FaultSweepScheduler sweeps(o);
    QSignalSpy swept(&sweeps, &FaultSweepScheduler::swept);
    LogCapture log;
    sweeps.setClient(f.client.get());
    QTRY_VERIFY(swept.size() >= 3);
    QVERIFY(sweeps.isFailing());
    QCOMPARE(swept.constLast().at(0).value<FaultSweepResult>().error, NbiError::Refused);
    QCOMPARE(log.count(QtWarningMsg, QStringLiteral("sweep of faults")), 1);
    refuse = false;
    QTRY_VERIFY(!sweeps.isFailing());
    QCOMPARE(log.count(QtInfoMsg, QStringLiteral("works again")), 1);
}

void TestNbiJob::faultSweepFollowsTheClient()
{
    // The active profile changes: the old client's sweep stops, the new one is swept at once;
    // no profile, no sweeps.
    Script slow = Script::genie(200, "OK", "[]");
    slow.delayMs = 200;
    Fixture a(sequence({slow}));
    Fixture b(sequence({Script::genie(200, "OK", "[]")}));
    FaultSweepScheduler sweeps;
    QSignalSpy swept(&sweeps, &FaultSweepScheduler::swept);
    sweeps.setClient(a.client.get());
    QVERIFY(sweeps.isSweeping());
    sweeps.setClient(b.client.get()); // a's sweep is cancelled, b's starts
    QTRY_COMPARE(swept.size(), 1);
    QVERIFY(swept.at(0).at(0).value<FaultSweepResult>().ok());
    QCOMPARE(b.fake->requests().size(), 1);
    QVERIFY(sweeps.nextSweepInMs() > 50000); // the default minute
    sweeps.setClient(nullptr);
    QCOMPARE(sweeps.nextSweepInMs(), -1);
    QVERIFY(!sweeps.sweepNow());
    QCOMPARE(a.fake->open(), 0); // a's sweep was aborted
    QCOMPARE(swept.size(), 1);   // and reported nothing
    QCOMPARE(a.fake->requests().size(), 1);
    // A client that goes away stops the sweeps too.
    sweeps.setClient(b.client.get());
    QTRY_COMPARE(swept.size(), 2);
    b.client.reset();
    QVERIFY(!sweeps.sweepNow());
}

QTEST_GUILESS_MAIN(TestNbiJob)
#include "tst_nbijob.moc"
