// Bad input never crashes the client: real sockets on 127.0.0.1 serving HTML, endless bodies,
// endless or absurd headers and dribbling answers.
#include "acs/nbijob.h"
#include "acs/queryjob.h"

#include "cannedhttpserver.h"

#include <QSignalSpy>
#include <QTest>
#include <QTimer>

using namespace fwd::acs;

namespace {

// Keeps writing to the socket until it closes (or the budget is spent).
void pump(QTcpSocket *socket, QByteArray head, QByteArray chunk, qint64 budget)
{
    socket->write(head);
    auto *timer = new QTimer(socket);
    auto sent = std::make_shared<qint64>(0);
    QObject::connect(timer, &QTimer::timeout, socket, [socket, chunk, sent, budget, timer] {
        if (socket->state() != QAbstractSocket::ConnectedState || *sent > budget) {
            timer->stop();
            return;
        }
        if (socket->bytesToWrite() < 4 * chunk.size()) {
            socket->write(chunk);
            *sent += chunk.size();
        }
    });
    timer->start(0);
}

} // namespace

class TestHostileServer final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void answers_data();
    void answers();
    void droppedRequestIsSentOnce_data();
    void droppedRequestIsSentOnce();
    void smallAnswerReservesNoBodyLimit();
};

void TestHostileServer::answers_data()
{
    QTest::addColumn<CannedHttpServer::Handler>("handler");
    QTest::addColumn<int>("timeoutMs");
    QTest::addColumn<int>("error");
    QTest::addColumn<qint64>("total");

    const QByteArray genie = "GenieACS-Version: 1.2.16+26120138e9\r\n";
    QTest::newRow("HTML page with 200")
        << CannedHttpServer::answer(200, "OK", {{"Content-Type", "text/html"}},
                                    "<!DOCTYPE html><html><body>It works!</body></html>")
        << 5000 << int(NbiError::BadResponse) << qint64(-1);
    QTest::newRow("endless chunked body")
        << CannedHttpServer::Handler([genie](QTcpSocket *s, const CannedHttpServer::Request &) {
               pump(s,
                    "HTTP/1.1 200 OK\r\n" + genie +
                        "Content-Type: application/json\r\ntotal: 5\r\nTransfer-Encoding: "
                        "chunked\r\n\r\n",
                    "10000\r\n" + QByteArray(0x10000, '[') + "\r\n", qint64(64) << 20);
           })
        << 5000 << int(NbiError::TooLarge) << qint64(-1);
    QTest::newRow("endless header line")
        << CannedHttpServer::Handler([genie](QTcpSocket *s, const CannedHttpServer::Request &) {
               pump(s, "HTTP/1.1 200 OK\r\n" + genie + "total: ", QByteArray(0x10000, '9'),
                    qint64(64) << 20);
           })
        << 3000 << int(NbiError::Timeout) << qint64(-1);
    QTest::newRow("total of 2 GB devices")
        << CannedHttpServer::answer(200, "OK",
                                    {{"GenieACS-Version", "1.2.16"}, {"total", "2147483648"}}, "[]")
        << 5000 << int(NbiError::None) << qint64(2147483648LL);
    QTest::newRow("total of 40 digits")
        << CannedHttpServer::answer(
               200, "OK", {{"GenieACS-Version", "1.2.16"}, {"total", QByteArray(40, '9')}}, "[]")
        << 5000 << int(NbiError::None) << qint64(-1);
    QTest::newRow("negative total")
        << CannedHttpServer::answer(200, "OK", {{"GenieACS-Version", "1.2.16"}, {"total", "-5"}},
                                    "[]")
        << 5000 << int(NbiError::None) << qint64(-1);
    QTest::newRow("dribbling answer stalls")
        << CannedHttpServer::Handler([](QTcpSocket *s, const CannedHttpServer::Request &) {
               s->write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n[");
           })
        << 300 << int(NbiError::Timeout) << qint64(-1);
    QTest::newRow("garbage instead of HTTP")
        << CannedHttpServer::Handler([](QTcpSocket *s, const CannedHttpServer::Request &) {
               s->write(QByteArray(4096, '\x07'));
               s->disconnectFromHost();
           })
        << 3000 << int(NbiError::NoResponse) << qint64(-1);
    QTest::newRow("body shorter than Content-Length")
        << CannedHttpServer::Handler([](QTcpSocket *s, const CannedHttpServer::Request &) {
               s->write("HTTP/1.1 200 OK\r\nGenieACS-Version: 1.2.16\r\nContent-Length: "
                        "1000\r\n\r\n[{\"_id\":\"a\"}");
               s->disconnectFromHost();
           })
        << 3000 << int(NbiError::BadResponse) << qint64(-1);
}

void TestHostileServer::answers()
{
    QFETCH(CannedHttpServer::Handler, handler);
    QFETCH(int, timeoutMs);
    QFETCH(int, error);
    QFETCH(qint64, total);
    CannedHttpServer server(handler);
    fwd::AcsProfile p;
    p.nbiUrl = QUrl(server.baseUrl());
    p.timeoutMs = timeoutMs;
    NbiClient::Options o;
    o.maxAttempts = 1;
    o.maxBodyBytes = 8 * 1024 * 1024;
    NbiClient client(p, {}, nullptr, o);
    auto *job = client.query(Collection::Devices, QueryOptions());
    QSignalSpy spy(job, &QueryJob::finished);
    job->start();
    QVERIFY(spy.wait(20000));
    const auto r = spy.at(0).at(0).value<QueryResult>();
    QCOMPARE(int(r.error), error);
    QVERIFY2(r.ok() || !r.errorString.isEmpty(), "a failure always says why");
    QCOMPARE(r.payload.total, total);
}

void TestHostileServer::droppedRequestIsSentOnce_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<int>("sent");
    QTest::newRow("GET") << QByteArray("GET") << 1;
    QTest::newRow("DELETE") << QByteArray("DELETE") << 1;
    QTest::newRow("POST") << QByteArray("POST") << 1;
    QTest::newRow("PUT") << QByteArray("PUT") << 1;
    // HEAD must stay Qt's own HEAD (GenieACS sends neither Content-Length nor a body), which
    // Qt 6.4 re-sends once by itself; counts only carry queries the client has checked.
    QTest::newRow("HEAD: Qt's own re-send, once") << QByteArray("HEAD") << 2;
}

void TestHostileServer::droppedRequestIsSentOnce()
{
    // GenieACS >= 1.2.10 drops the connection of a request that crashed its NBI worker (N2).
    // Sending it again would crash the worker again: neither the client nor Qt's HTTP layer
    // (which silently re-sends idempotent requests on a dropped connection) may repeat it.
    QFETCH(QByteArray, method);
    QFETCH(int, sent);
    CannedHttpServer server(
        [](QTcpSocket *s, const CannedHttpServer::Request &) { s->disconnectFromHost(); });
    fwd::AcsProfile p;
    p.nbiUrl = QUrl(server.baseUrl());
    p.timeoutMs = 3000;
    NbiClient client(p, {}, nullptr, NbiClient::Options());
    NbiRequest r;
    r.method = method;
    r.path = "/files/no-such-file.bin";
    if (method == "POST" || method == "PUT")
        r.body = "{}";
    auto *job = new NbiRawJob(client, r);
    QSignalSpy spy(job, &NbiRawJob::finished);
    job->start();
    QVERIFY(spy.wait(10000));
    const auto status = spy.at(0).at(1).value<NbiStatus>();
    QCOMPARE(status.error, NbiError::NoResponse);
    QCOMPARE(status.attempts, 1);
    QCOMPARE(server.requests().size(), sent);
    QCOMPARE(server.requests().at(0).method, method);
}

void TestHostileServer::smallAnswerReservesNoBodyLimit()
{
    // The body cap (maxBodyBytes, 256 MiB by default) is a limit, not a buffer size: a reply of
    // a few bytes, read in several chunks, must not keep (or allocate) the limit's capacity.
    CannedHttpServer server([](QTcpSocket *s, const CannedHttpServer::Request &) {
        s->write("HTTP/1.1 200 OK\r\nGenieACS-Version: 1.2.16\r\nContent-Length: 25\r\n\r\n"
                 "[{\"_id\":\"a\"},");
        s->flush();
        QTimer::singleShot(50, s, [s] { s->write("{\"_id\":\"b\"}]"); });
    });
    fwd::AcsProfile p;
    p.nbiUrl = QUrl(server.baseUrl());
    NbiClient client(p, {}, nullptr, NbiClient::Options());
    QCOMPARE(client.options().maxBodyBytes, qint64(256) * 1024 * 1024);
    NbiRequest r;
    r.path = "/devices/";
    auto *job = new NbiRawJob(client, r);
    QSignalSpy spy(job, &NbiRawJob::finished);
    job->start();
    QVERIFY(spy.wait(10000));
    const auto reply = spy.at(0).at(0).value<NbiReply>();
    QVERIFY2(spy.at(0).at(1).value<NbiStatus>().ok(),
             qPrintable(spy.at(0).at(1).value<NbiStatus>().errorString));
    QCOMPARE(reply.body, QByteArray(R"([{"_id":"a"},{"_id":"b"}])"));
    QVERIFY2(reply.body.capacity() < 1024 * 1024,
             qPrintable(QStringLiteral("body capacity %1 bytes").arg(reply.body.capacity())));
}

QTEST_GUILESS_MAIN(TestHostileServer)
#include "tst_hostileserver.moc"
