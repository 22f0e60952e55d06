// The file server over real sockets on 127.0.0.1, with real TLS clients (QSslSocket).
#include "testclient.h"

#include "fileserver/accesslog.h"
#include "fileserver/fileserver.h"
#include "fileserver/tlsidentity.h"

#include "core/clock.h"

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QRandomGenerator>
#include <QSslCipher>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

#include <cstdio>
#include <memory>
#include <numeric>
#include <thread>

using namespace fwd::fileserver;
using fwd::fileserver::test::ClientResponse;
using fwd::fileserver::test::RawClient;

namespace {

QByteArray randomBytes(qsizetype size, quint32 seed)
{
    QByteArray data(size, Qt::Uninitialized);
    QRandomGenerator gen(seed);
    gen.fillRange(reinterpret_cast<quint32 *>(data.data()), size / 4);
    return data;
}

qint64 rssKiB()
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> lines = f.readAll().split('\n');
    for (const QByteArray &l : lines) {
        if (l.startsWith("VmRSS:"))
            return l.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

const QDateTime kModified(QDate(2026, 11, 30), QTime(12, 0, 0), QTimeZone::utc());
constexpr char kModifiedText[] = "Mon, 30 Nov 2026 12:00:00 GMT";
constexpr char kEtag[] = "\"sha-1234abcd\"";

} // namespace

class TestFileServer final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void rangeRequests_data();
    void rangeRequests();
    void conditionalRequests_data();
    void conditionalRequests();
    void traversalAndMalformedRequests_data();
    void traversalAndMalformedRequests();
    void headAndContentTypes_data();
    void headAndContentTypes();
    void keepAliveAndPipelining();
    void http10ClosesUnlessKeepAlive();
    void basicCredentials_data();
    void basicCredentials();
    void untrustedCertificateIsRefused();
    void weakTlsIsRefused_data();
    void weakTlsIsRefused();
    void restartKeepsCertificate();
    void configuredCertificateReplacesGenerated();
    void badCertificateConfigurationFailsClearly();
    void portInUseFailsClearly();
    void plainHttpOnlyWhenAsked();
    void slowClientsTimeOut();
    void connectionLimit();
    void stalledClientsKeepMemoryBounded();
    void accessLogAndCounters();
    void brokenOffDownloadIsLogged();
    void bandwidthCap();
    void publishingApi();
    void fileChangedOnDiskIsNotServed();
    void fileChangedAfterBeingServed_data();
    void fileChangedAfterBeingServed();
    void unpublishedFileIsNotKeptOpen();
    void bindAddresses_data();
    void bindAddresses();
    void stopClosesEveryDescriptor();
    void acceptsSpreadOverWorkers();
    void servesWhileOwnerThreadIsBlocked_data();
    void servesWhileOwnerThreadIsBlocked();

private:
    FileServerConfig baseConfig() const;
    bool startServer(const FileServerConfig &config);
    std::unique_ptr<RawClient> connectedClient(RawClient::Tls tls = RawClient::Tls::Trusting);
    // Sends raw bytes on a new connection and returns the first response (status 0: none).
    ClientResponse exchange(const QByteArray &request, bool isHead = false);
    QList<QSslCertificate> trusted() const;

    QTemporaryDir m_certDir;
    std::unique_ptr<QTemporaryDir> m_dir;
    fwd::SystemClock m_clock;
    std::unique_ptr<MemoryAccessLogSink> m_log;
    std::unique_ptr<FileServer> m_server;
    QByteArray m_small; // firmware.npk
    QString m_bigPath;
};

void TestFileServer::initTestCase()
{
    // One generated certificate for the whole run (RSA key generation takes a moment).
    QString error;
    QVERIFY2(!ensureSelfSignedIdentity(m_certDir.path(), {}, &error).isNull(), qPrintable(error));
    m_small = randomBytes(1000, 7);
}

void TestFileServer::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    QDir(m_dir->path()).mkpath(QStringLiteral("library"));
    QDir(m_dir->path()).mkpath(QStringLiteral("data"));
    QFile::copy(selfSignedCertificatePath(m_certDir.path()),
                selfSignedCertificatePath(m_dir->filePath(QStringLiteral("data"))));
    QFile::copy(selfSignedKeyPath(m_certDir.path()),
                selfSignedKeyPath(m_dir->filePath(QStringLiteral("data"))));
    auto write = [this](const QString &name, const QByteArray &data) {
        QFile f(m_dir->filePath(name));
        QVERIFY(f.open(QIODevice::WriteOnly));
        QCOMPARE(f.write(data), data.size());
    };
    write(QStringLiteral("library/firmware.npk"), m_small);
    write(QStringLiteral("secret.txt"), "not for routers\n");
    m_log = std::make_unique<MemoryAccessLogSink>();
    m_server = std::make_unique<FileServer>(m_clock, m_log.get());
    PublishedFile f;
    f.name = QStringLiteral("firmware.npk");
    f.absolutePath = m_dir->filePath(QStringLiteral("library/firmware.npk"));
    f.lastModified = kModified;
    f.etag = QStringLiteral("sha-1234abcd");
    QCOMPARE(m_server->publish(f), QString());
    QVERIFY(startServer(baseConfig()));
}

void TestFileServer::cleanup()
{
    m_server.reset();
    m_log.reset();
    m_dir.reset();
}

FileServerConfig TestFileServer::baseConfig() const
{
    FileServerConfig c;
    c.bindAddress = QHostAddress::LocalHost;
    c.port = 0;
    c.dataDirectory = m_dir->filePath(QStringLiteral("data"));
    c.workerThreads = 2;
    return c;
}

bool TestFileServer::startServer(const FileServerConfig &config)
{
    const bool ok = m_server->start(config);
    if (!ok)
        qWarning() << m_server->errorString();
    return ok;
}

QList<QSslCertificate> TestFileServer::trusted() const
{
    return QSslCertificate::fromData(
        QSslCertificate::fromPath(selfSignedCertificatePath(m_certDir.path())).value(0).toPem());
}

std::unique_ptr<RawClient> TestFileServer::connectedClient(RawClient::Tls tls)
{
    auto c = std::make_unique<RawClient>(tls, trusted());
    c->connectTo(m_server->port());
    if (!QTest::qWaitFor([&] { return c->isReady() || c->isDisconnected(); }, 10000))
        qWarning() << "client neither connected nor refused";
    return c;
}

ClientResponse TestFileServer::exchange(const QByteArray &request, bool isHead)
{
    auto c = connectedClient();
    if (!c->isReady())
        return {};
    c->send(request, 1, isHead);
    if (!QTest::qWaitFor([&] { return !c->responses().isEmpty() || c->isDisconnected(); }, 10000))
        qWarning() << "no response and no disconnect";
    return c->responses().value(0);
}

void TestFileServer::rangeRequests_data()
{
    QTest::addColumn<QByteArray>("headers");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("contentRange");
    QTest::addColumn<int>("first");
    QTest::addColumn<int>("length");

    QTest::newRow("no range") << QByteArray() << 200 << QByteArray() << 0 << 1000;
    QTest::newRow("first 100") << QByteArray("Range: bytes=0-99\r\n") << 206
                               << QByteArray("bytes 0-99/1000") << 0 << 100;
    QTest::newRow("middle") << QByteArray("Range: bytes=100-199\r\n") << 206
                            << QByteArray("bytes 100-199/1000") << 100 << 100;
    QTest::newRow("open end") << QByteArray("Range: bytes=900-\r\n") << 206
                              << QByteArray("bytes 900-999/1000") << 900 << 100;
    QTest::newRow("suffix") << QByteArray("Range: bytes=-10\r\n") << 206
                            << QByteArray("bytes 990-999/1000") << 990 << 10;
    QTest::newRow("suffix over size") << QByteArray("Range: bytes=-5000\r\n") << 206
                                      << QByteArray("bytes 0-999/1000") << 0 << 1000;
    QTest::newRow("end clamped") << QByteArray("Range: bytes=995-2000\r\n") << 206
                                 << QByteArray("bytes 995-999/1000") << 995 << 5;
    QTest::newRow("single last byte") << QByteArray("Range: bytes=999-999\r\n") << 206
                                      << QByteArray("bytes 999-999/1000") << 999 << 1;
    QTest::newRow("start at size: 416")
        << QByteArray("Range: bytes=1000-\r\n") << 416 << QByteArray("bytes */1000") << 0 << 0;
    QTest::newRow("zero suffix: 416")
        << QByteArray("Range: bytes=-0\r\n") << 416 << QByteArray("bytes */1000") << 0 << 0;
    QTest::newRow("reversed: ignored")
        << QByteArray("Range: bytes=500-100\r\n") << 200 << QByteArray() << 0 << 1000;
    QTest::newRow("two ranges: whole file")
        << QByteArray("Range: bytes=0-1,5-6\r\n") << 200 << QByteArray() << 0 << 1000;
    QTest::newRow("other unit: ignored")
        << QByteArray("Range: pages=1-2\r\n") << 200 << QByteArray() << 0 << 1000;
    QTest::newRow("If-Range same ETag")
        << QByteArray("Range: bytes=0-9\r\nIf-Range: \"sha-1234abcd\"\r\n") << 206
        << QByteArray("bytes 0-9/1000") << 0 << 10;
    QTest::newRow("If-Range old ETag") << QByteArray("Range: bytes=0-9\r\nIf-Range: \"old\"\r\n")
                                       << 200 << QByteArray() << 0 << 1000;
    QTest::newRow("If-Range weak ETag")
        << QByteArray("Range: bytes=0-9\r\nIf-Range: W/\"sha-1234abcd\"\r\n") << 200 << QByteArray()
        << 0 << 1000;
    QTest::newRow("If-Range same date")
        << (QByteArray("Range: bytes=0-9\r\nIf-Range: ") + kModifiedText + "\r\n") << 206
        << QByteArray("bytes 0-9/1000") << 0 << 10;
    QTest::newRow("If-Range older date")
        << QByteArray("Range: bytes=0-9\r\nIf-Range: Sun, 29 Nov 2026 12:00:00 GMT\r\n") << 200
        << QByteArray() << 0 << 1000;
}

void TestFileServer::rangeRequests()
{
    QFETCH(QByteArray, headers);
    QFETCH(int, status);
    QFETCH(QByteArray, contentRange);
    QFETCH(int, first);
    QFETCH(int, length);
    const ClientResponse r =
        exchange("GET /firmware.npk HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "\r\n");
    QCOMPARE(r.status, status);
    QCOMPARE(r.header("content-range"), contentRange);
    QCOMPARE(r.header("accept-ranges").isEmpty(), status == 416);
    if (status != 416) {
        QCOMPARE(r.header("content-length").toInt(), length);
        QCOMPARE(r.body, m_small.mid(first, length));
        QCOMPARE(r.header("etag"), QByteArray(kEtag));
        QCOMPARE(r.header("last-modified"), QByteArray(kModifiedText));
    }
}

void TestFileServer::conditionalRequests_data()
{
    QTest::addColumn<QByteArray>("headers");
    QTest::addColumn<int>("status");
    QTest::newRow("If-None-Match same") << QByteArray("If-None-Match: \"sha-1234abcd\"\r\n") << 304;
    QTest::newRow("If-None-Match weak same")
        << QByteArray("If-None-Match: W/\"sha-1234abcd\"\r\n") << 304;
    QTest::newRow("If-None-Match in list")
        << QByteArray("If-None-Match: \"a\", \"sha-1234abcd\"\r\n") << 304;
    QTest::newRow("If-None-Match star") << QByteArray("If-None-Match: *\r\n") << 304;
    QTest::newRow("If-None-Match other") << QByteArray("If-None-Match: \"other\"\r\n") << 200;
    QTest::newRow("If-Modified-Since same")
        << (QByteArray("If-Modified-Since: ") + kModifiedText + "\r\n") << 304;
    QTest::newRow("If-Modified-Since later")
        << QByteArray("If-Modified-Since: Tue, 01 Dec 2026 00:00:00 GMT\r\n") << 304;
    QTest::newRow("If-Modified-Since earlier")
        << QByteArray("If-Modified-Since: Sun, 29 Nov 2026 12:00:00 GMT\r\n") << 200;
    QTest::newRow("If-Modified-Since invalid")
        << QByteArray("If-Modified-Since: yesterday\r\n") << 200;
    QTest::newRow("If-None-Match wins")
        << (QByteArray("If-None-Match: \"other\"\r\nIf-Modified-Since: ") + kModifiedText + "\r\n")
        << 200;
}

void TestFileServer::conditionalRequests()
{
    QFETCH(QByteArray, headers);
    QFETCH(int, status);
    const ClientResponse r =
        exchange("GET /firmware.npk HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "\r\n");
    QCOMPARE(r.status, status);
    QCOMPARE(r.header("etag"), QByteArray(kEtag));
    QCOMPARE(r.bodyBytes, status == 304 ? 0 : 1000);
}

void TestFileServer::traversalAndMalformedRequests_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    const QByteArray h(" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    QTest::newRow("published") << ("GET /firmware.npk" + h) << 200;
    QTest::newRow("encoded dot in the name") << ("GET /firmware%2enpk" + h) << 200;
    QTest::newRow("query string ignored") << ("GET /firmware.npk?x=1" + h) << 200;
    QTest::newRow("absolute form") << ("GET http://127.0.0.1/firmware.npk" + h) << 200;
    QTest::newRow("HTTP/1.0 without Host")
        << QByteArray("GET /firmware.npk HTTP/1.0\r\n\r\n") << 200;
    QTest::newRow("dot dot") << ("GET /../secret.txt" + h) << 400;
    QTest::newRow("deep dot dot") << ("GET /../../../../etc/passwd" + h) << 400;
    QTest::newRow("dot dot after a name") << ("GET /firmware.npk/../../secret.txt" + h) << 400;
    QTest::newRow("encoded dot dot") << ("GET /%2e%2e/secret.txt" + h) << 400;
    QTest::newRow("upper-case encoded dot dot") << ("GET /%2E%2E/secret.txt" + h) << 400;
    QTest::newRow("half encoded dot dot") << ("GET /.%2e/secret.txt" + h) << 400;
    QTest::newRow("overlong UTF-8 dots") << ("GET /%c0%ae%c0%ae/secret.txt" + h) << 400;
    QTest::newRow("encoded slash") << ("GET /..%2fsecret.txt" + h) << 400;
    QTest::newRow("single dot") << ("GET /./firmware.npk" + h) << 400;
    QTest::newRow("absolute path") << ("GET //etc/passwd" + h) << 400;
    QTest::newRow("file outside the library") << ("GET /secret.txt" + h) << 404;
    QTest::newRow("system file") << ("GET /etc/passwd" + h) << 404;
    QTest::newRow("NUL byte encoded") << ("GET /firmware.npk%00.xml" + h) << 400;
    QTest::newRow("NUL byte raw") << (QByteArray("GET /firmware.npk\0.xml", 22) + h) << 400;
    QTest::newRow("backslash") << ("GET /..\\secret.txt" + h) << 400;
    QTest::newRow("encoded backslash") << ("GET /..%5csecret.txt" + h) << 400;
    QTest::newRow("trailing slash") << ("GET /firmware.npk/" + h) << 400;
    QTest::newRow("no listing") << ("GET /" + h) << 404;
    QTest::newRow("not published") << ("GET /other.npk" + h) << 404;
    QTest::newRow("relative target") << ("GET firmware.npk" + h) << 400;
    QTest::newRow("bad escape") << ("GET /%zz" + h) << 400;
    QTest::newRow("CRLF injection") << ("GET /a%0d%0aX:%20y" + h) << 400;
    QTest::newRow("POST") << ("POST /firmware.npk" + h) << 405;
    QTest::newRow("DELETE") << ("DELETE /firmware.npk" + h) << 405;
    QTest::newRow("HTTP/2.0") << QByteArray("GET /firmware.npk HTTP/2.0\r\nHost: a\r\n\r\n") << 505;
    QTest::newRow("HTTP/1.1 without Host")
        << QByteArray("GET /firmware.npk HTTP/1.1\r\n\r\n") << 400;
    QTest::newRow("two Host fields")
        << QByteArray("GET /firmware.npk HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") << 400;
    QTest::newRow("request body")
        << QByteArray("GET /firmware.npk HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello")
        << 400;
    QTest::newRow("chunked body") << QByteArray("GET /firmware.npk HTTP/1.1\r\nHost: "
                                                "a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
                                  << 400;
    QTest::newRow("space before colon")
        << QByteArray("GET /firmware.npk HTTP/1.1\r\nHost : a\r\n\r\n") << 400;
    QTest::newRow("obsolete folding")
        << QByteArray("GET /firmware.npk HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n") << 400;
    QTest::newRow("garbage line") << QByteArray("HELLO\r\n\r\n") << 400;
    QTest::newRow("binary garbage")
        << QByteArray("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 15) << 400;
    QTest::newRow("huge header") << ("GET /firmware.npk HTTP/1.1\r\nHost: a\r\nX-Big: " +
                                     QByteArray(20000, 'x') + "\r\n\r\n")
                                 << 431;
    QByteArray many("GET /firmware.npk HTTP/1.1\r\nHost: a\r\n");
    for (int i = 0; i < 100; ++i)
        many += "X-" + QByteArray::number(i) + ": y\r\n";
    QTest::newRow("too many header fields") << (many + "\r\n") << 431;
}

void TestFileServer::traversalAndMalformedRequests()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    const ClientResponse r = exchange(request);
    QCOMPARE(r.status, status);
    if (status == 200)
        QCOMPARE(r.body, m_small);
    else
        QVERIFY(!r.body.contains("not for routers"));
    if (status == 405)
        QCOMPARE(r.header("allow"), QByteArray("GET, HEAD"));
}

void TestFileServer::headAndContentTypes_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("type");
    QTest::newRow("npk") << QStringLiteral("routeros-x86-6.48.4.npk")
                         << QByteArray("application/octet-stream");
    QTest::newRow("xml") << QStringLiteral("batch 7/upgrade.xml") << QByteArray("application/xml");
    QTest::newRow("alter") << QStringLiteral("setup.alter")
                           << QByteArray("text/plain; charset=utf-8");
    QTest::newRow("rsc") << QStringLiteral("factory.rsc")
                         << QByteArray("text/plain; charset=utf-8");
    QTest::newRow("bin") << QStringLiteral("image.bin") << QByteArray("application/octet-stream");
}

void TestFileServer::headAndContentTypes()
{
    QFETCH(QString, name);
    QFETCH(QByteArray, type);
    PublishedFile f;
    f.name = name;
    f.absolutePath = m_dir->filePath(QStringLiteral("library/firmware.npk"));
    QCOMPARE(m_server->publish(f), QString());
    const QByteArray path =
        m_server->urlFor(name).toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority);
    const ClientResponse head = exchange("HEAD " + path + " HTTP/1.1\r\nHost: a\r\n\r\n", true);
    QCOMPARE(head.status, 200);
    QCOMPARE(head.header("content-type"), type);
    QCOMPARE(head.header("content-length"), QByteArray("1000"));
    QCOMPARE(head.bodyBytes, 0);
    const ClientResponse get = exchange("GET " + path + " HTTP/1.1\r\nHost: a\r\n\r\n");
    QCOMPARE(get.status, 200);
    QCOMPARE(get.header("content-type"), type);
    QCOMPARE(get.body, m_small);
}

void TestFileServer::keepAliveAndPipelining()
{
    auto c = connectedClient();
    QVERIFY(c->isReady());
    c->send("GET /firmware.npk HTTP/1.1\r\nHost: a\r\nRange: bytes=0-4\r\n\r\n"
            "GET /nothing HTTP/1.1\r\nHost: a\r\n\r\n",
            2);
    c->send("HEAD /firmware.npk HTTP/1.1\r\nHost: a\r\n\r\n", 1, true);
    QTRY_COMPARE(c->responses().size(), 3);
    QCOMPARE(c->responses()[0].status, 206);
    QCOMPARE(c->responses()[0].body, m_small.left(5));
    QCOMPARE(c->responses()[1].status, 404);
    QCOMPARE(c->responses()[2].status, 200);
    c->get("/firmware.npk");
    QTRY_COMPARE(c->responses().size(), 4);
    QCOMPARE(c->responses()[3].body, m_small);
    QVERIFY(!c->isDisconnected());
    QCOMPARE(m_server->stats().acceptedConnections, 1);
    QCOMPARE(m_server->stats().requests, 4);
    // Connection: close is honoured after the response.
    c->send("GET /firmware.npk HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    QTRY_VERIFY(c->isDisconnected());
    QCOMPARE(c->responses().size(), 5);
    QCOMPARE(c->responses()[4].header("connection"), QByteArray("close"));
}

void TestFileServer::http10ClosesUnlessKeepAlive()
{
    auto c = connectedClient();
    c->send("GET /firmware.npk HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    QTRY_COMPARE(c->responses().size(), 1);
    QCOMPARE(c->responses()[0].header("connection"), QByteArray("keep-alive"));
    QVERIFY(!c->isDisconnected());
    c->send("GET /firmware.npk HTTP/1.0\r\n\r\n");
    QTRY_VERIFY(c->isDisconnected());
    QCOMPARE(c->responses().size(), 2);
    QCOMPARE(c->responses()[1].body, m_small);
}

void TestFileServer::basicCredentials_data()
{
    QTest::addColumn<QByteArray>("authorization");
    QTest::addColumn<int>("status");
    auto basic = [](const char *userPass) -> QByteArray {
        return "Authorization: Basic " + QByteArray(userPass).toBase64() + "\r\n";
    };
    QTest::newRow("none") << QByteArray() << 401;
    QTest::newRow("right") << basic("router:s3cret") << 200;
    QTest::newRow("wrong password") << basic("router:secret") << 401;
    QTest::newRow("wrong user") << basic("admin:s3cret") << 401;
    QTest::newRow("no colon") << basic("router") << 401;
    QTest::newRow("not base64") << QByteArray("Authorization: Basic !!!\r\n") << 401;
    QTest::newRow("other scheme") << QByteArray("Authorization: Bearer abc\r\n") << 401;
}

void TestFileServer::basicCredentials()
{
    QFETCH(QByteArray, authorization);
    QFETCH(int, status);
    PublishedFile f;
    f.name = QStringLiteral("private.npk");
    f.absolutePath = m_dir->filePath(QStringLiteral("library/firmware.npk"));
    f.credentialSet = QStringLiteral("batch-7");
    QCOMPARE(m_server->publish(f), QString());
    f.name = QStringLiteral("orphan.npk");
    f.credentialSet = QStringLiteral("no-such-set");
    QCOMPARE(m_server->publish(f), QString());
    m_server->setCredentials(QStringLiteral("batch-7"), QStringLiteral("router"),
                             QStringLiteral("s3cret"));

    const ClientResponse r =
        exchange("GET /private.npk HTTP/1.1\r\nHost: a\r\n" + authorization + "\r\n");
    QCOMPARE(r.status, status);
    if (status == 401) {
        QVERIFY(r.header("www-authenticate").startsWith("Basic realm="));
        QVERIFY(!r.body.contains(m_small.left(16)));
    } else {
        QCOMPARE(r.body, m_small);
    }
    // A set without credentials denies everyone; other files stay open.
    QCOMPARE(exchange("GET /orphan.npk HTTP/1.1\r\nHost: a\r\n" + authorization + "\r\n").status,
             401);
    QCOMPARE(exchange("GET /firmware.npk HTTP/1.1\r\nHost: a\r\n\r\n").status, 200);
    QCOMPARE(m_server->counters(QStringLiteral("private.npk")).denied, status == 401 ? 1 : 0);
}

void TestFileServer::untrustedCertificateIsRefused()
{
    auto c = connectedClient(RawClient::Tls::SystemTrust);
    QVERIFY(!c->isReady());
    QVERIFY(c->hadSslErrors());
    bool selfSigned = false;
    for (const QSslError &e : c->sslErrors())
        selfSigned = selfSigned || e.error() == QSslError::SelfSignedCertificate;
    QVERIFY(selfSigned);
    QTRY_VERIFY(c->isDisconnected());
    QTRY_COMPARE(m_server->stats().handshakeFailures, 1);
    QTRY_COMPARE(m_server->stats().openConnections, 0);
    // The engineer's approved certificate makes the same request work.
    QCOMPARE(exchange("GET /firmware.npk HTTP/1.1\r\nHost: a\r\n\r\n").status, 200);
    QTRY_COMPARE(m_log->size(), 1); // the refused client never got to send a request
}

void TestFileServer::weakTlsIsRefused_data()
{
    QTest::addColumn<int>("protocol");
    QTest::addColumn<QString>("cipher");
    QTest::addColumn<bool>("works");
    QTest::newRow("TLS 1.3") << int(QSsl::TlsV1_3) << QString() << true;
    QTest::newRow("TLS 1.2 AES-GCM")
        << int(QSsl::TlsV1_2) << QStringLiteral("ECDHE-RSA-AES128-GCM-SHA256") << true;
    QTest::newRow("TLS 1.2 ChaCha20")
        << int(QSsl::TlsV1_2) << QStringLiteral("ECDHE-RSA-CHACHA20-POLY1305") << true;
    QTest::newRow("TLS 1.2 CBC SHA-1")
        << int(QSsl::TlsV1_2) << QStringLiteral("ECDHE-RSA-AES128-SHA") << false;
    QTest::newRow("TLS 1.2 static RSA")
        << int(QSsl::TlsV1_2) << QStringLiteral("AES128-GCM-SHA256") << false;
}

void TestFileServer::weakTlsIsRefused()
{
    QFETCH(int, protocol);
    QFETCH(QString, cipher);
    QFETCH(bool, works);
    QSslSocket socket;
    QSslConfiguration conf = QSslConfiguration::defaultConfiguration();
    conf.setCaCertificates(trusted());
    conf.setProtocol(QSsl::SslProtocol(protocol));
    if (!cipher.isEmpty()) {
        const QSslCipher c(cipher);
        QVERIFY2(!c.isNull(), "cipher unknown to the client library");
        conf.setCiphers({c});
    }
    socket.setSslConfiguration(conf);
    socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), m_server->port());
    QTRY_VERIFY(socket.isEncrypted() || socket.state() == QAbstractSocket::UnconnectedState);
    QCOMPARE(socket.isEncrypted(), works);
    if (works && !cipher.isEmpty())
        QCOMPARE(socket.sessionCipher().name(), cipher);
}

void TestFileServer::restartKeepsCertificate()
{
    const QString before = m_server->fingerprint();
    QCOMPARE(before.size(), 64);
    m_server->stop();
    QVERIFY(!m_server->isRunning());
    QVERIFY(m_server->fingerprint().isEmpty());
    QVERIFY(startServer(baseConfig()));
    QCOMPARE(m_server->fingerprint(), before);
    QCOMPARE(exchange("GET /firmware.npk HTTP/1.1\r\nHost: a\r\n\r\n").status, 200);
    // A fresh data folder means a new certificate, which the old trust does not cover.
    FileServerConfig other = baseConfig();
    other.dataDirectory = m_dir->filePath(QStringLiteral("other-data"));
    QVERIFY(startServer(other));
    QVERIFY(m_server->fingerprint() != before);
    QVERIFY(QFile::exists(selfSignedKeyPath(other.dataDirectory)));
    auto c = connectedClient();
    QVERIFY(!c->isReady());
}

void TestFileServer::configuredCertificateReplacesGenerated()
{
    QTemporaryDir elsewhere;
    QString error;
    const TlsIdentity configured =
        ensureSelfSignedIdentity(elsewhere.path(), {QStringLiteral("files.example.net")}, &error);
    QVERIFY(!configured.isNull());
    FileServerConfig c = baseConfig();
    c.certificateChainPath = configured.certificatePath;
    c.privateKeyPath = configured.privateKeyPath;
    QVERIFY(startServer(c));
    QCOMPARE(m_server->fingerprint(), configured.fingerprintSha256);
    QVERIFY(m_server->identity().privateKeyPem.isEmpty());
    QVERIFY(m_server->identity().subject.contains(QStringLiteral("files.example.net")));

    RawClient client(RawClient::Tls::Trusting,
                     QSslCertificate::fromData(configured.certificateChainPem));
    client.connectTo(m_server->port());
    QTRY_VERIFY(client.isReady());
    client.get("/firmware.npk");
    QTRY_COMPARE(client.responses().size(), 1);
    QCOMPARE(client.responses()[0].body, m_small);
}

void TestFileServer::badCertificateConfigurationFailsClearly()
{
    QTemporaryDir a, b;
    QString error;
    QVERIFY(!ensureSelfSignedIdentity(a.path(), {}, &error).isNull());
    QVERIFY(!ensureSelfSignedIdentity(b.path(), {}, &error).isNull());
    FileServerConfig c = baseConfig();
    c.certificateChainPath = selfSignedCertificatePath(a.path());
    c.privateKeyPath = selfSignedKeyPath(b.path());
    QVERIFY(!m_server->start(c));
    QVERIFY(!m_server->isRunning());
    QVERIFY2(m_server->errorString().contains(QStringLiteral("does not belong")),
             qPrintable(m_server->errorString()));
    c.privateKeyPath.clear();
    QVERIFY(!m_server->start(c));
    QVERIFY(
        m_server->errorString().contains(QStringLiteral("Both a certificate file and a key file")));
}

void TestFileServer::portInUseFailsClearly()
{
    const quint16 taken = m_server->port();
    FileServer second(m_clock);
    FileServerConfig c = baseConfig();
    c.port = taken;
    QVERIFY(!second.start(c));
    QVERIFY2(second.errorString().contains(QString::number(taken)),
             qPrintable(second.errorString()));
    QVERIFY(!second.isRunning());
    QCOMPARE(second.port(), quint16(0));
}

void TestFileServer::plainHttpOnlyWhenAsked()
{
    QVERIFY(m_server->securityWarning().isEmpty());
    QCOMPARE(m_server->baseUrl().scheme(), QStringLiteral("https"));
    FileServerConfig c = baseConfig();
    c.https = false;
    QVERIFY(startServer(c));
    QVERIFY(!m_server->securityWarning().isEmpty());
    QVERIFY(m_server->fingerprint().isEmpty());
    QCOMPARE(m_server->baseUrl().scheme(), QStringLiteral("http"));
    RawClient client(RawClient::Tls::None);
    client.connectTo(m_server->port());
    QTRY_VERIFY(client.isReady());
    client.get("/firmware.npk", "Range: bytes=10-19\r\n");
    client.get("/firmware.npk");
    QTRY_COMPARE(client.responses().size(), 2);
    QCOMPARE(client.responses()[0].body, m_small.mid(10, 10));
    QCOMPARE(client.responses()[1].body, m_small);
}

void TestFileServer::slowClientsTimeOut()
{
    FileServerConfig c = baseConfig();
    c.headerTimeoutMs = 400;
    c.keepAliveTimeoutMs = 600;
    QVERIFY(startServer(c));
    // Slowloris: the head never ends.
    auto slow = connectedClient();
    QVERIFY(slow->isReady());
    slow->send("GET /firmware.npk HTTP/1.1\r\nHost: a\r\n");
    // No TLS handshake at all.
    QTcpSocket silent;
    silent.connectToHost(QStringLiteral("127.0.0.1"), m_server->port());
    QVERIFY(silent.waitForConnected(5000));
    // Idle keep-alive after one request.
    auto idle = connectedClient();
    idle->get("/firmware.npk");
    QTRY_COMPARE(idle->responses().size(), 1);
    QElapsedTimer t;
    t.start();
    QTRY_VERIFY(slow->isDisconnected());
    QTRY_COMPARE(silent.state(), QAbstractSocket::UnconnectedState);
    QTRY_VERIFY(idle->isDisconnected());
    QCOMPARE(slow->responses().size(), 0);
    QTRY_COMPARE(m_server->stats().timedOut, 3);
    QTRY_COMPARE(m_server->stats().openConnections, 0);
}

void TestFileServer::connectionLimit()
{
    FileServerConfig c = baseConfig();
    c.maxConnections = 16;
    QVERIFY(startServer(c));
    std::vector<std::unique_ptr<RawClient>> clients;
    for (int i = 0; i < 16; ++i) {
        clients.push_back(connectedClient());
        QVERIFY(clients.back()->isReady());
    }
    QTRY_COMPARE(m_server->stats().openConnections, 16);
    auto refused = connectedClient();
    QVERIFY(!refused->isReady());
    QTRY_VERIFY(refused->isDisconnected());
    QCOMPARE(m_server->stats().refusedConnections, 1);
    // The held connections still work, and a freed slot is usable again.
    clients.front()->get("/firmware.npk");
    QTRY_COMPARE(clients.front()->responses().size(), 1);
    clients.back()->abort();
    QTRY_COMPARE(m_server->stats().openConnections, 15);
    auto again = connectedClient();
    QVERIFY(again->isReady());
}

void TestFileServer::stalledClientsKeepMemoryBounded()
{
    const qsizetype big = 16 * 1024 * 1024;
    const QString path = m_dir->filePath(QStringLiteral("library/big.bin"));
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        const QByteArray block = randomBytes(1024 * 1024, 3);
        for (int i = 0; i < 16; ++i)
            f.write(block);
    }
    PublishedFile pf;
    pf.name = QStringLiteral("big.bin");
    pf.absolutePath = path;
    QCOMPARE(m_server->publish(pf), QString());
    FileServerConfig c = baseConfig();
    c.sendStallTimeoutMs = 1500;
    QVERIFY(startServer(c));

    const int n = 20;
    std::vector<std::unique_ptr<RawClient>> clients;
    for (int i = 0; i < n; ++i) {
        clients.push_back(connectedClient());
        QVERIFY(clients.back()->isReady());
        clients.back()->setReadBufferSize(16 * 1024);
        clients.back()->stopReading();
    }
    const qint64 rssBefore = rssKiB();
    for (auto &cl : clients)
        cl->get("/big.bin");
    qint64 maxBuffered = 0;
    qint64 maxRss = rssBefore;
    const bool allBroken = QTest::qWaitFor(
        [&] {
            maxBuffered = qMax(maxBuffered, m_server->stats().bufferedBytes);
            maxRss = qMax(maxRss, rssKiB());
            return m_log->size() == n;
        },
        20000);
    QVERIFY(allBroken);
    // Per connection at most one chunk plus the response head is held by the server.
    qInfo() << "stalled downloads:" << n << "x" << big << "bytes; server buffers peak"
            << maxBuffered << "bytes; process RSS grew by" << (maxRss - rssBefore) << "KiB";
    QVERIFY(maxBuffered > 0);
    QVERIFY(maxBuffered <= n * (c.chunkBytes + 2048));
    QVERIFY2(maxRss - rssBefore < 48 * 1024, "memory grew with the stalled downloads");
    const QList<AccessRecord> records = m_log->records();
    for (const AccessRecord &r : records) {
        QCOMPARE(r.status, 200);
        QVERIFY(!r.completed);
        QVERIFY(r.bytesSent < big);
        QCOMPARE(r.bytesExpected, big);
    }
    QCOMPARE(m_server->counters(QStringLiteral("big.bin")).brokenOff, n);
    QCOMPARE(m_server->stats().timedOut, n);
    QTRY_COMPARE(m_server->stats().bufferedBytes, 0);
}

void TestFileServer::accessLogAndCounters()
{
    auto c = connectedClient();
    c->get("/firmware.npk", "User-Agent: MikroTik/6.48.4\r\n");
    c->get("/firmware.npk", "Range: bytes=0-99\r\n");
    c->get("/firmware.npk", "If-None-Match: \"sha-1234abcd\"\r\n");
    c->get("/missing.npk");
    QTRY_COMPARE(c->responses().size(), 4);
    QTRY_COMPARE(m_log->size(), 4);
    const QList<AccessRecord> r = m_log->records();
    QCOMPARE(r[0].file, QStringLiteral("firmware.npk"));
    QCOMPARE(r[0].clientAddress, QStringLiteral("127.0.0.1"));
    QVERIFY(r[0].clientPort > 0);
    QCOMPARE(r[0].method, QStringLiteral("GET"));
    QCOMPARE(r[0].status, 200);
    QCOMPARE(r[0].bytesSent, 1000);
    QCOMPARE(r[0].bytesExpected, 1000);
    QVERIFY(r[0].completed);
    QVERIFY(r[0].range.isEmpty());
    QCOMPARE(r[0].userAgent, QStringLiteral("MikroTik/6.48.4"));
    QVERIFY(qAbs(r[0].time.secsTo(QDateTime::currentDateTimeUtc())) < 60);
    QVERIFY(r[0].durationMs >= 0);
    QCOMPARE(r[1].status, 206);
    QCOMPARE(r[1].range, QStringLiteral("bytes 0-99/1000"));
    QCOMPARE(r[1].bytesSent, 100);
    QCOMPARE(r[2].status, 304);
    QCOMPARE(r[2].bytesSent, 0);
    QCOMPARE(r[3].status, 404);
    QCOMPARE(r[3].file, QStringLiteral("/missing.npk"));
    const FileCounters fc = m_server->counters(QStringLiteral("firmware.npk"));
    QCOMPARE(fc.requests, 3);
    QCOMPARE(fc.completed, 2);
    QCOMPARE(fc.bytesSent, 1100);
    QCOMPARE(fc.notModified, 1);
    QCOMPARE(fc.brokenOff, 0);
    QVERIFY(!m_server->allCounters().contains(QStringLiteral("missing.npk")));
}

void TestFileServer::brokenOffDownloadIsLogged()
{
    const QString path = m_dir->filePath(QStringLiteral("library/big.bin"));
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        const QByteArray block = randomBytes(1024 * 1024, 5);
        for (int i = 0; i < 32; ++i)
            f.write(block);
    }
    PublishedFile pf;
    pf.name = QStringLiteral("big.bin");
    pf.absolutePath = path;
    QCOMPARE(m_server->publish(pf), QString());
    auto c = connectedClient();
    c->get("/big.bin");
    QTRY_VERIFY(c->bodyBytesSoFar() > 1024 * 1024);
    c->abort(); // the link breaks
    QTRY_COMPARE(m_log->size(), 1);
    const AccessRecord r = m_log->records().first();
    QCOMPARE(r.status, 200);
    QVERIFY(!r.completed);
    QVERIFY(r.bytesSent > 1024 * 1024);
    QVERIFY(r.bytesSent < 32 * 1024 * 1024);
    const FileCounters fc = m_server->counters(QStringLiteral("big.bin"));
    QCOMPARE(fc.brokenOff, 1);
    QCOMPARE(fc.completed, 0);
    QCOMPARE(fc.bytesSent, r.bytesSent);
}

void TestFileServer::bandwidthCap()
{
    const QByteArray data = randomBytes(2 * 1024 * 1024, 11);
    const QString path = m_dir->filePath(QStringLiteral("library/two.bin"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(data);
    f.close();
    PublishedFile pf;
    pf.name = QStringLiteral("two.bin");
    pf.absolutePath = path;
    QCOMPARE(m_server->publish(pf), QString());
    for (const bool https : {true, false}) {
        FileServerConfig c = baseConfig();
        c.https = https;
        c.bandwidthBytesPerSecond = 4 * 1024 * 1024;
        QVERIFY(startServer(c));
        // Two parallel downloads share the cap: 4 MiB at 4 MiB/s take about a second.
        RawClient a(https ? RawClient::Tls::Trusting : RawClient::Tls::None, trusted());
        RawClient b(https ? RawClient::Tls::Trusting : RawClient::Tls::None, trusted());
        a.setKeepBodyLimit(data.size());
        b.setKeepBodyLimit(data.size());
        QElapsedTimer t;
        t.start();
        a.connectTo(m_server->port());
        b.connectTo(m_server->port());
        QTRY_VERIFY(a.isReady() && b.isReady());
        a.get("/two.bin");
        b.get("/two.bin");
        QTRY_VERIFY_WITH_TIMEOUT(a.responses().size() == 1 && b.responses().size() == 1, 20000);
        const qint64 ms = t.elapsed();
        qInfo() << (https ? "https" : "http") << "4 MiB under a 4 MiB/s cap took" << ms << "ms";
        QVERIFY2(ms >= 800, "the bandwidth cap was not applied");
        QVERIFY2(ms < 5000, "the bandwidth cap throttled far below its rate");
        QCOMPARE(a.responses()[0].body, data);
        QCOMPARE(b.responses()[0].body, data);
    }
}

void TestFileServer::publishingApi()
{
    PublishedFile f;
    f.name = QStringLiteral("../escape.npk");
    f.absolutePath = m_dir->filePath(QStringLiteral("library/firmware.npk"));
    QVERIFY(!m_server->publish(f).isEmpty());
    f.name = QStringLiteral("ok.npk");
    f.absolutePath = QStringLiteral("library/firmware.npk");
    QVERIFY(!m_server->publish(f).isEmpty()); // relative path
    f.absolutePath = m_dir->filePath(QStringLiteral("library/none.npk"));
    QVERIFY(!m_server->publish(f).isEmpty()); // missing
    f.absolutePath = m_dir->filePath(QStringLiteral("library"));
    QVERIFY(!m_server->publish(f).isEmpty()); // a folder
    f.absolutePath = m_dir->filePath(QStringLiteral("library/firmware.npk"));
    f.size = 999;
    QVERIFY(!m_server->publish(f).isEmpty()); // size mismatch
    f.size = -1;
    QCOMPARE(m_server->publish(f), QString());
    QCOMPARE(m_server->publishedFile(QStringLiteral("ok.npk"))->size, 1000);
    QVERIFY(m_server->publishedFile(QStringLiteral("ok.npk"))->lastModified.isValid());
    QCOMPARE(exchange("GET /ok.npk HTTP/1.1\r\nHost: a\r\n\r\n").status, 200);
    QVERIFY(m_server->unpublish(QStringLiteral("ok.npk")));
    QVERIFY(!m_server->unpublish(QStringLiteral("ok.npk")));
    QCOMPARE(exchange("GET /ok.npk HTTP/1.1\r\nHost: a\r\n\r\n").status, 404);
    QCOMPARE(m_server->publishedFiles().size(), 1);

    // URLs: host name and port for routers, encoded names, or an external prefix.
    FileServerConfig c = baseConfig();
    c.publicHost = QStringLiteral("fw.example.net");
    c.publicPort = 8443;
    QVERIFY(startServer(c));
    QCOMPARE(m_server->baseUrl(), QUrl(QStringLiteral("https://fw.example.net:8443/")));
    QCOMPARE(m_server->urlFor(QStringLiteral("batch 7/upgrade.xml")).toString(QUrl::FullyEncoded),
             QStringLiteral("https://fw.example.net:8443/batch%207/upgrade.xml"));
    c.publicPort = 0;
    QVERIFY(startServer(c));
    QCOMPARE(m_server->baseUrl().port(), int(m_server->port()));
    c.externalUrlPrefix = QUrl(QStringLiteral("https://cdn.example.net/firmware"));
    QVERIFY(startServer(c));
    QCOMPARE(m_server->urlFor(QStringLiteral("a.npk")).toString(),
             QStringLiteral("https://cdn.example.net/firmware/a.npk"));
    c.externalUrlPrefix = QUrl(QStringLiteral("ftp://cdn.example.net/"));
    QVERIFY(!m_server->start(c));
    QVERIFY(m_server->urlFor(QStringLiteral("a.npk")).isEmpty());
}

void TestFileServer::fileChangedOnDiskIsNotServed()
{
    QFile f(m_dir->filePath(QStringLiteral("library/firmware.npk")));
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write("short");
    f.close();
    QCOMPARE(exchange("GET /firmware.npk HTTP/1.1\r\nHost: a\r\n\r\n").status, 500);
    QFile::remove(f.fileName());
    QCOMPARE(exchange("GET /firmware.npk HTTP/1.1\r\nHost: a\r\n\r\n").status, 500);
}

// Keep-alive clients stay on the worker that accepted them: the workers take turns so that
// connections arriving one after the other (the kernel would wake the same idle worker every
// time) end up spread over all of them.
void TestFileServer::acceptsSpreadOverWorkers()
{
    FileServerConfig c = baseConfig();
    c.workerThreads = 3;
    QVERIFY(startServer(c));
    std::vector<std::unique_ptr<RawClient>> clients;
    for (int i = 0; i < 30; ++i) {
        clients.push_back(connectedClient());
        QVERIFY(clients.back()->isReady());
        QTRY_COMPARE(m_server->stats().openConnections, i + 1);
    }
    const QList<qint64> perWorker = m_server->stats().openPerWorker;
    QCOMPARE(perWorker.size(), 3);
    QCOMPARE(std::accumulate(perWorker.cbegin(), perWorker.cend(), qint64(0)), 30);
    for (qint64 n : perWorker)
        QVERIFY2(
            n >= 7 && n <= 13,
            qPrintable(
                QStringLiteral("%1 %2 %3").arg(perWorker[0]).arg(perWorker[1]).arg(perWorker[2])));
    // Every worker serves.
    for (auto &client : clients)
        client->get("/firmware.npk");
    for (auto &client : clients)
        QTRY_COMPARE(client->responses().size(), 1);
}

void TestFileServer::servesWhileOwnerThreadIsBlocked_data()
{
    QTest::addColumn<bool>("https");
    QTest::newRow("https") << true;
    QTest::newRow("plain http") << false;
}

// Accepting and serving happen on the worker threads: the thread that owns the server (the GUI
// thread in the application) may be busy, here blocked in join() without running its event
// loop, while new clients connect and download.
void TestFileServer::servesWhileOwnerThreadIsBlocked()
{
    QFETCH(bool, https);
    FileServerConfig c = baseConfig();
    c.https = https;
    QVERIFY(startServer(c));
    const quint16 port = m_server->port();
    const QList<QSslCertificate> ca = trusted();
    QList<ClientResponse> got;
    bool connected = false;
    std::thread clients([&] {
        // A thread without an event loop: the client's blocking waits drive its socket.
        for (int i = 0; i < 3; ++i) {
            RawClient client(https ? RawClient::Tls::Trusting : RawClient::Tls::None, ca);
            client.connectTo(port);
            if (!client.waitForReady(5000))
                return;
            connected = true;
            client.get("/firmware.npk");
            QElapsedTimer t;
            t.start();
            while (client.responses().isEmpty() && !client.isDisconnected() && t.elapsed() < 5000)
                client.waitForReadyRead(200);
            if (client.responses().isEmpty())
                return;
            got += client.responses().constFirst();
        }
    });
    clients.join(); // blocks this thread: no event loop runs here meanwhile
    QVERIFY2(connected, "no TLS handshake or connection while the owner thread was blocked");
    QCOMPARE(got.size(), 3);
    for (const ClientResponse &r : std::as_const(got)) {
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, m_small);
    }
    QTRY_COMPARE(m_server->stats().acceptedConnections, 3);
    QTRY_COMPARE(m_log->size(), 3);
}

void TestFileServer::fileChangedAfterBeingServed_data()
{
    QTest::addColumn<QString>("change");
    QTest::newRow("truncated in place") << QStringLiteral("truncate");
    QTest::newRow("appended to") << QStringLiteral("append");
    QTest::newRow("deleted") << QStringLiteral("delete");
    QTest::newRow("replaced by rename, other size") << QStringLiteral("rename");
}

// The workers keep a published file open between requests; a file changed or gone on disk
// after it was served must still give 500 at once, never the old bytes.
void TestFileServer::fileChangedAfterBeingServed()
{
    QFETCH(QString, change);
    const QString path = m_dir->filePath(QStringLiteral("library/firmware.npk"));
    auto c = connectedClient();
    for (int i = 0; i < 4; ++i) // more requests than workers: every worker has it open
        c->get("/firmware.npk");
    QTRY_COMPARE(c->responses().size(), 4);
    QCOMPARE(c->responses()[3].body, m_small);
    auto other = connectedClient();
    for (int i = 0; i < 4; ++i)
        other->get("/firmware.npk");
    QTRY_COMPARE(other->responses().size(), 4);

    if (change == QLatin1String("truncate")) {
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadWrite));
        QVERIFY(f.resize(10));
    } else if (change == QLatin1String("append")) {
        QFile f(path);
        QVERIFY(f.open(QIODevice::Append));
        QCOMPARE(f.write("more"), 4);
    } else if (change == QLatin1String("delete")) {
        QVERIFY(QFile::remove(path));
    } else {
        const QString next = path + QStringLiteral(".new");
        QFile f(next);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QCOMPARE(f.write("other"), 5);
        f.close();
        QCOMPARE(::rename(QFile::encodeName(next).constData(), QFile::encodeName(path).constData()),
                 0);
    }
    for (RawClient *client : {c.get(), other.get()}) {
        client->get("/firmware.npk");
        client->get("/firmware.npk");
        QTRY_COMPARE(client->responses().size(), 6);
        QCOMPARE(client->responses()[4].status, 500);
        QCOMPARE(client->responses()[5].status, 500);
    }
}

// A file unpublished and deleted from the library is not held open by the workers (its disk
// space is given back) once the open-file cache has been swept (about a second).
void TestFileServer::unpublishedFileIsNotKeptOpen()
{
    const QString path = m_dir->filePath(QStringLiteral("library/firmware.npk"));
    auto c = connectedClient();
    c->get("/firmware.npk");
    c->get("/firmware.npk");
    QTRY_COMPARE(c->responses().size(), 2);
    auto opened = [&path] {
        const QFileInfoList fds =
            QDir(QStringLiteral("/proc/self/fd")).entryInfoList(QDir::Files | QDir::System);
        int n = 0;
        for (const QFileInfo &fd : fds)
            n += fd.symLinkTarget().startsWith(path) ? 1 : 0;
        return n;
    };
    QVERIFY(opened() > 0); // kept open between requests
    QVERIFY(m_server->unpublish(QStringLiteral("firmware.npk")));
    QVERIFY(QFile::remove(path));
    QTRY_COMPARE_WITH_TIMEOUT(opened(), 0, 5000);
    c->get("/firmware.npk");
    QTRY_COMPARE(c->responses().size(), 3);
    QCOMPARE(c->responses()[2].status, 404);
}

void TestFileServer::bindAddresses_data()
{
    QTest::addColumn<QHostAddress>("bind");
    QTest::addColumn<QStringList>("reachable");
    QTest::addColumn<QStringList>("unreachable");
    const QString v4 = QStringLiteral("127.0.0.1");
    const QString v6 = QStringLiteral("::1");
    QTest::newRow("IPv4 loopback")
        << QHostAddress(QHostAddress::LocalHost) << QStringList{v4} << QStringList{v6};
    QTest::newRow("IPv6 loopback")
        << QHostAddress(QHostAddress::LocalHostIPv6) << QStringList{v6} << QStringList{v4};
    QTest::newRow("any (dual stack)")
        << QHostAddress(QHostAddress::Any) << QStringList{v4, v6} << QStringList{};
    QTest::newRow("any IPv4") << QHostAddress(QHostAddress::AnyIPv4) << QStringList{v4}
                              << QStringList{v6};
    QTest::newRow("any IPv6 only")
        << QHostAddress(QHostAddress::AnyIPv6) << QStringList{v6} << QStringList{v4};
}

void TestFileServer::bindAddresses()
{
    QFETCH(QHostAddress, bind);
    QFETCH(QStringList, reachable);
    QFETCH(QStringList, unreachable);
    if (!QFile::exists(QStringLiteral("/proc/net/if_inet6")))
        QSKIP("no IPv6 on this machine");
    FileServerConfig c = baseConfig();
    c.bindAddress = bind;
    c.https = false; // the address matters here, not TLS
    QVERIFY(startServer(c));
    QVERIFY(m_server->port() != 0);
    for (const QString &host : std::as_const(reachable)) {
        RawClient client(RawClient::Tls::None);
        client.connectTo(m_server->port(), host);
        QTRY_VERIFY2(client.isReady() || client.isDisconnected(), qPrintable(host));
        QVERIFY2(client.isReady(), qPrintable(host));
        client.get("/firmware.npk");
        QTRY_COMPARE(client.responses().size(), 1);
        QCOMPARE(client.responses()[0].body, m_small);
        QTRY_COMPARE(m_log->records().constLast().clientAddress, host);
    }
    for (const QString &host : std::as_const(unreachable)) {
        RawClient client(RawClient::Tls::None);
        client.connectTo(m_server->port(), host);
        QTRY_VERIFY2(client.isReady() || client.isDisconnected(), qPrintable(host));
        QVERIFY2(!client.isReady(), qPrintable(host));
    }
}

namespace {
int openDescriptors()
{
    return int(QDir(QStringLiteral("/proc/self/fd")).entryList(QDir::Files | QDir::System).size());
}
} // namespace

// stop() closes the listening socket, the workers' epoll and wake-up descriptors, every
// connection and the files being sent, and a restart on the same port works at once.
void TestFileServer::stopClosesEveryDescriptor()
{
    m_server->stop();
    const int before = openDescriptors();
    const QString path = m_dir->filePath(QStringLiteral("library/big.bin"));
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QVERIFY(f.resize(32 * 1024 * 1024));
    }
    PublishedFile big;
    big.name = QStringLiteral("big.bin");
    big.absolutePath = path;
    QCOMPARE(m_server->publish(big), QString());
    QVERIFY(startServer(baseConfig()));
    const quint16 port = m_server->port();
    QVERIFY(openDescriptors() > before);
    std::vector<std::unique_ptr<RawClient>> clients;
    for (int i = 0; i < 4; ++i)
        clients.push_back(connectedClient());
    clients[0]->stopReading();
    clients[0]->get("/big.bin"); // a download in flight, its file open
    clients[1]->get("/firmware.npk");
    QTRY_COMPARE(clients[1]->responses().size(), 1);
    QTRY_VERIFY(clients[0]->bodyBytesSoFar() > 0 || m_server->stats().bufferedBytes > 0);
    QCOMPARE(m_server->stats().openConnections, 4);
    m_server->stop();
    QCOMPARE(openDescriptors(), before + 4); // only the clients' own sockets remain
    for (auto &c : clients)
        QTRY_VERIFY(c->isDisconnected());
    clients.clear();
    QTRY_COMPARE(openDescriptors(), before);
    FileServerConfig again = baseConfig();
    again.port = port;
    QVERIFY(startServer(again));
    QCOMPARE(m_server->port(), port);
    QCOMPARE(exchange("GET /firmware.npk HTTP/1.1\r\nHost: a\r\n\r\n").status, 200);
}

QTEST_GUILESS_MAIN(TestFileServer)
#include "tst_fileserver.moc"
