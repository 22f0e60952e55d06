// 200 parallel HTTPS downloads of a 30 MB file, each checked by SHA-256 (issue 5, "Show").
#include "testclient.h"

#include "fileserver/accesslog.h"
#include "fileserver/fileserver.h"

#include "core/clock.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QFile>
#include <QRandomGenerator>
#include <QSslCertificate>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <vector>

using namespace fwd::fileserver;
using fwd::fileserver::test::RawClient;

class TestFileServerLoad final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parallelDownloads();
};

void TestFileServerLoad::parallelDownloads()
{
    constexpr int kClients = 200;
    constexpr qint64 kSize = 30 * 1000 * 1000;

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("routeros-x86-6.48.4.npk"));
    QCryptographicHash expected(QCryptographicHash::Sha256);
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QRandomGenerator gen(42);
        QByteArray block(1000 * 1000, Qt::Uninitialized);
        for (qint64 written = 0; written < kSize; written += block.size()) {
            gen.fillRange(reinterpret_cast<quint32 *>(block.data()), block.size() / 4);
            expected.addData(block);
            QCOMPARE(f.write(block), block.size());
        }
    }
    const QByteArray expectedHex = expected.result().toHex();

    fwd::SystemClock clock;
    MemoryAccessLogSink log;
    FileServer server(clock, &log);
    PublishedFile pf;
    pf.name = QStringLiteral("routeros-x86-6.48.4.npk");
    pf.absolutePath = path;
    pf.etag = QString::fromLatin1(expectedHex);
    QCOMPARE(server.publish(pf), QString());
    FileServerConfig config;
    config.bindAddress = QHostAddress::LocalHost;
    config.dataDirectory = dir.filePath(QStringLiteral("data"));
    QVERIFY2(server.start(config), qPrintable(server.errorString()));
    const QList<QSslCertificate> trusted =
        QSslCertificate::fromData(server.identity().certificateChainPem);

    QElapsedTimer timer;
    timer.start();
    std::vector<std::unique_ptr<RawClient>> clients;
    for (int i = 0; i < kClients; ++i) {
        auto c = std::make_unique<RawClient>(RawClient::Tls::Trusting, trusted);
        c->setKeepBodyLimit(0);
        c->setReadBufferSize(256 * 1024);
        RawClient *raw = c.get();
        connect(raw, &RawClient::ready, raw,
                [raw] { raw->get("/routeros-x86-6.48.4.npk", "User-Agent: load-test\r\n"); });
        c->connectTo(server.port());
        clients.push_back(std::move(c));
    }
    qint64 peakBuffered = 0;
    auto finished = [&] {
        peakBuffered = qMax(peakBuffered, server.stats().bufferedBytes);
        int n = 0;
        for (const auto &c : clients)
            n += (c->responses().size() == 1 || c->isDisconnected()) ? 1 : 0;
        return n;
    };
    QTRY_COMPARE_WITH_TIMEOUT(finished(), kClients, 120000);
    const double seconds = double(timer.elapsed()) / 1000.0;

    for (const auto &c : clients) {
        QVERIFY(!c->hadSslErrors());
        QCOMPARE(c->responses().size(), 1);
        QCOMPARE(c->responses()[0].status, 200);
        QCOMPARE(c->responses()[0].bodyBytes, kSize);
        QCOMPARE(c->responses()[0].sha256, expectedHex);
    }
    qInfo().noquote() << QStringLiteral("%1 x %2 MB over HTTPS in %3 s: %4 MB/s")
                             .arg(kClients)
                             .arg(kSize / 1000000)
                             .arg(seconds, 0, 'f', 1)
                             .arg(double(kClients) * double(kSize) / 1e6 / seconds, 0, 'f', 0);
    // The server never holds more than a chunk (plus the response head) per download.
    qInfo() << "peak server response buffers:" << peakBuffered << "bytes";
    QVERIFY(peakBuffered <= kClients * (config.chunkBytes + 2048));
    const FileCounters counters = server.counters(pf.name);
    QCOMPARE(counters.completed, kClients);
    QCOMPARE(counters.brokenOff, 0);
    QCOMPARE(counters.bytesSent, kClients * kSize);
    QTRY_COMPARE(log.size(), kClients);
    QCOMPARE(server.stats().acceptedConnections, kClients);
}

QTEST_GUILESS_MAIN(TestFileServerLoad)
#include "tst_fileserverload.moc"
