#include "acs/connectiontest.h"

#include "cannedhttpserver.h"

#include <QFile>
#include <QSignalSpy>
#include <QSslKey>
#include <QTest>

using fwd::acs::ConnectionReport;
using fwd::acs::ConnectionTest;
using fwd::acs::NbiClient;
using Failure = ConnectionReport::Failure;

namespace {

// `openssl x509 -in test-nbi.crt -noout -fingerprint -sha256`, lower case without colons.
const char TestCertificateSha256[] =
    "63f8b96e8ccb268883f295024199b94c73ebfa7d1bea37a52701ac52de9833ee";

const QByteArray GenieVersion = "1.2.16+26120138e9";

QString dataFile(const char *name)
{
    return QString::fromLocal8Bit(qgetenv("FWD_TEST_DATA")) + QLatin1Char('/') +
           QLatin1String(name);
}

QSslConfiguration serverTls()
{
    QFile certFile(dataFile("test-nbi.crt"));
    QFile keyFile(dataFile("test-nbi.key"));
    if (!certFile.open(QIODevice::ReadOnly) || !keyFile.open(QIODevice::ReadOnly))
        qFatal("test certificate missing");
    QSslConfiguration c = QSslConfiguration::defaultConfiguration();
    c.setLocalCertificate(QSslCertificate(certFile.readAll(), QSsl::Pem));
    c.setPrivateKey(QSslKey(keyFile.readAll(), QSsl::Ec, QSsl::Pem));
    c.setPeerVerifyMode(QSslSocket::VerifyNone);
    return c;
}

enum class Server { Plain, Tls, ClosedPort, None };

// The GenieACS 1.2.16 answer to HEAD /devices/ (transcript 005).
CannedHttpServer::Handler genieAcs(QByteArray total = "5")
{
    return CannedHttpServer::answer(200, "OK",
                                    {{"GenieACS-Version", GenieVersion},
                                     {"Content-Type", "application/json"},
                                     {"total", total},
                                     {"Connection", "keep-alive"}},
                                    {});
}

} // namespace

Q_DECLARE_METATYPE(Server)
Q_DECLARE_METATYPE(Failure)
Q_DECLARE_METATYPE(CannedHttpServer::Handler)

class TestConnectionTest final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void report_data();
    void report();
    void sendsBasicAuthOnlyWithUserName();
    void cancelReportsCancelled();
    void approvingTheCertificateLetsTheNextTestThrough();
};

void TestConnectionTest::report_data()
{
    QTest::addColumn<Server>("server");
    QTest::addColumn<CannedHttpServer::Handler>("handler");
    QTest::addColumn<QString>("url"); // empty: the server's base URL
    QTest::addColumn<bool>("trustCertificate");
    QTest::addColumn<int>("timeoutMs");
    QTest::addColumn<Failure>("failure");
    QTest::addColumn<qint64>("deviceCount");
    QTest::addColumn<int>("httpStatus");
    QTest::addColumn<QString>("version");

    const QString v = QString::fromLatin1(GenieVersion);
    using H = CannedHttpServer::Handler;
    QTest::newRow("ok: version and count") << Server::Plain << genieAcs("5") << QString() << false
                                           << 5000 << Failure::None << qint64(5) << 200 << v;
    QTest::newRow("ok: count beyond 2^31")
        << Server::Plain << genieAcs("2147483648") << QString() << false << 5000 << Failure::None
        << qint64(2147483648LL) << 200 << v;
    QTest::newRow("refused") << Server::ClosedPort << H() << QString() << false << 5000
                             << Failure::Refused << qint64(-1) << 0 << QString();
    QTest::newRow("timeout: accepts, never answers")
        << Server::Plain << H([](QTcpSocket *, const CannedHttpServer::Request &) {}) << QString()
        << false << 300 << Failure::Timeout << qint64(-1) << 0 << QString();
    QTest::newRow("not GenieACS: HTML 200")
        << Server::Plain
        << CannedHttpServer::answer(200, "OK",
                                    {{"Server", "nginx/1.22.1"}, {"Content-Type", "text/html"}},
                                    "<!DOCTYPE html><html><title>Welcome to nginx!</title></html>")
        << QString() << false << 5000 << Failure::NotGenieAcs << qint64(-1) << 200 << QString();
    QTest::newRow("not GenieACS: version but no total")
        << Server::Plain
        << CannedHttpServer::answer(200, "OK", {{"GenieACS-Version", GenieVersion}}, {})
        << QString() << false << 5000 << Failure::NotGenieAcs << qint64(-1) << 200 << v;
    QTest::newRow("not GenieACS: total not a number")
        << Server::Plain << genieAcs("12e3") << QString() << false << 5000 << Failure::NotGenieAcs
        << qint64(-1) << 200 << v;
    QTest::newRow("not GenieACS: total of 40 digits")
        << Server::Plain << genieAcs(QByteArray(40, '9')) << QString() << false << 5000
        << Failure::NotGenieAcs << qint64(-1) << 200 << v;
    QTest::newRow("not GenieACS: 404 from another server")
        << Server::Plain << CannedHttpServer::answer(404, "Not Found", {}, "Not Found") << QString()
        << false << 5000 << Failure::NotGenieAcs << qint64(-1) << 404 << QString();
    QTest::newRow("401 from a reverse proxy")
        << Server::Plain
        << CannedHttpServer::answer(401, "Unauthorized",
                                    {{"WWW-Authenticate", "Basic realm=\"GenieACS\""}},
                                    "401 Authorization Required")
        << QString() << false << 5000 << Failure::Unauthorized << qint64(-1) << 401 << QString();
    QTest::newRow("403") << Server::Plain
                         << CannedHttpServer::answer(403, "Forbidden", {}, "Forbidden") << QString()
                         << false << 5000 << Failure::Unauthorized << qint64(-1) << 403
                         << QString();
    QTest::newRow("500 from GenieACS")
        << Server::Plain
        << CannedHttpServer::answer(500, "Internal Server Error",
                                    {{"GenieACS-Version", "1.2.8+200101abcd"}}, "Error: boom")
        << QString() << false << 5000 << Failure::HttpError << qint64(-1) << 500
        << QStringLiteral("1.2.8+200101abcd");
    QTest::newRow("closes without answering")
        << Server::Plain
        << H([](QTcpSocket *s, const CannedHttpServer::Request &) { s->disconnectFromHost(); })
        << QString() << false << 5000 << Failure::Network << qint64(-1) << 0 << QString();
    QTest::newRow("untrusted TLS: fingerprint reported")
        << Server::Tls << genieAcs("5") << QString() << false << 5000 << Failure::TlsUntrusted
        << qint64(-1) << 0 << QString();
    QTest::newRow("trusted TLS by fingerprint: ok")
        << Server::Tls << genieAcs("7") << QString() << true << 5000 << Failure::None << qint64(7)
        << 200 << v;
    QTest::newRow("invalid URL: ftp scheme")
        << Server::None << H() << QStringLiteral("ftp://acs:7557") << false << 5000
        << Failure::InvalidUrl << qint64(-1) << 0 << QString();
    QTest::newRow("invalid URL: no host")
        << Server::None << H() << QStringLiteral("http://") << false << 5000 << Failure::InvalidUrl
        << qint64(-1) << 0 << QString();
    QTest::newRow("invalid URL: empty")
        << Server::None << H() << QStringLiteral("") << false << 5000 << Failure::InvalidUrl
        << qint64(-1) << 0 << QString();
    QTest::newRow("invalid URL: not a URL")
        << Server::None << H() << QStringLiteral("acs 7557") << false << 5000 << Failure::InvalidUrl
        << qint64(-1) << 0 << QString();
}

void TestConnectionTest::report()
{
    QFETCH(Server, server);
    QFETCH(CannedHttpServer::Handler, handler);
    QFETCH(QString, url);
    QFETCH(bool, trustCertificate);
    QFETCH(int, timeoutMs);
    QFETCH(Failure, failure);
    QFETCH(qint64, deviceCount);
    QFETCH(int, httpStatus);
    QFETCH(QString, version);

    std::unique_ptr<CannedHttpServer> http;
    const QSslConfiguration tls = serverTls();
    if (server == Server::Plain || server == Server::Tls)
        http = std::make_unique<CannedHttpServer>(handler, server == Server::Tls ? &tls : nullptr);

    fwd::AcsProfile profile;
    profile.name = QStringLiteral("test");
    profile.timeoutMs = timeoutMs;
    if (http) {
        profile.nbiUrl = QUrl(http->baseUrl());
    } else if (server == Server::ClosedPort) {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        profile.nbiUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(probe.serverPort()));
    } else {
        profile.nbiUrl = QUrl(url);
    }
    if (trustCertificate)
        profile.trustedFingerprints = {QStringLiteral("00ff"),
                                       QString::fromLatin1(TestCertificateSha256)};

    NbiClient client(profile, QString());
    ConnectionTest test(client);
    QSignalSpy spy(&test, &ConnectionTest::finished);
    test.start();
    QVERIFY(spy.wait(10000));
    QCOMPARE(spy.size(), 1);
    const auto report = spy.at(0).at(0).value<ConnectionReport>();

    QCOMPARE(report.failure, failure);
    QCOMPARE(report.ok(), failure == Failure::None);
    QCOMPARE(report.deviceCount, deviceCount);
    QCOMPARE(report.httpStatus, httpStatus);
    QCOMPARE(report.genieAcsVersion, version);
    QVERIFY2(!report.message.isEmpty(), "every report carries a sentence for the engineer");
    if (server == Server::Tls) {
        QCOMPARE(report.certificateFingerprint, QString::fromLatin1(TestCertificateSha256));
        QVERIFY2(report.certificateSubject.contains(QLatin1String("FirmwareDesk test NBI")),
                 qPrintable(report.certificateSubject));
        if (failure == Failure::TlsUntrusted)
            QVERIFY2(report.message.contains(QString::fromLatin1(TestCertificateSha256)),
                     qPrintable(report.message));
    } else {
        QVERIFY(report.certificateFingerprint.isEmpty());
    }
    if (http && failure != Failure::TlsUntrusted) {
        // Qt re-sends an idempotent request once itself when the connection closes unanswered.
        QVERIFY(!http->requests().isEmpty());
        QCOMPARE(http->requests().at(0).method, QByteArray("HEAD"));
        QVERIFY(http->requests().at(0).target.startsWith("/devices/"));
    }
    if (server == Server::Tls && failure == Failure::TlsUntrusted)
        QCOMPARE(http->requests().size(), 0); // nothing was sent over the untrusted channel
}

void TestConnectionTest::sendsBasicAuthOnlyWithUserName()
{
    CannedHttpServer http(genieAcs("1"));
    fwd::AcsProfile profile;
    profile.nbiUrl = QUrl(http.baseUrl() + QStringLiteral("/nbi/"));
    profile.timeoutMs = 5000;
    {
        NbiClient anonymous(profile, QStringLiteral("ignored"));
        ConnectionTest test(anonymous);
        QSignalSpy spy(&test, &ConnectionTest::finished);
        test.start();
        QVERIFY(spy.wait());
    }
    profile.username = QStringLiteral("engineer");
    {
        NbiClient client(profile, QStringLiteral("s3cr:t é"));
        ConnectionTest test(client);
        QSignalSpy spy(&test, &ConnectionTest::finished);
        test.start();
        QVERIFY(spy.wait());
        QVERIFY(spy.at(0).at(0).value<ConnectionReport>().ok());
    }
    QCOMPARE(http.requests().size(), 2);
    QVERIFY(!http.requests().at(0).headers.contains("authorization"));
    QCOMPARE(http.requests().at(1).headers.value("authorization"),
             "Basic " + QByteArray("engineer:s3cr:t é").toBase64());
    // The profile's path prefix is kept (a reverse proxy under /nbi).
    QVERIFY2(http.requests().at(1).target.startsWith("/nbi/devices/"),
             http.requests().at(1).target.constData());
}

void TestConnectionTest::cancelReportsCancelled()
{
    CannedHttpServer http([](QTcpSocket *, const CannedHttpServer::Request &) {});
    fwd::AcsProfile profile;
    profile.nbiUrl = QUrl(http.baseUrl());
    profile.timeoutMs = 60000;
    NbiClient client(profile, QString());
    ConnectionTest test(client);
    QSignalSpy spy(&test, &ConnectionTest::finished);
    test.start();
    QTRY_COMPARE(http.requests().size(), 1);
    test.cancel();
    QTRY_COMPARE(spy.size(), 1);
    QCOMPARE(spy.at(0).at(0).value<ConnectionReport>().failure, Failure::Cancelled);
}

void TestConnectionTest::approvingTheCertificateLetsTheNextTestThrough()
{
    const QSslConfiguration tls = serverTls();
    CannedHttpServer http(genieAcs("3"), &tls);
    fwd::AcsProfile profile;
    profile.nbiUrl = QUrl(http.baseUrl());
    profile.timeoutMs = 5000;
    NbiClient client(profile, QString());
    ConnectionTest test(client);
    QSignalSpy spy(&test, &ConnectionTest::finished);
    test.start();
    QVERIFY(spy.wait());
    const auto first = spy.at(0).at(0).value<ConnectionReport>();
    QCOMPARE(first.failure, Failure::TlsUntrusted);
    // The engineer approves what the dialog showed.
    client.setTrustedFingerprints({first.certificateFingerprint});
    test.start();
    QVERIFY(spy.wait());
    const auto second = spy.at(1).at(0).value<ConnectionReport>();
    QVERIFY2(second.ok(), qPrintable(second.message));
    QCOMPARE(second.deviceCount, qint64(3));
    QCOMPARE(second.certificateFingerprint, QString::fromLatin1(TestCertificateSha256));
}

QTEST_GUILESS_MAIN(TestConnectionTest)
#include "tst_connectiontest.moc"
