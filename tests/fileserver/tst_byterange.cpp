#include "fileserver/byterange.h"

#include <QTest>

using fwd::fileserver::ByteRange;
using fwd::fileserver::evaluateRange;

class TestByteRange final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void evaluate_data();
    void evaluate();
};

void TestByteRange::evaluate_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<qint64>("size");
    QTest::addColumn<int>("kind");
    QTest::addColumn<qint64>("first");
    QTest::addColumn<qint64>("last");

    const int full = int(ByteRange::Kind::Full);
    const int part = int(ByteRange::Kind::Partial);
    const int none = int(ByteRange::Kind::Unsatisfiable);
    QTest::newRow("first 100") << QByteArray("bytes=0-99") << qint64(1000) << part << qint64(0)
                               << qint64(99);
    QTest::newRow("open end") << QByteArray("bytes=100-") << qint64(1000) << part << qint64(100)
                              << qint64(999);
    QTest::newRow("suffix") << QByteArray("bytes=-100") << qint64(1000) << part << qint64(900)
                            << qint64(999);
    QTest::newRow("suffix longer than file")
        << QByteArray("bytes=-5000") << qint64(1000) << part << qint64(0) << qint64(999);
    QTest::newRow("last clamped") << QByteArray("bytes=990-5000") << qint64(1000) << part
                                  << qint64(990) << qint64(999);
    QTest::newRow("last byte") << QByteArray("bytes=999-999") << qint64(1000) << part << qint64(999)
                               << qint64(999);
    QTest::newRow("unit case-insensitive")
        << QByteArray("Bytes=0-0") << qint64(1000) << part << qint64(0) << qint64(0);
    QTest::newRow("spaces tolerated")
        << QByteArray(" bytes= 1 - 2 ") << qint64(1000) << part << qint64(1) << qint64(2);
    QTest::newRow("start at size")
        << QByteArray("bytes=1000-") << qint64(1000) << none << qint64(0) << qint64(-1);
    QTest::newRow("start past size")
        << QByteArray("bytes=5000-6000") << qint64(1000) << none << qint64(0) << qint64(-1);
    QTest::newRow("zero suffix") << QByteArray("bytes=-0") << qint64(1000) << none << qint64(0)
                                 << qint64(-1);
    QTest::newRow("empty file") << QByteArray("bytes=0-") << qint64(0) << none << qint64(0)
                                << qint64(-1);
    QTest::newRow("reversed ignored")
        << QByteArray("bytes=5-3") << qint64(1000) << full << qint64(0) << qint64(999);
    QTest::newRow("several ranges ignored")
        << QByteArray("bytes=0-1,5-9") << qint64(1000) << full << qint64(0) << qint64(999);
    QTest::newRow("other unit ignored")
        << QByteArray("items=0-5") << qint64(1000) << full << qint64(0) << qint64(999);
    QTest::newRow("garbage ignored")
        << QByteArray("bytes=abc") << qint64(1000) << full << qint64(0) << qint64(999);
    QTest::newRow("no dash ignored")
        << QByteArray("bytes=100") << qint64(1000) << full << qint64(0) << qint64(999);
    QTest::newRow("negative ignored")
        << QByteArray("bytes=-1-5") << qint64(1000) << full << qint64(0) << qint64(999);
    QTest::newRow("overflow ignored") << QByteArray("bytes=99999999999999999999-") << qint64(1000)
                                      << full << qint64(0) << qint64(999);
    QTest::newRow("empty set ignored")
        << QByteArray("bytes=") << qint64(1000) << full << qint64(0) << qint64(999);
}

void TestByteRange::evaluate()
{
    QFETCH(QByteArray, header);
    QFETCH(qint64, size);
    QFETCH(int, kind);
    QFETCH(qint64, first);
    QFETCH(qint64, last);
    const ByteRange r = evaluateRange(header, size);
    QCOMPARE(int(r.kind), kind);
    if (r.kind != ByteRange::Kind::Unsatisfiable) {
        QCOMPARE(r.first, first);
        QCOMPARE(r.last, last);
    }
}

QTEST_GUILESS_MAIN(TestByteRange)
#include "tst_byterange.moc"
