// Bad input never crashes the client: real sockets on 127.0.0.1 serving HTML, endless bodies,
// endless or absurd headers and dribbling answers.
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

QTEST_GUILESS_MAIN(TestHostileServer)
#include "tst_hostileserver.moc"
