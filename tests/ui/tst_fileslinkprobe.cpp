#include "cannedhttpserver.h"
#include "httplinkprobe.h"

#include <QCryptographicHash>
#include <QFile>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QTest>

using namespace fwd;
using firmware::LinkProbeReply;
using firmware::LinkProbeResult;

// HttpLinkProbe (the descriptor builder's HEAD check) against small servers on 127.0.0.1.
class TestFilesLinkProbe final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void answers_data();
    void answers();
    void refusedConnection();
    void notAnHttpAddress();
    void cancelAbortsTheRequest();

private:
    static QString testCertificateFingerprint();
    static LinkProbeResult run(HttpLinkProbe &probe, const QUrl &url);
};

QString TestFilesLinkProbe::testCertificateFingerprint()
{
    QFile f(QStringLiteral(FWD_TEST_DATA_DIR "/test-proxy.crt"));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const QSslCertificate cert(f.readAll(), QSsl::Pem);
    return QString::fromLatin1(
        QCryptographicHash::hash(cert.toDer(), QCryptographicHash::Sha256).toHex());
}

LinkProbeResult TestFilesLinkProbe::run(HttpLinkProbe &probe, const QUrl &url)
{
    std::unique_ptr<LinkProbeReply> reply(probe.head(url));
    QSignalSpy finished(reply.get(), &LinkProbeReply::finished);
    // Never finished inside head(): the caller connects afterwards.
    if (reply->isFinished())
        return {};
    if (!finished.wait(20000))
        return {};
    return reply->result();
}

void TestFilesLinkProbe::answers_data()
{
    QTest::addColumn<QByteArray>("response");
    QTest::addColumn<bool>("tls");
    QTest::addColumn<int>("trust"); // 0 none, 1 approved list, 2 fingerprint source
    QTest::addColumn<int>("timeoutMs");
    QTest::addColumn<bool>("reachable");
    QTest::addColumn<int>("status");
    QTest::addColumn<qint64>("length");
    QTest::addColumn<QString>("error");

    const QByteArray ok = "HTTP/1.1 200 OK\r\nContent-Length: 8337\r\nConnection: close\r\n\r\n";
    QTest::newRow("200 with the size")
        << ok << false << 0 << 5000 << true << 200 << qint64(8337) << QString();
    QTest::newRow("404 is an answer")
        << QByteArray("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        << false << 0 << 5000 << true << 404 << qint64(0) << QString();
    QTest::newRow("no Content-Length")
        << QByteArray("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n") << false << 0 << 5000 << true
        << 200 << qint64(-1) << QString();
    QTest::newRow("silent server: timeout") << QByteArray() << false << 0 << 300 << false << 0
                                            << qint64(-1) << QStringLiteral("did not answer");
    QTest::newRow("self-signed, not approved")
        << ok << true << 0 << 5000 << false << 0 << qint64(-1) << QStringLiteral("not trusted");
    QTest::newRow("self-signed, approved fingerprint")
        << ok << true << 1 << 5000 << true << 200 << qint64(8337) << QString();
    QTest::newRow("self-signed, the file server's own")
        << ok << true << 2 << 5000 << true << 200 << qint64(8337) << QString();
    QTest::newRow("redirect from https to http is not followed")
        << QByteArray("HTTP/1.1 301 Moved Permanently\r\nLocation: http://127.0.0.1:1/x.npk\r\n"
                      "Content-Length: 0\r\nConnection: close\r\n\r\n")
        << true << 1 << 5000 << true << 301 << qint64(0) << QString();
}

void TestFilesLinkProbe::answers()
{
    QFETCH(QByteArray, response);
    QFETCH(bool, tls);
    QFETCH(int, trust);
    QFETCH(int, timeoutMs);
    QFETCH(bool, reachable);
    QFETCH(int, status);
    QFETCH(qint64, length);
    QFETCH(QString, error);

    const QSslConfiguration tlsConfiguration =
        CannedHttpServer::tlsFromPem(QStringLiteral(FWD_TEST_DATA_DIR "/test-proxy.crt"),
                                     QStringLiteral(FWD_TEST_DATA_DIR "/test-proxy.key"));
    QVERIFY(!tlsConfiguration.localCertificate().isNull());
    CannedHttpServer server(response.isEmpty() ? CannedHttpServer::silent()
                                               : CannedHttpServer::raw(response),
                            tls ? &tlsConfiguration : nullptr);

    HttpLinkProbe probe(HttpLinkProbe::Options{timeoutMs, 3});
    const QString fingerprint = testCertificateFingerprint();
    QVERIFY(!fingerprint.isEmpty());
    if (trust == 1)
        probe.setTrustedFingerprints({QStringLiteral("00ff"), fingerprint.toUpper()});
    if (trust == 2)
        probe.setFingerprintSource([fingerprint] { return QStringList{fingerprint}; });

    QUrl url(server.baseUrl());
    url.setPath(QStringLiteral("/routeros-x86-6.48.4.npk"));
    const LinkProbeResult r = run(probe, url);
    QCOMPARE(r.url, url);
    QCOMPARE(r.reachable, reachable);
    QCOMPARE(r.httpStatus, status);
    QCOMPARE(r.contentLength, length);
    QVERIFY(!r.cancelled);
    if (error.isEmpty())
        QVERIFY2(r.errorString.isEmpty(), qPrintable(r.errorString));
    else
        QVERIFY2(r.errorString.contains(error), qPrintable(r.errorString));
    if (reachable) {
        QVERIFY(!server.requests().isEmpty());
        QCOMPARE(server.requests().constFirst().method, QByteArray("HEAD"));
        QCOMPARE(server.requests().constFirst().target, QByteArray("/routeros-x86-6.48.4.npk"));
    }
}

void TestFilesLinkProbe::refusedConnection()
{
    CannedHttpServer server(CannedHttpServer::silent());
    const QUrl url(server.baseUrl() + QStringLiteral("/a.npk"));
    server.close();
    HttpLinkProbe probe;
    const LinkProbeResult r = run(probe, url);
    QVERIFY(!r.reachable);
    QCOMPARE(r.httpStatus, 0);
    QVERIFY(!r.errorString.isEmpty());
}

void TestFilesLinkProbe::notAnHttpAddress()
{
    HttpLinkProbe probe;
    const LinkProbeResult r = run(probe, QUrl(QStringLiteral("ftp://127.0.0.1/a.npk")));
    QVERIFY(!r.reachable);
    QVERIFY(r.errorString.contains(QLatin1String("not an http")));
}

void TestFilesLinkProbe::cancelAbortsTheRequest()
{
    CannedHttpServer server(CannedHttpServer::silent());
    HttpLinkProbe probe(HttpLinkProbe::Options{60000, 3});
    std::unique_ptr<LinkProbeReply> reply(
        probe.head(QUrl(server.baseUrl() + QStringLiteral("/a.npk"))));
    QSignalSpy finished(reply.get(), &LinkProbeReply::finished);
    QTRY_VERIFY(!server.requests().isEmpty()); // the request is out
    reply->cancel();
    QTRY_COMPARE(finished.size(), 1);
    QVERIFY(reply->result().cancelled);
    QVERIFY(!reply->result().reachable);
    // Nothing arrives later.
    QTest::qWait(0);
    QCOMPARE(finished.size(), 1);
}

QTEST_GUILESS_MAIN(TestFilesLinkProbe)
#include "tst_fileslinkprobe.moc"
