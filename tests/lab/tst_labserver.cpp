#include "core/clock.h"
#include "lab/fleet.h"
#include "lab/labserver.h"
#include "lab/labstore.h"
#include "lab/nbiserver.h"
#include "rawhttp.h"

#include <QTest>

using namespace fwd::lab;
using fwd::lab::test::RawHttpClient;
using fwd::lab::test::RawResponse;

// LabServer as other tests and the product embed it: an injected clock, ports 0, a profile
// object, crash emulation options.
class TestLabServer final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void embeddedWithInjectedClock();
    void badProfileFileIsReported();
};

void TestLabServer::embeddedWithInjectedClock()
{
    fwd::ManualClock clock(QDateTime(QDate(2026, 12, 1), QTime(2, 0), Qt::UTC));
    LabServer::Options o;
    o.devices = 20;
    o.nbiPort = 0;
    o.fsPort = 0;
    o.tickMs = 3600 * 1000;
    o.crashCloseDelayMs = 0;
    o.crashOutageMs = 300;
    o.maxConcurrentRequests = 5; // overrides the profile's 20
    FleetProfile profile = FleetProfile::defaultProfile();
    profile.failures.offline = 1; // every router offline
    o.profile = profile;
    LabServer lab(o, &clock);
    QVERIFY2(lab.start(), qPrintable(lab.errorString()));
    QVERIFY(lab.nbiPort() != 0 && lab.fsPort() != 0);
    QCOMPARE(lab.fsUrlPrefix(), QStringLiteral("http://127.0.0.1:%1/").arg(lab.fsPort()));
    QCOMPARE(&lab.clock(), static_cast<const fwd::Clock *>(&clock));
    QCOMPARE(lab.fleet().profile().maxConcurrentRequests, 5);
    RawHttpClient c(lab.nbiPort());
    QCOMPARE(c.request("HEAD", "/devices/").header("total"), QByteArray("20"));
    const QByteArray id = lab.fleet().deviceId(0).toUtf8().toPercentEncoding();
    const RawResponse r = c.request("POST", "/devices/" + id + "/tasks?connection_request");
    QCOMPARE(r.status, 504);
    QCOMPARE(r.reason, QByteArray("Device is offline"));
    QVERIFY(lab.statsLine().startsWith(
        QLatin1String("stats lab-time=2026-12-01T02:00:00Z sessions=20 devices=20 ")));
    // Time only moves with the injected clock.
    clock.advance(3600 * 1000);
    lab.fleet().processDue();
    QVERIFY(
        lab.statsLine().contains(QLatin1String("sessions=20 "))); // offline routers never inform
    // The crash emulation options reach the NBI.
    QSignalSpy recovered(&lab.nbi().http(), &HttpServer::recovered);
    QVERIFY(c.request("DELETE", "/tasks/nothex").closedWithoutResponse);
    RawHttpClient during(lab.nbiPort());
    QVERIFY(during.request("GET", "/devices/", {}, {}, 2000).refused);
    QVERIFY(recovered.wait(5000));
    RawHttpClient after(lab.nbiPort());
    QCOMPARE(after.request("HEAD", "/devices/").status, 200);
}

void TestLabServer::badProfileFileIsReported()
{
    LabServer::Options o;
    o.nbiPort = 0;
    o.fsPort = 0;
    o.profileFile = QStringLiteral("/nonexistent/profile.json");
    LabServer lab(o);
    QVERIFY(!lab.start());
    QVERIFY(lab.errorString().contains(QLatin1String("profile")));
}

QTEST_GUILESS_MAIN(TestLabServer)
#include "tst_labserver.moc"
