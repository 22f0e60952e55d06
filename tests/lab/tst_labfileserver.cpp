#include "core/clock.h"
#include "lab/labfileserver.h"
#include "lab/labstore.h"
#include "rawhttp.h"

#include <QCryptographicHash>
#include <QTest>

using namespace fwd::lab;
using fwd::lab::test::RawHttpClient;
using fwd::lab::test::RawResponse;

// genieacs-fs 1.2.16 (GENIEACS.md §5, N8; transcripts T072, T073).
class TestLabFileServer final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void answers_data();
    void answers();
    void etagIsUnquotedMd5();

private:
    std::unique_ptr<fwd::ManualClock> m_clock;
    std::unique_ptr<LabStore> m_store;
    std::unique_ptr<LabFileServer> m_fs;
    QByteArray m_content;
};

void TestLabFileServer::initTestCase()
{
    m_clock = std::make_unique<fwd::ManualClock>(
        QDateTime(QDate(2026, 12, 1), QTime(6, 36, 34, 239), Qt::UTC));
    m_store = std::make_unique<LabStore>(*m_clock);
    m_fs = std::make_unique<LabFileServer>(*m_store);
    QVERIFY(m_fs->listen());
    m_content.resize(65536);
    for (int i = 0; i < m_content.size(); ++i)
        m_content[i] = char(i * 7 + 3);
    m_store->putFile(QStringLiteral("fw-lab-1.bin"), m_content, {});
    m_store->putFile(QStringLiteral("dir/name.bin"), "abc", {});
    QCOMPARE(m_fs->urlPrefix(), QStringLiteral("http://127.0.0.1:%1/").arg(m_fs->port()));
}

void TestLabFileServer::answers_data()
{
    const QByteArray etag = LabFileServer::etag(
        QStringLiteral("fw-lab-1.bin"),
        QDateTime(QDate(2026, 12, 1), QTime(6, 36, 34, 239), Qt::UTC).toMSecsSinceEpoch(), 65536);
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("headerName");
    QTest::addColumn<QByteArray>("headerValue");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("contentRange");
    QTest::addColumn<int>("bodyStart");
    QTest::addColumn<int>("bodyLength");
    QTest::newRow("T072 HEAD") << QByteArray("HEAD") << QByteArray("/fw-lab-1.bin") << QByteArray()
                               << QByteArray() << 200 << QByteArray() << 0 << 0;
    QTest::newRow("GET") << QByteArray("GET") << QByteArray("/fw-lab-1.bin") << QByteArray()
                         << QByteArray() << 200 << QByteArray() << 0 << 65536;
    QTest::newRow("T073 Range 206")
        << QByteArray("GET") << QByteArray("/fw-lab-1.bin") << QByteArray("Range")
        << QByteArray("bytes=0-15") << 206 << QByteArray("bytes 0-15/65536") << 0 << 16;
    // fs.ts computes end = 10 + 1 before start = length - 10, so a suffix range is never
    // satisfiable.
    QTest::newRow("suffix range (1.2.16 answers 416)")
        << QByteArray("GET") << QByteArray("/fw-lab-1.bin") << QByteArray("Range")
        << QByteArray("bytes=-10") << 416 << QByteArray("bytes */65536") << 0 << 0;
    QTest::newRow("open range") << QByteArray("GET") << QByteArray("/fw-lab-1.bin")
                                << QByteArray("Range") << QByteArray("bytes=65000-") << 206
                                << QByteArray("bytes 65000-65535/65536") << 65000 << 536;
    QTest::newRow("416 out of range")
        << QByteArray("GET") << QByteArray("/fw-lab-1.bin") << QByteArray("Range")
        << QByteArray("bytes=70000-70010") << 416 << QByteArray("bytes */65536") << 0 << 0;
    QTest::newRow("304 If-None-Match")
        << QByteArray("GET") << QByteArray("/fw-lab-1.bin") << QByteArray("If-None-Match") << etag
        << 304 << QByteArray() << 0 << 0;
    QTest::newRow("304 If-Modified-Since")
        << QByteArray("GET") << QByteArray("/fw-lab-1.bin") << QByteArray("If-Modified-Since")
        << QByteArray("Tue, 01 Dec 2026 06:36:34 GMT") << 304 << QByteArray() << 0 << 0;
    QTest::newRow("412 If-Match") << QByteArray("GET") << QByteArray("/fw-lab-1.bin")
                                  << QByteArray("If-Match") << QByteArray("\"other\"") << 412
                                  << QByteArray() << 0 << 0;
    QTest::newRow("If-Match quoted ok")
        << QByteArray("HEAD") << QByteArray("/fw-lab-1.bin") << QByteArray("If-Match")
        << QByteArray("\"" + etag + "\"") << 200 << QByteArray() << 0 << 0;
    QTest::newRow("404 missing") << QByteArray("GET") << QByteArray("/missing.bin") << QByteArray()
                                 << QByteArray() << 404 << QByteArray() << 0 << 0;
    QTest::newRow("405 POST") << QByteArray("POST") << QByteArray("/fw-lab-1.bin") << QByteArray()
                              << QByteArray() << 405 << QByteArray() << 0 << 21;
    QTest::newRow("W3 %2F name") << QByteArray("GET") << QByteArray("/dir%2Fname.bin")
                                 << QByteArray() << QByteArray() << 200 << QByteArray() << 0 << 3;
    QTest::newRow("W3 literal slash")
        << QByteArray("GET") << QByteArray("/dir/name.bin") << QByteArray() << QByteArray() << 200
        << QByteArray() << 0 << 3;
}

void TestLabFileServer::answers()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, headerName);
    QFETCH(QByteArray, headerValue);
    QFETCH(int, status);
    QFETCH(QByteArray, contentRange);
    QFETCH(int, bodyStart);
    QFETCH(int, bodyLength);
    RawHttpClient c(m_fs->port());
    QList<QPair<QByteArray, QByteArray>> headers;
    if (!headerName.isEmpty())
        headers.append({headerName, headerValue});
    const RawResponse r = c.request(method, path, {}, headers);
    QCOMPARE(r.status, status);
    QVERIFY(!r.hasHeader("GenieACS-Version"));
    QCOMPARE(r.header("Content-Range"), contentRange);
    if (status == 405) {
        QCOMPARE(r.header("Allow"), QByteArray("GET, HEAD"));
        QCOMPARE(r.body, QByteArray("405 Method Not Allowed"));
        return;
    }
    if (status == 200 || status == 206) {
        QCOMPARE(r.header("Accept-Ranges"), QByteArray("bytes"));
        QCOMPARE(r.header("Content-Type"), QByteArray("application/octet-stream"));
        QCOMPARE(r.header("Last-Modified"), path.contains("fw-lab")
                                                ? QByteArray("Tue, 01 Dec 2026 06:36:34 GMT")
                                                : r.header("Last-Modified"));
        if (method == "HEAD" && path.contains("fw-lab"))
            QCOMPARE(r.header("Content-Length"), QByteArray("65536"));
    }
    const QByteArray &source = path.contains("fw-lab") ? m_content : QByteArray("abc");
    QCOMPARE(r.body, source.mid(bodyStart, bodyLength));
}

void TestLabFileServer::etagIsUnquotedMd5()
{
    RawHttpClient c(m_fs->port());
    const RawResponse r = c.request("HEAD", "/fw-lab-1.bin");
    const qint64 ms =
        QDateTime(QDate(2026, 12, 1), QTime(6, 36, 34, 239), Qt::UTC).toMSecsSinceEpoch();
    QCOMPARE(r.header("ETag"), QCryptographicHash::hash(
                                   QByteArray("fw-lab-1.bin-" + QByteArray::number(ms) + "-65536"),
                                   QCryptographicHash::Md5)
                                   .toHex());
    QVERIFY(!r.header("ETag").startsWith('"'));
}

QTEST_GUILESS_MAIN(TestLabFileServer)
#include "tst_labfileserver.moc"
