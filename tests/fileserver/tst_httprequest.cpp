#include "fileserver/contenttype.h"
#include "fileserver/httprequest.h"

#include <QTest>

using namespace fwd::fileserver;
using Status = HeadParseResult::Status;

class TestHttpRequest final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parseHead_data();
    void parseHead();
    void parsesFieldsAndPipelinedRest();
    void resolveTarget_data();
    void resolveTarget();
    void publishedNames_data();
    void publishedNames();
    void contentTypes_data();
    void contentTypes();
};

void TestHttpRequest::parseHead_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<int>("status");
    QTest::addColumn<int>("errorStatus");

    const int ok = int(Status::Complete);
    const int more = int(Status::Incomplete);
    const int err = int(Status::Error);
    QTest::newRow("simple") << QByteArray("GET /a HTTP/1.1\r\nHost: x\r\n\r\n") << ok << 0;
    QTest::newRow("LF only") << QByteArray("GET /a HTTP/1.1\nHost: x\n\n") << ok << 0;
    QTest::newRow("leading empty lines")
        << QByteArray("\r\n\r\nGET /a HTTP/1.1\r\n\r\n") << ok << 0;
    QTest::newRow("HTTP/1.0") << QByteArray("GET /a HTTP/1.0\r\n\r\n") << ok << 0;
    QTest::newRow("incomplete") << QByteArray("GET /a HTTP/1.1\r\nHost: x\r\n") << more << 0;
    QTest::newRow("nothing yet") << QByteArray() << more << 0;
    QTest::newRow("missing version") << QByteArray("GET /a\r\n\r\n") << err << 400;
    QTest::newRow("extra space") << QByteArray("GET  /a HTTP/1.1\r\n\r\n") << err << 400;
    QTest::newRow("three words after") << QByteArray("GET /a b HTTP/1.1\r\n\r\n") << err << 400;
    QTest::newRow("bad method") << QByteArray("G(T /a HTTP/1.1\r\n\r\n") << err << 400;
    QTest::newRow("HTTP/2.0") << QByteArray("GET /a HTTP/2.0\r\n\r\n") << err << 505;
    QTest::newRow("bad version") << QByteArray("GET /a HTTX/1.1\r\n\r\n") << err << 400;
    QTest::newRow("space before colon")
        << QByteArray("GET /a HTTP/1.1\r\nHost : x\r\n\r\n") << err << 400;
    QTest::newRow("no colon") << QByteArray("GET /a HTTP/1.1\r\nHost\r\n\r\n") << err << 400;
    QTest::newRow("obs-fold") << QByteArray("GET /a HTTP/1.1\r\nA: b\r\n c\r\n\r\n") << err << 400;
    QTest::newRow("NUL in value") << QByteArray("GET /a HTTP/1.1\r\nA: b\0c\r\n\r\n", 27) << err
                                  << 400;
    QTest::newRow("bare CR") << QByteArray("GET /a HTTP/1.1\r\nA: b\rc\r\n\r\n") << err << 400;
    QTest::newRow("too large complete")
        << (QByteArray("GET /a HTTP/1.1\r\nA: ") + QByteArray(9000, 'x') + "\r\n\r\n") << err
        << 431;
    QTest::newRow("too large incomplete")
        << (QByteArray("GET /a HTTP/1.1\r\nA: ") + QByteArray(9000, 'x')) << err << 431;
    QByteArray many("GET /a HTTP/1.1\r\n");
    for (int i = 0; i < 70; ++i)
        many += "X-" + QByteArray::number(i) + ": y\r\n";
    QTest::newRow("too many fields") << (many + "\r\n") << err << 431;
}

void TestHttpRequest::parseHead()
{
    QFETCH(QByteArray, input);
    QFETCH(int, status);
    QFETCH(int, errorStatus);
    const HeadParseResult r = parseRequestHead(input, 8192, 64);
    QCOMPARE(int(r.status), status);
    QCOMPARE(r.errorStatus, errorStatus);
}

void TestHttpRequest::parsesFieldsAndPipelinedRest()
{
    const QByteArray first("GET /x.npk?y=1 HTTP/1.1\r\nHost: a\r\nRange:  bytes=0-1 \r\n"
                           "CONNECTION: close\r\n\r\n");
    const QByteArray input = first + "HEAD /b HTTP/1.1\r\n\r\n";
    const HeadParseResult r = parseRequestHead(input, 8192, 64);
    QCOMPARE(int(r.status), int(Status::Complete));
    QCOMPARE(r.consumed, first.size());
    QCOMPARE(r.head.method, QByteArray("GET"));
    QCOMPARE(r.head.target, QByteArray("/x.npk?y=1"));
    QCOMPARE(r.head.versionMinor, 1);
    QCOMPARE(r.head.header("range"), QByteArray("bytes=0-1"));
    QCOMPARE(r.head.header("connection"), QByteArray("close"));
    QVERIFY(r.head.header("if-range").isNull());
    QCOMPARE(r.head.headerCount("host"), 1);
}

void TestHttpRequest::resolveTarget_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<int>("errorStatus");
    QTest::addColumn<QString>("name");

    QTest::newRow("plain") << QByteArray("/routeros-6.48.4.npk") << 0
                           << QStringLiteral("routeros-6.48.4.npk");
    QTest::newRow("sub folder") << QByteArray("/batch-1/upgrade.xml") << 0
                                << QStringLiteral("batch-1/upgrade.xml");
    QTest::newRow("encoded dot in name") << QByteArray("/a%2enpk") << 0 << QStringLiteral("a.npk");
    QTest::newRow("encoded space")
        << QByteArray("/my%20file.bin") << 0 << QStringLiteral("my file.bin");
    QTest::newRow("utf-8") << QByteArray("/caf%C3%A9.rsc") << 0 << QStringLiteral("caf\u00e9.rsc");
    QTest::newRow("query ignored") << QByteArray("/a.npk?x=1") << 0 << QStringLiteral("a.npk");
    QTest::newRow("absolute form")
        << QByteArray("https://host:8443/a.npk") << 0 << QStringLiteral("a.npk");
    QTest::newRow("root: no listing") << QByteArray("/") << 404 << QString();
    QTest::newRow("dot dot") << QByteArray("/../etc/passwd") << 400 << QString();
    QTest::newRow("dot dot inside") << QByteArray("/a/../b") << 400 << QString();
    QTest::newRow("dot") << QByteArray("/./a.npk") << 400 << QString();
    QTest::newRow("encoded dot dot") << QByteArray("/%2e%2e/etc/passwd") << 400 << QString();
    QTest::newRow("upper-case encoded dots") << QByteArray("/%2E%2E/x") << 400 << QString();
    QTest::newRow("mixed dots") << QByteArray("/.%2e/x") << 400 << QString();
    QTest::newRow("double encoded stays a name")
        << QByteArray("/%252e%252e") << 0 << QStringLiteral("%2e%2e");
    QTest::newRow("encoded slash") << QByteArray("/..%2fetc%2fpasswd") << 400 << QString();
    QTest::newRow("backslash") << QByteArray("/..\\windows") << 400 << QString();
    QTest::newRow("encoded backslash") << QByteArray("/..%5c..%5cwindows") << 400 << QString();
    QTest::newRow("NUL") << QByteArray("/a.npk%00.xml") << 400 << QString();
    QTest::newRow("control") << QByteArray("/a%0d%0aSet-Cookie") << 400 << QString();
    QTest::newRow("double slash") << QByteArray("//etc/passwd") << 400 << QString();
    QTest::newRow("trailing slash") << QByteArray("/a.npk/") << 400 << QString();
    QTest::newRow("relative") << QByteArray("a.npk") << 400 << QString();
    QTest::newRow("asterisk") << QByteArray("*") << 400 << QString();
    QTest::newRow("bad escape") << QByteArray("/%zz") << 400 << QString();
    QTest::newRow("truncated escape") << QByteArray("/a%2") << 400 << QString();
    QTest::newRow("overlong utf-8 dots") << QByteArray("/%c0%ae%c0%ae/x") << 400 << QString();
    QTest::newRow("utf-8 split by a slash") << QByteArray("/caf%C3/%A9.rsc") << 400 << QString();
    QTest::newRow("utf-8 in two segments")
        << QByteArray("/caf%C3%A9/%C3%A9.rsc") << 0 << QStringLiteral("caf\u00e9/\u00e9.rsc");
    QTest::newRow("dot segment last") << QByteArray("/a/%2E") << 400 << QString();
    QTest::newRow("three dots is a name") << QByteArray("/.../a") << 0 << QStringLiteral(".../a");
    QTest::newRow("fragment") << QByteArray("/a.npk#x") << 400 << QString();
    QTest::newRow("absolute without path") << QByteArray("http://host") << 400 << QString();
}

void TestHttpRequest::resolveTarget()
{
    QFETCH(QByteArray, target);
    QFETCH(int, errorStatus);
    QFETCH(QString, name);
    const TargetResult r = fwd::fileserver::resolveTarget(target);
    QCOMPARE(r.errorStatus, errorStatus);
    QCOMPARE(r.name, name);
}

void TestHttpRequest::publishedNames_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("accepted");
    QTest::newRow("file") << QStringLiteral("routeros-6.48.4.npk") << true;
    QTest::newRow("folder") << QStringLiteral("batch/upgrade.xml") << true;
    QTest::newRow("empty") << QString() << false;
    QTest::newRow("absolute") << QStringLiteral("/etc/passwd") << false;
    QTest::newRow("dot dot") << QStringLiteral("a/../b") << false;
    QTest::newRow("backslash") << QStringLiteral("a\\b") << false;
    QTest::newRow("double slash") << QStringLiteral("a//b") << false;
    QTest::newRow("control") << QStringLiteral("a\nb") << false;
}

void TestHttpRequest::publishedNames()
{
    QFETCH(QString, name);
    QFETCH(bool, accepted);
    QCOMPARE(checkPublishedName(name).isEmpty(), accepted);
}

void TestHttpRequest::contentTypes_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("type");
    QTest::newRow("npk") << QStringLiteral("routeros-x86-6.48.4.npk")
                         << QByteArray("application/octet-stream");
    QTest::newRow("NPK") << QStringLiteral("A.NPK") << QByteArray("application/octet-stream");
    QTest::newRow("xml") << QStringLiteral("b/upgrade.xml") << QByteArray("application/xml");
    QTest::newRow("alter") << QStringLiteral("setup.alter")
                           << QByteArray("text/plain; charset=utf-8");
    QTest::newRow("rsc") << QStringLiteral("config.rsc") << QByteArray("text/plain; charset=utf-8");
    QTest::newRow("bin") << QStringLiteral("fw.bin") << QByteArray("application/octet-stream");
    QTest::newRow("none") << QStringLiteral("dir.x/file") << QByteArray("application/octet-stream");
}

void TestHttpRequest::contentTypes()
{
    QFETCH(QString, name);
    QFETCH(QByteArray, type);
    QCOMPARE(contentTypeFor(name), type);
}

QTEST_GUILESS_MAIN(TestHttpRequest)
#include "tst_httprequest.moc"
