#include "core/clock.h"
#include "lab/connectionrequester.h"
#include "lab/docvalue.h"
#include "lab/labstore.h"
#include "lab/nbiserver.h"
#include "rawhttp.h"

#include <QTest>
#include <QTimer>

using namespace fwd::lab;
using fwd::lab::test::RawHttpClient;
using fwd::lab::test::RawResponse;

namespace {

// Plays a CPE's side of a connection request in-process: the session starts on the next event
// loop turn (GenieACS's NBI sees the Inform only after its first check), runs the test's
// session body, then ends.
class ScriptedRequester final : public ConnectionRequester
{
public:
    explicit ScriptedRequester(LabStore &store)
        : m_store(store)
    {}
    void connectionRequest(const QString &deviceId,
                           std::function<void(const QString &)> done) override
    {
        ++requests;
        if (!status.isEmpty()) {
            done(status);
            return;
        }
        done(QString());
        if (!startSession)
            return;
        QTimer::singleShot(0, &m_store, [this, deviceId] {
            m_store.setInSession(deviceId, true);
            if (DeviceRecord *d = m_store.device(deviceId))
                d->lastInform = m_store.nowMs() + 1;
            QTimer::singleShot(sessionMs, &m_store, [this, deviceId] {
                if (session)
                    session(deviceId);
                m_store.setInSession(deviceId, false);
            });
        });
    }

    QString status;           // a CR error, or empty for "accepted"
    bool startSession = true; // false: accepted but the CPE never informs
    int sessionMs = 0;
    std::function<void(const QString &)> session;
    int requests = 0;

private:
    LabStore &m_store;
};

} // namespace

// The NBI of GenieACS 1.2.16 as the lab serves it (GENIEACS.md §1-§6, §9; corrections W1-W6,
// N1, N2, N5, N13). Rows name the transcript they reproduce (T###).
class TestNbiServer final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void queryReturnsStreamedArrayWithTotal();
    void headCountsWithoutBody();
    void sortSkipLimitAndParameterSort();
    void clientErrors_data();
    void clientErrors();
    void crashesCloseWithoutResponse_data();
    void crashesCloseWithoutResponse();
    void crashOutageRefusesConnectionsThenRecovers();
    void tags();
    void deleteDeviceRemovesItsDocuments();
    void deviceInSessionGets503_data();
    void deviceInSessionGets503();
    void queuedTasks();
    void taskListDeleteRetry();
    void deleteFaultOnTaskChannelDeletesTask();
    void connectionRequestOnly_data();
    void connectionRequestOnly();
    void taskWithConnectionRequest_data();
    void taskWithConnectionRequest();
    void taskWaitsForSessionLock();
    void files();
    void presetsAndProvisions();
    void keepAliveAndConnectionClose();
    void oversizedRequests();
    void garbageNeverBreaksTheServer();

private:
    void addDevice(const QString &serial, const QString &crUrl);
    std::unique_ptr<fwd::ManualClock> m_clock;
    std::unique_ptr<LabStore> m_store;
    std::unique_ptr<NbiServer> m_nbi;
    std::unique_ptr<ScriptedRequester> m_requester;
};

void TestNbiServer::addDevice(const QString &serial, const QString &crUrl)
{
    auto d = std::make_unique<DeviceRecord>();
    d->oui = QStringLiteral("202BC1");
    d->productClass = QStringLiteral("BM632w");
    d->manufacturer = QStringLiteral("Huawei Technologies Co., Ltd.");
    d->serial = serial;
    d->id = DeviceRecord::makeId(d->oui, d->productClass, d->serial);
    const qint64 t = m_store->nowMs();
    d->registered = t;
    d->lastInform = t;
    d->setParameter(m_store->paths(),
                    QStringLiteral("InternetGatewayDevice.DeviceInfo.SoftwareVersion"),
                    QStringLiteral("V100R001IRQC56B017"), QStringLiteral("xsd:string"), t);
    d->setParameter(m_store->paths(),
                    QStringLiteral("InternetGatewayDevice.ManagementServer.ConnectionRequestURL"),
                    crUrl, QStringLiteral("xsd:string"), t);
    m_store->insertDevice(std::move(d));
}

void TestNbiServer::init()
{
    m_clock =
        std::make_unique<fwd::ManualClock>(QDateTime(QDate(2026, 12, 1), QTime(6, 30), Qt::UTC));
    m_store = std::make_unique<LabStore>(*m_clock);
    NbiServer::Options o;
    o.sessionPollMs = 20;
    o.lockWaitMs = 300;
    o.sessionEndWaitMs = 2000;
    o.deviceOnlineThresholdMs = 400;
    m_nbi = std::make_unique<NbiServer>(*m_store, o);
    QVERIFY(m_nbi->listen());
    for (int i = 0; i < 5; ++i)
        addDevice(QStringLiteral("00000%1").arg(i), QStringLiteral("http://127.0.0.1:9/"));
    addDevice(QStringLiteral("HTTPS"), QStringLiteral("https://127.0.0.1:7547/"));
    addDevice(QStringLiteral("BADURL"), QStringLiteral("not a url"));
    m_requester = std::make_unique<ScriptedRequester>(*m_store);
}

void TestNbiServer::cleanup()
{
    m_nbi.reset();
    m_store.reset();
    m_requester.reset();
}

void TestNbiServer::queryReturnsStreamedArrayWithTotal()
{
    RawHttpClient c(m_nbi->port());
    const RawResponse r = c.request(
        "GET",
        "/devices/"
        "?projection=_deviceId._SerialNumber%2CInternetGatewayDevice.DeviceInfo.SoftwareVersion"
        "%2C_lastInform%2C_tags&limit=2");
    QCOMPARE(r.status, 200);
    QCOMPARE(r.reason, QByteArray("OK"));
    QCOMPARE(r.headerNames().first(), QByteArray("GenieACS-Version"));
    QCOMPARE(r.header("GenieACS-Version"), QByteArray("1.2.16"));
    QCOMPARE(r.header("Content-Type"), QByteArray("application/json"));
    QVERIFY(r.headerNames().contains("total")); // lower-case, as GenieACS spells it
    QCOMPARE(r.header("total"), QByteArray("7"));
    QCOMPARE(r.header("Transfer-Encoding"), QByteArray("chunked"));
    QCOMPARE(r.header("Connection"), QByteArray("keep-alive"));
    QVERIFY(r.body.startsWith("[\n{"));
    QVERIFY(r.body.endsWith("}\n]"));
    QString e;
    const QVariantList docs = docvalue::parseJson(r.body, &e).toList();
    QCOMPARE(docs.size(), 2);
    const QVariantMap first = docs.first().toMap();
    QCOMPARE(first.value(QStringLiteral("_id")).toString(), QStringLiteral("202BC1-BM632w-000000"));
    QCOMPARE(first.value(QStringLiteral("_deviceId")).toMap().keys(),
             QStringList{QStringLiteral("_SerialNumber")});
    QCOMPARE(docvalue::getPath(first, u"InternetGatewayDevice.DeviceInfo.SoftwareVersion._value")
                 .toString(),
             QStringLiteral("V100R001IRQC56B017"));
    QVERIFY(!first.contains(QStringLiteral("_tags")));

    const RawResponse none = c.request("GET", "/devices/?query=%7B%22_id%22%3A%22nope%22%7D");
    QCOMPARE(none.header("total"), QByteArray("0"));
    QCOMPARE(none.body, QByteArray("[\n\n]"));
}

void TestNbiServer::headCountsWithoutBody()
{
    RawHttpClient c(m_nbi->port());
    // T005: 'V100*' is expanded to a prefix regex.
    const RawResponse r = c.request(
        "HEAD",
        "/devices/"
        "?query=%7B%22InternetGatewayDevice.DeviceInfo.SoftwareVersion%22%3A%22V100%2A%22%7D");
    QCOMPARE(r.status, 200);
    QCOMPARE(r.header("total"), QByteArray("7"));
    QVERIFY(r.body.isEmpty());
    QVERIFY(!r.hasHeader("Transfer-Encoding"));
    // The connection stays usable after a HEAD.
    QCOMPARE(c.request("GET", "/presets/").status, 200);
}

void TestNbiServer::sortSkipLimitAndParameterSort()
{
    RawHttpClient c(m_nbi->port());
    // T006
    RawResponse r =
        c.request("GET", "/devices/?projection=_id&sort=%7B%22_id%22%3A1%7D&skip=3&limit=1");
    QCOMPARE(r.header("total"), QByteArray("7"));
    QCOMPARE(r.body, QByteArray("[\n{\"_id\":\"202BC1-BM632w-000003\"}\n]"));
    // parseInt: "2abc" -> 2, negative limit -> |n|, limit 0 -> all
    r = c.request("GET", "/devices/?projection=_id&sort=%7B%22_id%22%3A-1%7D&limit=2abc");
    QString e;
    QVariantList docs = docvalue::parseJson(r.body, &e).toList();
    QCOMPARE(docs.size(), 2);
    QCOMPARE(docs.first().toMap().value(QStringLiteral("_id")).toString(),
             QStringLiteral("202BC1-BM632w-HTTPS"));
    QCOMPARE(docvalue::parseJson(c.request("GET", "/devices/?projection=_id&limit=-3").body, &e)
                 .toList()
                 .size(),
             3);
    QCOMPARE(docvalue::parseJson(c.request("GET", "/devices/?projection=_id&limit=0").body, &e)
                 .toList()
                 .size(),
             7);
    // Keyset paging on _id ($gt / $gte), ascending and descending.
    r = c.request(
        "GET",
        "/devices/"
        "?projection=_id&query=%7B%22_id%22%3A%7B%22%24gt%22%3A%22202BC1-BM632w-000002%22%7D%7D"
        "&sort=%7B%22_id%22%3A1%7D&limit=2");
    QCOMPARE(r.header("total"), QByteArray("4"));
    QCOMPARE(r.body,
             QByteArray(
                 "[\n{\"_id\":\"202BC1-BM632w-000003\"},\n{\"_id\":\"202BC1-BM632w-000004\"}\n]"));
    r = c.request(
        "GET",
        "/devices/"
        "?projection=_id&query=%7B%22_id%22%3A%7B%22%24gte%22%3A%22202BC1-BM632w-000002%22%7D%7D"
        "&sort=%7B%22_id%22%3A-1%7D&skip=3");
    QCOMPARE(r.header("total"), QByteArray("5"));
    QCOMPARE(r.body,
             QByteArray(
                 "[\n{\"_id\":\"202BC1-BM632w-000003\"},\n{\"_id\":\"202BC1-BM632w-000002\"}\n]"));
    r = c.request("HEAD", "/devices/"
                          "?query=%7B%22_id%22%3A%7B%22%24gt%22%3A%22202BC1-BM632w-000002%22%2C%22%"
                          "24lt%22%3A%22202BC1-BM632w-000004%22%7D%7D");
    QCOMPARE(r.header("total"), QByteArray("1"));
    // T007: sort on a parameter sorts by its value (._value appended).
    const char *codes[] = {"lab-b", "lab-a", "lab-c"};
    for (int i = 0; i < 3; ++i)
        m_store->device(QStringLiteral("202BC1-BM632w-00000%1").arg(i + 1))
            ->setParameter(m_store->paths(),
                           QStringLiteral("InternetGatewayDevice.DeviceInfo.ProvisioningCode"),
                           QString::fromLatin1(codes[i]), QStringLiteral("xsd:string"),
                           m_store->nowMs());
    r = c.request(
        "GET", "/devices/"
               "?query=%7B%22InternetGatewayDevice.DeviceInfo.ProvisioningCode%22%3A%22lab-*%22%7D"
               "&projection=InternetGatewayDevice.DeviceInfo.ProvisioningCode._value"
               "&sort=%7B%22InternetGatewayDevice.DeviceInfo.ProvisioningCode%22%3A-1%7D");
    QCOMPARE(r.header("total"), QByteArray("3"));
    docs = docvalue::parseJson(r.body, &e).toList();
    QStringList order;
    for (const QVariant &d : docs)
        order << d.toMap().value(QStringLiteral("_id")).toString().right(1);
    QCOMPARE(order, (QStringList{QStringLiteral("3"), QStringLiteral("1"), QStringLiteral("2")}));
}

void TestNbiServer::clientErrors_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("reason");
    QTest::addColumn<QByteArray>("bodyPrefix");
    QTest::addColumn<QByteArray>("allow");

    QTest::newRow("T084 bad JSON in query")
        << QByteArray("GET") << QByteArray("/devices/?query=%7B%22_id%22%3A") << QByteArray() << 400
        << QByteArray("Bad Request") << QByteArray("SyntaxError: Unexpected end of JSON input")
        << QByteArray();
    QTest::newRow("T085 bad JSON in sort")
        << QByteArray("GET") << QByteArray("/devices/?sort=%7B_id%3A1%7D") << QByteArray() << 400
        << QByteArray("Bad Request")
        << QByteArray("SyntaxError: Expected property name or '}' in JSON at position 1")
        << QByteArray();
    QTest::newRow("T086 bad JSON task body")
        << QByteArray("POST") << QByteArray("/devices/202BC1-BM632w-000003/tasks")
        << QByteArray("{\"name\":") << 400 << QByteArray("Bad Request")
        << QByteArray("SyntaxError: Unexpected end of JSON input") << QByteArray();
    QTest::newRow("T087 no body, no connection_request")
        << QByteArray("POST") << QByteArray("/devices/202BC1-BM632w-000003/tasks") << QByteArray()
        << 400 << QByteArray("Bad Request") << QByteArray() << QByteArray();
    QTest::newRow("T079 bad JSON preset")
        << QByteArray("PUT") << QByteArray("/presets/lab-broken") << QByteArray("{\"weight\":0,")
        << 400 << QByteArray("Bad Request")
        << QByteArray("SyntaxError: Expected double-quoted property name") << QByteArray();
    QTest::newRow("T088 task for unknown device")
        << QByteArray("POST") << QByteArray("/devices/NO-SUCH-DEVICE/tasks")
        << QByteArray("{\"name\":\"reboot\"}") << 404 << QByteArray("Not Found")
        << QByteArray("No such device") << QByteArray();
    QTest::newRow("T089 task + CR for unknown device")
        << QByteArray("POST") << QByteArray("/devices/NO-SUCH-DEVICE/tasks?connection_request")
        << QByteArray("{\"name\":\"reboot\"}") << 404 << QByteArray("Not Found")
        << QByteArray("No such device") << QByteArray();
    QTest::newRow("CR only for unknown device")
        << QByteArray("POST") << QByteArray("/devices/NO-SUCH-DEVICE/tasks?connection_request")
        << QByteArray() << 404 << QByteArray("Not Found") << QByteArray("No such device")
        << QByteArray();
    QTest::newRow("T011 tag on unknown device")
        << QByteArray("POST") << QByteArray("/devices/NO-SUCH-DEVICE/tags/wave1") << QByteArray()
        << 404 << QByteArray("Not Found") << QByteArray("No such device") << QByteArray();
    QTest::newRow("T090 unknown collection")
        << QByteArray("GET") << QByteArray("/nosuchcollection/") << QByteArray() << 404
        << QByteArray("Not Found") << QByteArray("404 Not Found") << QByteArray();
    QTest::newRow("N5 fs.files is not a collection name")
        << QByteArray("GET") << QByteArray("/fs.files/") << QByteArray() << 404
        << QByteArray("Not Found") << QByteArray("404 Not Found") << QByteArray();
    QTest::newRow("N5 POST on unknown collection is 405")
        << QByteArray("POST") << QByteArray("/nosuch/") << QByteArray("{}") << 405
        << QByteArray("Method Not Allowed") << QByteArray("405 Method Not Allowed")
        << QByteArray("GET, HEAD");
    QTest::newRow("T091 GET single device")
        << QByteArray("GET") << QByteArray("/devices/202BC1-BM632w-000000") << QByteArray() << 405
        << QByteArray("Method Not Allowed") << QByteArray("405 Method Not Allowed")
        << QByteArray("DELETE");
    QTest::newRow("T092 POST collection")
        << QByteArray("POST") << QByteArray("/devices/") << QByteArray("{}") << 405
        << QByteArray("Method Not Allowed") << QByteArray("405 Method Not Allowed")
        << QByteArray("GET, HEAD");
    QTest::newRow("T093 GET task")
        << QByteArray("GET") << QByteArray("/tasks/6b0e6a88d9d97b726a6a0ff4") << QByteArray() << 405
        << QByteArray("Method Not Allowed") << QByteArray("405 Method Not Allowed")
        << QByteArray("PUT DELETE");
    QTest::newRow("GET on retry") << QByteArray("GET")
                                  << QByteArray("/tasks/6b0e6a88d9d97b726a6a0ff4/retry")
                                  << QByteArray() << 405 << QByteArray("Method Not Allowed")
                                  << QByteArray("405 Method Not Allowed") << QByteArray("POST");
    QTest::newRow("unknown task action")
        << QByteArray("POST") << QByteArray("/tasks/6b0e6a88d9d97b726a6a0ff4/foo") << QByteArray()
        << 404 << QByteArray("Not Found") << QByteArray() << QByteArray();
    QTest::newRow("GET preset") << QByteArray("GET") << QByteArray("/presets/foo") << QByteArray()
                                << 405 << QByteArray("Method Not Allowed")
                                << QByteArray("405 Method Not Allowed")
                                << QByteArray("PUT, DELETE");
    QTest::newRow("GET fault") << QByteArray("GET") << QByteArray("/faults/x:default")
                               << QByteArray() << 405 << QByteArray("Method Not Allowed")
                               << QByteArray("405 Method Not Allowed") << QByteArray("DELETE");
    QTest::newRow("GET tasks of a device")
        << QByteArray("GET") << QByteArray("/devices/202BC1-BM632w-000000/tasks") << QByteArray()
        << 405 << QByteArray("Method Not Allowed") << QByteArray("405 Method Not Allowed")
        << QByteArray("POST");
    QTest::newRow("GET file") << QByteArray("GET") << QByteArray("/files/x.bin") << QByteArray()
                              << 405 << QByteArray("Method Not Allowed")
                              << QByteArray("405 Method Not Allowed") << QByteArray("PUT, DELETE");
    QTest::newRow("unencoded dot in a tag")
        << QByteArray("POST") << QByteArray("/devices/202BC1-BM632w-000000/tags/a.b")
        << QByteArray() << 404 << QByteArray("Not Found") << QByteArray("404 Not Found")
        << QByteArray();
    QTest::newRow("provision syntax error (T075)")
        << QByteArray("PUT") << QByteArray("/provisions/lab-bad")
        << QByteArray("declare(\"Tags.x\", null, {value: true}\nlog(\"oops\";\n") << 400
        << QByteArray("Bad Request") << QByteArray("SyntaxError: ") << QByteArray();
    QTest::newRow("task body is a number")
        << QByteArray("POST") << QByteArray("/devices/202BC1-BM632w-000000/tasks")
        << QByteArray("5") << 400 << QByteArray("Bad Request")
        << QByteArray("TypeError: Cannot create property 'device' on number '5'") << QByteArray();
}

void TestNbiServer::clientErrors()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QByteArray, reason);
    QFETCH(QByteArray, bodyPrefix);
    QFETCH(QByteArray, allow);
    RawHttpClient c(m_nbi->port());
    const RawResponse r = c.request(method, target, body);
    QCOMPARE(r.status, status);
    QCOMPARE(r.reason, reason);
    QVERIFY2(r.body.startsWith(bodyPrefix), r.body.constData());
    if (bodyPrefix.isEmpty())
        QCOMPARE(r.body, QByteArray());
    QCOMPARE(r.header("Allow"), allow);
    QVERIFY(!r.hasHeader("Content-Type"));
    QCOMPARE(m_store->tasks().size(), 0);
    QCOMPARE(m_nbi->http().crashCount(), 0);
}

void TestNbiServer::crashesCloseWithoutResponse_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("T094 invalid task body")
        << QByteArray("POST") << QByteArray("/devices/202BC1-BM632w-000003/tasks")
        << QByteArray(R"({"name":"getParameterValues","parameterNames":[]})");
    QTest::newRow("T094 invalid task body with CR")
        << QByteArray("POST")
        << QByteArray("/devices/202BC1-BM632w-000003/tasks?connection_request")
        << QByteArray(R"({"name":"nosuchtask"})");
    QTest::newRow("download without fileName")
        << QByteArray("POST") << QByteArray("/devices/202BC1-BM632w-000003/tasks")
        << QByteArray(R"({"name":"download","fileType":"1 Firmware Upgrade Image"})");
    QTest::newRow("T095 task id not an ObjectId")
        << QByteArray("DELETE") << QByteArray("/tasks/not-an-objectid") << QByteArray();
    QTest::newRow("T096 retry of an unknown task")
        << QByteArray("POST") << QByteArray("/tasks/000000000000000000000000/retry")
        << QByteArray();
    QTest::newRow("T097 $ne mixed with another operator")
        << QByteArray("GET")
        << QByteArray("/devices/"
                      "?query=%7B%22_deviceId._SerialNumber%22%3A%7B%22%24ne%22%3A%22000001%22%2C%"
                      "22%24exists%22%3Atrue%7D%7D")
        << QByteArray();
    QTest::newRow("T098 fault of a non-hex task channel")
        << QByteArray("DELETE") << QByteArray("/faults/202BC1-BM632w-000003:task_nothex")
        << QByteArray();
    QTest::newRow("T099 delete a missing file")
        << QByteArray("DELETE") << QByteArray("/files/no-such-file.bin") << QByteArray();
    QTest::newRow("$regex on tasks _id")
        << QByteArray("GET")
        << QByteArray("/tasks/?query=%7B%22_id%22%3A%7B%22%24regex%22%3A%22%5E6b%22%7D%7D")
        << QByteArray();
    QTest::newRow("unknown query operator")
        << QByteArray("GET") << QByteArray("/presets/?query=%7B%22%24foo%22%3A1%7D")
        << QByteArray();
    QTest::newRow("malformed percent escape")
        << QByteArray("DELETE") << QByteArray("/devices/abc%ZZ") << QByteArray();
    QTest::newRow("preset that is not an object")
        << QByteArray("PUT") << QByteArray("/presets/p") << QByteArray("5");
}

void TestNbiServer::crashesCloseWithoutResponse()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, body);
    m_store->putFile(QStringLiteral("keep.bin"), "x", {});
    RawHttpClient other(m_nbi->port());
    QCOMPARE(other.request("GET", "/presets/").status, 200); // another open keep-alive connection
    RawHttpClient c(m_nbi->port());
    const RawResponse r = c.request(method, target, body);
    QVERIFY(!r.received);
    QVERIFY(r.closedWithoutResponse);
    QCOMPARE(m_nbi->http().crashCount(), 1);
    QTRY_VERIFY(!other.isOpen()); // the whole worker went away
    // Nothing was half-done, and the NBI answers again.
    QCOMPARE(m_store->tasks().size(), 0);
    QVERIFY(m_store->fileContent(QStringLiteral("keep.bin")));
    QTRY_VERIFY(!m_nbi->http().isCrashed());
    RawHttpClient again(m_nbi->port());
    QCOMPARE(again.request("GET", "/devices/?projection=_id").header("total"), QByteArray("7"));
}

void TestNbiServer::crashOutageRefusesConnectionsThenRecovers()
{
    m_nbi->http().setCrashEmulation(150, 600);
    QSignalSpy recovered(&m_nbi->http(), &HttpServer::recovered);
    RawHttpClient c(m_nbi->port());
    QElapsedTimer t;
    t.start();
    const RawResponse r = c.request("DELETE", "/tasks/not-an-objectid");
    QVERIFY(r.closedWithoutResponse);
    QVERIFY(t.elapsed() >= 140); // the connection is held open, then dropped
    RawHttpClient during(m_nbi->port());
    QVERIFY(during.request("GET", "/devices/", {}, {}, 2000).refused);
    QVERIFY(recovered.wait(3000));
    QVERIFY(t.elapsed() >= 590);
    RawHttpClient after(m_nbi->port());
    QCOMPARE(after.request("GET", "/devices/?projection=_id").status, 200);
}

void TestNbiServer::tags()
{
    RawHttpClient c(m_nbi->port());
    QCOMPARE(c.request("POST", "/devices/202BC1-BM632w-000001/tags/wave1").status, 200); // T008
    QCOMPARE(c.request("POST", "/devices/202BC1-BM632w-000001/tags/wave1").status,
             200); // no duplicate
    QCOMPARE(c.request("POST", "/devices/202BC1-BM632w-000002/tags/wave1").status, 200);
    QCOMPARE(c.request("POST", "/devices/202BC1-BM632w-000002/tags/done").status, 200);
    QCOMPARE(c.request("POST", "/devices/202BC1-BM632w-000003/tags/a%2Eb%21%20c").status, 200);
    QCOMPARE(m_store->device(QStringLiteral("202BC1-BM632w-000003"))->tags,
             QStringList{QStringLiteral("a.b! c")});
    RawResponse r = c.request(
        "GET", "/devices/?query=%7B%22_tags%22%3A%22wave1%22%7D&projection=_tags"); // T009
    QCOMPARE(r.header("total"), QByteArray("2"));
    QCOMPARE(r.body,
             QByteArray("[\n{\"_id\":\"202BC1-BM632w-000001\",\"_tags\":[\"wave1\"]},\n"
                        "{\"_id\":\"202BC1-BM632w-000002\",\"_tags\":[\"wave1\",\"done\"]}\n]"));
    QCOMPARE(c.request("DELETE", "/devices/202BC1-BM632w-000002/tags/done").status, 200); // T010
    QCOMPARE(c.request("DELETE", "/devices/202BC1-BM632w-000002/tags/never").status, 200);
    r = c.request(
        "GET", "/devices/?query=%7B%22_tags%22%3A%7B%22%24ne%22%3A%22done%22%7D%7D&projection=_id");
    QCOMPARE(r.header("total"), QByteArray("7"));
    QCOMPARE(c.request("DELETE", "/devices/NO-SUCH/tags/x").status, 404);
}

void TestNbiServer::deleteDeviceRemovesItsDocuments()
{
    const QString id = QStringLiteral("202BC1-BM632w-000001");
    m_store->tasks().upsert(
        {{QStringLiteral("_id"), m_store->newObjectId()}, {QStringLiteral("device"), id}});
    m_store->tasks().upsert({{QStringLiteral("_id"), m_store->newObjectId()},
                             {QStringLiteral("device"), QStringLiteral("202BC1-BM632w-000002")}});
    m_store->faults().upsert({{QStringLiteral("_id"), QString(id + QStringLiteral(":default"))}});
    m_store->operations().upsert(
        {{QStringLiteral("_id"), QString(id + QStringLiteral(":1a2305217c30000"))}});
    RawHttpClient c(m_nbi->port());
    const RawResponse r = c.request("DELETE", "/devices/202BC1-BM632w-000001"); // T012
    QCOMPARE(r.status, 200);
    QVERIFY(r.body.isEmpty());
    QVERIFY(!m_store->device(id));
    QCOMPARE(m_store->tasks().size(), 1);
    QCOMPARE(m_store->faults().size(), 0);
    QCOMPARE(m_store->operations().size(), 0);
    QCOMPARE(c.request("DELETE", "/devices/NO-SUCH-DEVICE").status, 200); // T013
    // Escaped ids are encoded again in the path (T012: %2D -> %252D).
    addDevice(QStringLiteral("LAB-001"), QStringLiteral("http://127.0.0.1:9/"));
    QVERIFY(m_store->device(QStringLiteral("202BC1-BM632w-LAB%2D001")));
    QCOMPARE(c.request("DELETE", "/devices/202BC1-BM632w-LAB%2D001").status, 200);
    QVERIFY(m_store->device(
        QStringLiteral("202BC1-BM632w-LAB%2D001"))); // decoded to LAB-001: not this id
    QCOMPARE(c.request("DELETE", "/devices/202BC1-BM632w-LAB%252D001").status, 200);
    QVERIFY(!m_store->device(QStringLiteral("202BC1-BM632w-LAB%2D001")));
}

void TestNbiServer::deviceInSessionGets503_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");
    QTest::newRow("T014 delete device")
        << QByteArray("DELETE") << QByteArray("/devices/202BC1-BM632w-000001");
    QTest::newRow("T040 delete task") << QByteArray("DELETE") << QByteArray("/tasks/%1");
    QTest::newRow("T041 retry task") << QByteArray("POST") << QByteArray("/tasks/%1/retry");
    QTest::newRow("T058 delete fault")
        << QByteArray("DELETE") << QByteArray("/faults/202BC1-BM632w-000001:default");
}

void TestNbiServer::deviceInSessionGets503()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);
    const QString taskId = m_store->newObjectId();
    m_store->tasks().upsert({{QStringLiteral("_id"), taskId},
                             {QStringLiteral("device"), QStringLiteral("202BC1-BM632w-000001")},
                             {QStringLiteral("name"), QStringLiteral("reboot")}});
    m_store->setInSession(QStringLiteral("202BC1-BM632w-000001"), true);
    RawHttpClient c(m_nbi->port());
    QElapsedTimer t;
    t.start();
    const RawResponse r = c.request(method, QString::fromLatin1(target).arg(taskId).toLatin1());
    QCOMPARE(r.status, 503);
    QCOMPARE(r.reason, QByteArray("Service Unavailable"));
    QCOMPARE(r.body, QByteArray("Device is in session"));
    QVERIFY(t.elapsed() < 1000); // W1: immediately, no lock wait
    QVERIFY(m_store->device(QStringLiteral("202BC1-BM632w-000001")));
    QCOMPARE(m_store->tasks().size(), 1);
}

void TestNbiServer::queuedTasks()
{
    RawHttpClient c(m_nbi->port());
    // T026
    RawResponse r = c.request(
        "POST", "/devices/202BC1-BM632w-000003/tasks",
        R"({"name":"getParameterValues","parameterNames":["InternetGatewayDevice.DeviceInfo.UpTime"]})");
    QCOMPARE(r.status, 202);
    QCOMPARE(r.reason, QByteArray("Accepted"));
    QCOMPARE(r.header("Content-Type"), QByteArray("application/json"));
    QString e;
    QVariantMap task = docvalue::parseJson(r.body, &e).toMap();
    QCOMPARE(task.value(QStringLiteral("device")).toString(),
             QStringLiteral("202BC1-BM632w-000003"));
    QCOMPARE(task.value(QStringLiteral("timestamp")).toString(),
             QStringLiteral("2026-12-01T06:30:00.000Z"));
    QVERIFY(QRegularExpression(QStringLiteral("^[0-9a-f]{24}$"))
                .match(task.value(QStringLiteral("_id")).toString())
                .hasMatch());
    QCOMPARE(m_store->tasks().size(), 1);
    // T030 uniqueKey replaces
    const QByteArray keyed =
        R"({"name":"getParameterValues","parameterNames":["A.B"],"uniqueKey":"uptime-poll"})";
    QCOMPARE(c.request("POST", "/devices/202BC1-BM632w-000002/tasks", keyed).status, 202);
    r = c.request("POST", "/devices/202BC1-BM632w-000002/tasks", keyed);
    QCOMPARE(m_store->tasks().size(), 2);
    // T031 relative expiry
    r = c.request(
        "POST", "/devices/202BC1-BM632w-000002/tasks",
        R"({"name":"setParameterValues","parameterValues":[["A.B","expired"]],"expiry":2})");
    task = docvalue::parseJson(r.body, &e).toMap();
    QCOMPARE(task.value(QStringLiteral("expiry")).toString(),
             QStringLiteral("2026-12-01T06:30:02.000Z"));
    // T032 array body: stored without device
    r = c.request(
        "POST", "/devices/202BC1-BM632w-000003/tasks",
        R"([{"name":"reboot"},{"name":"setParameterValues","parameterValues":[["A.B","x"]]}])");
    QCOMPARE(r.status, 202);
    const QVariantList arr = docvalue::parseJson(r.body, &e).toList();
    QCOMPARE(arr.size(), 2);
    QVERIFY(!arr.first().toMap().contains(QStringLiteral("device")));
    r = c.request("GET", "/tasks/?query=%7B%22device%22%3A%7B%22%24exists%22%3Afalse%7D%7D");
    QCOMPARE(r.header("total"), QByteArray("2"));
    // Download with fileType/fileName/targetFileName, legacy file id, provisions
    QCOMPARE(
        c.request(
             "POST", "/devices/202BC1-BM632w-000000/tasks",
             R"({"name":"download","fileType":"1 Firmware Upgrade Image","fileName":"fw.bin","targetFileName":"t.img"})")
            .status,
        202);
    QCOMPARE(c.request("POST", "/devices/202BC1-BM632w-000000/tasks",
                       R"({"name":"download","file":"fw.bin"})")
                 .status,
             202);
    QCOMPARE(c.request("POST", "/devices/202BC1-BM632w-000000/tasks",
                       R"({"name":"provisions","provisions":[["p",1,"a",true,null]]})")
                 .status,
             202);
    QCOMPARE(c.request("POST", "/devices/202BC1-BM632w-000000/tasks", R"({"name":"factoryReset"})")
                 .status,
             202);
    QCOMPARE(c.request("POST", "/devices/202BC1-BM632w-000000/tasks",
                       R"({"name":"refreshObject","objectName":""})")
                 .status,
             202);
    QCOMPARE(c.request("POST", "/devices/202BC1-BM632w-000000/tasks",
                       R"({"name":"addObject","objectName":"A.B"})")
                 .status,
             202);
    QCOMPARE(c.request("POST", "/devices/202BC1-BM632w-000000/tasks",
                       R"({"name":"deleteObject","objectName":"A.B.1"})")
                 .status,
             202);
    QCOMPARE(m_store->tasks().size(), 12);
}

void TestNbiServer::taskListDeleteRetry()
{
    RawHttpClient c(m_nbi->port());
    RawResponse r =
        c.request("POST", "/devices/202BC1-BM632w-000004/tasks", R"({"name":"reboot"})");
    QString e;
    const QString id =
        docvalue::parseJson(r.body, &e).toMap().value(QStringLiteral("_id")).toString();
    const QString faultId = QStringLiteral("202BC1-BM632w-000004:task_") + id;
    m_store->faults().upsert(
        {{QStringLiteral("_id"), faultId}, {QStringLiteral("code"), QStringLiteral("cwmp.9000")}});
    // T035, T036
    r = c.request("GET", "/tasks/?query=%7B%22device%22%3A%22202BC1-BM632w-000004%22%7D");
    QCOMPARE(r.header("total"), QByteArray("1"));
    r = c.request(
        "GET", QByteArray("/tasks/?query=%7B%22_id%22%3A%22" + id.toUpper().toLatin1() + "%22%7D"));
    QCOMPARE(r.header("total"), QByteArray("1"));
    // T039 retry deletes the fault, keeps the task
    r = c.request("POST", QByteArray("/tasks/" + id.toLatin1() + "/retry"));
    QCOMPARE(r.status, 200);
    QVERIFY(!m_store->faults().find(faultId));
    QVERIFY(m_store->tasks().find(id));
    // T037 delete, T038 unknown
    m_store->faults().upsert({{QStringLiteral("_id"), faultId}});
    QCOMPARE(c.request("DELETE", QByteArray("/tasks/" + id.toLatin1())).status, 200);
    QVERIFY(!m_store->tasks().find(id));
    QVERIFY(!m_store->faults().find(faultId));
    r = c.request("DELETE", QByteArray("/tasks/" + id.toLatin1()));
    QCOMPARE(r.status, 404);
    QCOMPARE(r.body, QByteArray("Task not found"));
}

void TestNbiServer::deleteFaultOnTaskChannelDeletesTask()
{
    const QString id = m_store->newObjectId();
    const QString dev = QStringLiteral("202BC1-BM632w-000004");
    m_store->tasks().upsert({{QStringLiteral("_id"), id}, {QStringLiteral("device"), dev}});
    m_store->faults().upsert(
        {{QStringLiteral("_id"), QString(dev + QStringLiteral(":task_") + id)}});
    RawHttpClient c(m_nbi->port());
    QCOMPARE(c.request("DELETE", QByteArray("/faults/" + dev.toLatin1() + ":task_" + id.toLatin1()))
                 .status,
             200); // T057
    QCOMPARE(m_store->tasks().size(), 0);
    QCOMPARE(m_store->faults().size(), 0);
    QCOMPARE(c.request("DELETE", "/faults/202BC1-BM632w-000004:default").status,
             200); // absent: 200
}

void TestNbiServer::connectionRequestOnly_data()
{
    QTest::addColumn<QByteArray>("device");
    QTest::addColumn<bool>("scripted");
    QTest::addColumn<QString>("crStatus");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("reason");
    QTest::newRow("T027 accepted")
        << QByteArray("202BC1-BM632w-000004") << true << QString() << 200 << QByteArray("OK");
    QTest::newRow("T048 offline") << QByteArray("202BC1-BM632w-000001") << false << QString() << 504
                                  << QByteArray("Device is offline");
    QTest::newRow("T054 https URL")
        << QByteArray("202BC1-BM632w-HTTPS") << false << QString() << 504
        << QByteArray("Invalid connection request URL or protocol");
    QTest::newRow("T055 unparsable URL") << QByteArray("202BC1-BM632w-BADURL") << false << QString()
                                         << 504 << QByteArray("Invalid connection request URL");
    QTest::newRow("T050 unexpected status")
        << QByteArray("202BC1-BM632w-000001") << true
        << QStringLiteral("Connection request error: Unexpected status code 404") << 504
        << QByteArray("Connection request error: Unexpected status code 404");
}

void TestNbiServer::connectionRequestOnly()
{
    QFETCH(QByteArray, device);
    QFETCH(bool, scripted);
    QFETCH(QString, crStatus);
    QFETCH(int, status);
    QFETCH(QByteArray, reason);
    if (scripted) {
        m_requester->status = crStatus;
        m_nbi->setConnectionRequester(m_requester.get());
    }
    RawHttpClient c(m_nbi->port());
    const RawResponse r = c.request("POST", "/devices/" + device + "/tasks?connection_request");
    QCOMPARE(r.status, status);
    QCOMPARE(r.reason, reason);
    QCOMPARE(r.body, status == 200 ? QByteArray() : reason);
    QCOMPARE(m_store->tasks().size(), 0);
}

void TestNbiServer::taskWithConnectionRequest_data()
{
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<QString>("crStatus");
    QTest::addColumn<bool>("startSession");
    QTest::addColumn<bool>("runTask");   // the session deletes the task (it ran)
    QTest::addColumn<bool>("faultTask"); // the session records a fault on task_<id>
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("reason");
    QTest::addColumn<int>("tasksLeft");
    QTest::newRow("T016 ran") << QByteArray("connection_request") << QString() << true << true
                              << false << 200 << QByteArray("OK") << 0;
    QTest::newRow("T021 faulted") << QByteArray("connection_request") << QString() << true << false
                                  << true << 202 << QByteArray("Task faulted") << 1;
    QTest::newRow("T029 not run, no fault: still 200 (W4)")
        << QByteArray("connection_request") << QString() << true << false << false << 200
        << QByteArray("OK") << 1;
    QTest::newRow("T028 timeout=0")
        << QByteArray("connection_request&timeout=0") << QString() << true << true << false << 202
        << QByteArray("Task queued but not processed") << 0;
    QTest::newRow("T046 accepted, no session")
        << QByteArray("connection_request") << QString() << false << false << false << 202
        << QByteArray("Task queued but not processed") << 1;
    QTest::newRow("T042 offline") << QByteArray("connection_request")
                                  << QStringLiteral("Device is offline") << true << false << false
                                  << 202 << QByteArray("Device is offline") << 1;
    QTest::newRow("T044 CR error")
        << QByteArray("connection_request")
        << QStringLiteral("Connection request error: Unexpected status code 404") << true << false
        << false << 202 << QByteArray("Connection request error: Unexpected status code 404") << 1;
}

void TestNbiServer::taskWithConnectionRequest()
{
    QFETCH(QByteArray, query);
    QFETCH(QString, crStatus);
    QFETCH(bool, startSession);
    QFETCH(bool, runTask);
    QFETCH(bool, faultTask);
    QFETCH(int, status);
    QFETCH(QByteArray, reason);
    QFETCH(int, tasksLeft);
    m_requester->status = crStatus;
    m_requester->startSession = startSession;
    m_requester->sessionMs = 60;
    m_requester->session = [&](const QString &deviceId) {
        QList<QString> ids;
        m_store->tasks().forEach([&](const QVariantMap &t) {
            if (t.value(QStringLiteral("device")).toString() == deviceId)
                ids << t.value(QStringLiteral("_id")).toString();
        });
        for (const QString &id : ids) {
            if (runTask)
                m_store->tasks().remove(id);
            if (faultTask)
                m_store->faults().upsert(
                    {{QStringLiteral("_id"), QString(deviceId + QStringLiteral(":task_") + id)}});
        }
    };
    m_nbi->setConnectionRequester(m_requester.get());
    RawHttpClient c(m_nbi->port());
    const RawResponse r = c.request("POST", "/devices/202BC1-BM632w-000001/tasks?" + query,
                                    R"({"name":"getParameterValues","parameterNames":["A.B"]})");
    QCOMPARE(r.status, status);
    QCOMPARE(r.reason, reason);
    QCOMPARE(r.header("Content-Type"), QByteArray("application/json"));
    QString e;
    QCOMPARE(docvalue::parseJson(r.body, &e).toMap().value(QStringLiteral("device")).toString(),
             QStringLiteral("202BC1-BM632w-000001"));
    QTRY_COMPARE(m_store->tasks().size(), tasksLeft); // T028: the task still runs afterwards
    QCOMPARE(m_requester->requests, 1);
}

void TestNbiServer::taskWaitsForSessionLock()
{
    // T045: another session holds the lock longer than the NBI waits: queued, no CR sent.
    m_nbi->setConnectionRequester(m_requester.get());
    m_store->setInSession(QStringLiteral("202BC1-BM632w-000001"), true);
    RawHttpClient c(m_nbi->port());
    QElapsedTimer t;
    t.start();
    const RawResponse r = c.request(
        "POST", "/devices/202BC1-BM632w-000001/tasks?connection_request", R"({"name":"reboot"})");
    QCOMPARE(r.status, 202);
    QCOMPARE(r.reason, QByteArray("Task queued but not processed"));
    QVERIFY(t.elapsed() >= 290);
    QCOMPARE(m_requester->requests, 0);
    QCOMPARE(m_store->tasks().size(), 1);
}

void TestNbiServer::files()
{
    RawHttpClient c(m_nbi->port());
    const QByteArray content(65536, 'x');
    RawResponse r = c.request("PUT", "/files/fw-lab-1.bin", content,
                              {{"fileType", "1 Firmware Upgrade Image"},
                               {"oui", "202BC1"},
                               {"productClass", "BM632w"},
                               {"version", "V100R001IRQC56B018"},
                               {"Content-Type", "application/octet-stream"}});
    QCOMPARE(r.status, 201); // T069
    QCOMPARE(r.reason, QByteArray("Created"));
    QVERIFY(r.body.isEmpty());
    r = c.request("GET", "/files/?query=%7B%22filename%22%3A%22fw-lab-1.bin%22%7D"); // T070
    QCOMPARE(r.header("total"), QByteArray("1"));
    QString e;
    const QVariantMap f = docvalue::parseJson(r.body, &e).toList().value(0).toMap();
    QCOMPARE(f.value(QStringLiteral("_id")).toString(), QStringLiteral("fw-lab-1.bin"));
    QCOMPARE(f.value(QStringLiteral("filename")).toString(), QStringLiteral("fw-lab-1.bin"));
    QCOMPARE(f.value(QStringLiteral("length")).toInt(), 65536);
    QCOMPARE(f.value(QStringLiteral("chunkSize")).toInt(), 261120);
    QCOMPARE(f.value(QStringLiteral("uploadDate")).toString(),
             QStringLiteral("2026-12-01T06:30:00.000Z"));
    QCOMPARE(
        f.value(QStringLiteral("metadata")).toMap().value(QStringLiteral("version")).toString(),
        QStringLiteral("V100R001IRQC56B018"));
    QVERIFY(!f.contains(QStringLiteral("md5")));
    // N13 missing headers stored as null; W3 %2F gives a name with '/'
    QCOMPARE(
        c.request("PUT", "/files/dir%2Fname.bin", "abc", {{"fileType", "2 Web Content"}}).status,
        201);
    r = c.request("GET", "/files/?query=%7B%22_id%22%3A%22dir%2Fname.bin%22%7D");
    const QVariantMap g = docvalue::parseJson(r.body, &e).toList().value(0).toMap();
    QVERIFY(g.value(QStringLiteral("metadata")).toMap().contains(QStringLiteral("oui")));
    QCOMPARE(
        docvalue::kind(g.value(QStringLiteral("metadata")).toMap().value(QStringLiteral("oui"))),
        docvalue::Kind::Null);
    // Re-PUT replaces
    QCOMPARE(c.request("PUT", "/files/fw-lab-1.bin", "v2-content").status, 201);
    QCOMPARE(*m_store->fileContent(QStringLiteral("fw-lab-1.bin")), QByteArray("v2-content"));
    QCOMPARE(m_store->files().size(), 2);
    QCOMPARE(c.request("DELETE", "/files/fw-lab-1.bin").status, 200); // T071
    QVERIFY(!m_store->fileContent(QStringLiteral("fw-lab-1.bin")));
}

void TestNbiServer::presetsAndProvisions()
{
    RawHttpClient c(m_nbi->port());
    const QByteArray preset =
        R"({"weight":0,"channel":"lab","events":{"6 CONNECTION REQUEST":true,"2 PERIODIC":false},)"
        R"("precondition":"Tags.wave1 IS NOT NULL","configurations":[{"type":"provision","name":"lab-tagcheck","args":["preset"]}]})";
    QSignalSpy changed(m_store.get(), &LabStore::configChanged);
    QCOMPARE(c.request("PUT", "/presets/lab-tags", preset).status, 200); // T077
    QCOMPARE(c.request("PUT", "/presets/lab%2Eb", "{}").status, 200);
    RawResponse r = c.request("GET", "/presets/"); // T080
    QCOMPARE(r.header("total"), QByteArray("2"));
    QString e;
    const QVariantMap stored = docvalue::parseJson(r.body, &e).toList().value(0).toMap();
    QCOMPARE(stored.value(QStringLiteral("_id")).toString(), QStringLiteral("lab-tags"));
    QCOMPARE(stored.value(QStringLiteral("precondition")).toString(),
             QStringLiteral("Tags.wave1 IS NOT NULL"));
    // T081 stored without validation
    QCOMPARE(c.request("PUT", "/presets/lab-uiformat",
                       R"({"weight":0,"events":"6 CONNECTION REQUEST","provision":"x"})")
                 .status,
             200);
    QCOMPARE(c.request("DELETE", "/presets/lab-uiformat").status, 200); // T082
    QCOMPARE(c.request("DELETE", "/presets/never-existed").status, 200);
    // T074, T076
    const QByteArray script =
        "const t = declare(\"Tags.wave1\", {value: 1});\nlog(\"x\");\nreturn;";
    QCOMPARE(c.request("PUT", "/provisions/lab-tagcheck", script).status, 200);
    r = c.request("GET", "/provisions/");
    QCOMPARE(docvalue::parseJson(r.body, &e)
                 .toList()
                 .value(0)
                 .toMap()
                 .value(QStringLiteral("script"))
                 .toString(),
             QString::fromUtf8(script));
    QCOMPARE(c.request("PUT", "/virtual_parameters/labvp",
                       "return {writable: false, value: [\"x\", \"xsd:string\"]};")
                 .status,
             200); // T083
    QCOMPARE(c.request("GET", "/virtual_parameters/").header("total"), QByteArray("1"));
    QCOMPARE(c.request("GET", "/virtualParameters/").header("total"), QByteArray("1"));
    QCOMPARE(c.request("DELETE", "/provisions/lab-tagcheck").status, 200);
    QCOMPARE(m_store->provisions().size(), 0);
    QVERIFY(changed.size() >= 7);
}

void TestNbiServer::keepAliveAndConnectionClose()
{
    RawHttpClient c(m_nbi->port());
    QCOMPARE(c.request("GET", "/devices/?projection=_id").status, 200);
    QVERIFY(c.isOpen());
    QCOMPARE(c.request("GET", "/tasks/").status, 200);
    QVERIFY(c.isOpen());
    const RawResponse r = c.request("GET", "/faults/", {}, {{"Connection", "close"}});
    QCOMPARE(r.status, 200);
    QCOMPARE(r.header("Connection"), QByteArray("close"));
    QTRY_VERIFY(!c.isOpen());
}

void TestNbiServer::oversizedRequests()
{
    RawHttpClient c(m_nbi->port());
    const RawResponse big =
        c.request("GET", "/devices/", {}, {{"X-Padding", QByteArray(20000, 'a')}});
    QCOMPARE(big.status, 431);
    NbiServer::Options o;
    o.http.maxBodyBytes = 1024;
    NbiServer small(*m_store, o);
    QVERIFY(small.listen());
    RawHttpClient d(small.port());
    const RawResponse r = d.request("PUT", "/files/big.bin", QByteArray(4096, 'z'));
    QCOMPARE(r.status, 413);
    QVERIFY(!m_store->fileContent(QStringLiteral("big.bin")));
}

void TestNbiServer::garbageNeverBreaksTheServer()
{
    // A malformed request line gets Node's bare 400 and the connection closes.
    {
        QTcpSocket s;
        s.connectToHost(QStringLiteral("127.0.0.1"), m_nbi->port());
        QVERIFY(s.waitForConnected(5000));
        QSignalSpy gone(&s, &QTcpSocket::disconnected);
        s.write("THIS IS NOT HTTP\r\n\r\n");
        QVERIFY(gone.wait(5000));
        QVERIFY(s.readAll().startsWith("HTTP/1.1 400 Bad Request\r\nConnection: close"));
    }
    // Random bytes, random lengths: the lab answers or closes, and keeps serving.
    quint32 seed = 12345;
    auto next = [&seed] {
        seed = seed * 1664525u + 1013904223u;
        return seed >> 8;
    };
    for (int i = 0; i < 100; ++i) {
        QTcpSocket s;
        s.connectToHost(QStringLiteral("127.0.0.1"), m_nbi->port());
        QTRY_COMPARE(s.state(), QAbstractSocket::ConnectedState);
        QByteArray junk(int(next() % 300), '\0');
        for (char &c : junk)
            c = char(next() & 0xff);
        if (i % 3 == 0)
            junk.prepend("GET /devices/?query=");
        if (i % 5 == 0)
            junk.append("\r\n\r\n");
        s.write(junk);
        QTRY_COMPARE(s.bytesToWrite(), qint64(0));
    }
    RawHttpClient c(m_nbi->port());
    QCOMPARE(c.request("GET", "/devices/?projection=_id").header("total"), QByteArray("7"));
    QCOMPARE(m_store->tasks().size(), 0);
}

QTEST_GUILESS_MAIN(TestNbiServer)
#include "tst_nbiserver.moc"
