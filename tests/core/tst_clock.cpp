#include "core/clock.h"

#include <QTest>

class TestClock final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void manualClockMovesOnlyWhenTold();
    void acceleratedClockRunsFaster();
};

void TestClock::manualClockMovesOnlyWhenTold()
{
    const QDateTime start(QDate(2026, 12, 1), QTime(2, 0), Qt::UTC);
    fwd::ManualClock clock(start);
    QCOMPARE(clock.now(), start);
    clock.advance(30 * 60 * 1000);
    QCOMPARE(clock.now(), start.addSecs(30 * 60));
    QCOMPARE(clock.nowMs(), start.addSecs(30 * 60).toMSecsSinceEpoch());
}

void TestClock::acceleratedClockRunsFaster()
{
    const QDateTime realStart(QDate(2026, 12, 1), QTime(0, 0), Qt::UTC);
    const QDateTime simStart(QDate(2030, 1, 1), QTime(0, 0), Qt::UTC);
    fwd::ManualClock real(realStart);
    fwd::AcceleratedClock fast(simStart, 600.0, real);
    QCOMPARE(fast.now(), simStart);
    real.advance(3000);                              // 3 real seconds
    QCOMPARE(fast.now(), simStart.addSecs(30 * 60)); // 30 simulated minutes
    QCOMPARE(fast.realMsFor(30 * 60 * 1000), qint64(3000));
}

QTEST_GUILESS_MAIN(TestClock)
#include "tst_clock.moc"
