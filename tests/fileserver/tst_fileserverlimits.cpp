// The file server when the process runs out of file descriptors: downloads get 503 with
// Retry-After instead of a misleading error, and accepting resumes once descriptors are free.
#include "testclient.h"

#include "fileserver/fileserver.h"

#include "core/clock.h"

#include <QFile>
#include <QSslCertificate>
#include <QTemporaryDir>
#include <QTest>

#include <fcntl.h>
#include <unistd.h>

#include <vector>

using namespace fwd::fileserver;
using fwd::fileserver::test::RawClient;

class TestFileServerLimits final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void survivesDescriptorExhaustion();
};

void TestFileServerLimits::survivesDescriptorExhaustion()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("firmware.npk"));
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(5000, 'x'));
    }
    fwd::SystemClock clock;
    FileServer server(clock);
    PublishedFile pf;
    pf.name = QStringLiteral("firmware.npk");
    pf.absolutePath = path;
    QCOMPARE(server.publish(pf), QString());
    FileServerConfig config;
    config.bindAddress = QHostAddress::LocalHost;
    config.dataDirectory = dir.filePath(QStringLiteral("data"));
    QVERIFY2(server.start(config), qPrintable(server.errorString()));
    const auto trusted = QSslCertificate::fromData(server.identity().certificateChainPem);

    RawClient first(RawClient::Tls::Trusting, trusted);
    first.connectTo(server.port());
    QTRY_VERIFY(first.isReady());

    // Use up every descriptor of the process.
    std::vector<int> hogs;
    for (;;) {
        const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            break;
        hogs.push_back(fd);
    }
    QVERIFY(hogs.size() > 10);

    first.get("/firmware.npk");
    QTRY_COMPARE(first.responses().size(), 1);
    QCOMPARE(first.responses()[0].status, 503);
    QCOMPARE(first.responses()[0].header("retry-after"), QByteArray("5"));

    // The 503 closed that connection on both sides: take the descriptors it gave back too.
    QTRY_VERIFY(first.isDisconnected());
    QTRY_COMPARE(server.stats().openConnections, 0);
    for (;;) {
        const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            break;
        hogs.push_back(fd);
    }
    // One descriptor for the client's socket; the server cannot accept it yet.
    ::close(hogs.back());
    hogs.pop_back();
    RawClient second(RawClient::Tls::Trusting, trusted);
    second.connectTo(server.port());
    // No descriptor for the server's side: the connection is not served meanwhile.
    QVERIFY(!QTest::qWaitFor([&] { return second.isReady(); }, 500));
    QCOMPARE(server.stats().acceptedConnections, 1);
    for (int fd : hogs)
        ::close(fd);
    hogs.clear();
    QTRY_VERIFY_WITH_TIMEOUT(second.isReady(), 10000);
    second.get("/firmware.npk");
    QTRY_COMPARE(second.responses().size(), 1);
    QCOMPARE(second.responses()[0].status, 200);
    QCOMPARE(second.responses()[0].bodyBytes, 5000);
}

QTEST_GUILESS_MAIN(TestFileServerLimits)
#include "tst_fileserverlimits.moc"
