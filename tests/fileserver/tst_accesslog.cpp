#include "fileserver/accesslog.h"

#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <memory>
#include <vector>

using namespace fwd::fileserver;

namespace {

AccessRecord recordFor(int i)
{
    AccessRecord r;
    r.file = QStringLiteral("f%1.npk").arg(i);
    r.status = 200;
    r.bytesSent = i;
    return r;
}

} // namespace

class TestAccessLog final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void memorySinkKeepsTheNewest();
    void batcherHandsOverInBatches();
    void batcherTakesRecordsFromManyThreads();
    void batcherDropsOldestBeyondItsBound();
    void batchesKeepOrderAndBounds();
};

void TestAccessLog::memorySinkKeepsTheNewest()
{
    MemoryAccessLogSink sink(3);
    for (int i = 0; i < 5; ++i)
        sink.record(recordFor(i));
    QCOMPARE(sink.size(), 3);
    QCOMPARE(sink.records().first().bytesSent, 2);
    QCOMPARE(sink.records().last().bytesSent, 4);
    sink.clear();
    QCOMPARE(sink.size(), 0);
}

void TestAccessLog::batcherHandsOverInBatches()
{
    AccessLogBatcher batcher(50);
    QSignalSpy spy(&batcher, &AccessLogBatcher::batchReady);
    for (int i = 0; i < 10; ++i)
        batcher.record(recordFor(i));
    QVERIFY(spy.wait(5000));
    QCOMPARE(spy.size(), 1);
    const auto batch = spy.first().first().value<QList<AccessRecord>>();
    QCOMPARE(batch.size(), 10);
    QCOMPARE(batch.first().file, QStringLiteral("f0.npk"));
    // Nothing pending: no empty batches.
    QVERIFY(!spy.wait(200));
    batcher.record(recordFor(42));
    batcher.flush();
    QCOMPARE(spy.size(), 2);
    QCOMPARE(spy.last().first().value<QList<AccessRecord>>().first().bytesSent, 42);
}

void TestAccessLog::batcherTakesRecordsFromManyThreads()
{
    AccessLogBatcher batcher(20);
    qint64 received = 0;
    qint64 sum = 0;
    connect(&batcher, &AccessLogBatcher::batchReady, this, [&](const QList<AccessRecord> &batch) {
        received += batch.size();
        for (const AccessRecord &r : batch)
            sum += r.bytesSent;
    });
    constexpr int kThreads = 4;
    constexpr int kEach = 5000;
    std::vector<std::unique_ptr<QThread>> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back(QThread::create([&batcher] {
            for (int i = 0; i < kEach; ++i)
                batcher.record(recordFor(i));
        }));
        threads.back()->start();
    }
    for (auto &t : threads)
        QVERIFY(t->wait(30000));
    QTRY_COMPARE(received, qint64(kThreads * kEach));
    QCOMPARE(sum, qint64(kThreads) * (qint64(kEach) * (kEach - 1) / 2));
    QCOMPARE(batcher.dropped(), 0);
}

void TestAccessLog::batcherDropsOldestBeyondItsBound()
{
    AccessLogBatcher batcher(10000, 100);
    QSignalSpy spy(&batcher, &AccessLogBatcher::batchReady);
    for (int i = 0; i < 150; ++i)
        batcher.record(recordFor(i));
    QCOMPARE(batcher.dropped(), 50);
    batcher.flush();
    QCOMPARE(spy.size(), 1);
    const auto batch = spy.first().first().value<QList<AccessRecord>>();
    QCOMPARE(batch.size(), 100);
    QCOMPARE(batch.first().bytesSent, 50);
}

// recordBatch(): what the workers call once per turn of their loops. Order is kept, the bounds
// hold as for single records, and the caller's list is taken.
void TestAccessLog::batchesKeepOrderAndBounds()
{
    auto batchOf = [](int from, int count) {
        QList<AccessRecord> batch;
        for (int i = from; i < from + count; ++i)
            batch.append(recordFor(i));
        return batch;
    };
    AccessLogBatcher batcher(10000, 100);
    QSignalSpy spy(&batcher, &AccessLogBatcher::batchReady);
    QList<AccessRecord> first = batchOf(0, 60);
    batcher.recordBatch(first);
    QVERIFY(first.isEmpty());
    batcher.record(recordFor(60));
    QList<AccessRecord> second = batchOf(61, 60);
    batcher.recordBatch(second);
    QVERIFY(second.isEmpty());
    QCOMPARE(batcher.dropped(), 21);
    batcher.flush();
    QCOMPARE(spy.size(), 1);
    const auto batch = spy.first().first().value<QList<AccessRecord>>();
    QCOMPARE(batch.size(), 100);
    for (int i = 0; i < batch.size(); ++i)
        QCOMPARE(batch[i].bytesSent, qint64(21 + i));

    MemoryAccessLogSink sink(50);
    QList<AccessRecord> many = batchOf(0, 80);
    sink.recordBatch(many);
    QVERIFY(many.isEmpty());
    QCOMPARE(sink.size(), 50);
    QCOMPARE(sink.records().first().bytesSent, 30);
    QCOMPARE(sink.records().last().bytesSent, 79);
}

QTEST_GUILESS_MAIN(TestAccessLog)
#include "tst_accesslog.moc"
