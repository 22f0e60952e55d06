#include "fileserver/httpdate.h"

#include <QTest>
#include <QTimeZone>

using namespace fwd::fileserver;

class TestHttpDate final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void format();
    void parse_data();
    void parse();
};

void TestHttpDate::format()
{
    const QDateTime t(QDate(1994, 11, 6), QTime(8, 49, 37), QTimeZone::utc());
    QCOMPARE(formatHttpDate(t), QByteArray("Sun, 06 Nov 1994 08:49:37 GMT"));
    // Another zone is converted to UTC; names stay English whatever the locale.
    QLocale::setDefault(QLocale(QLocale::German));
    const QDateTime berlin(QDate(2026, 12, 1), QTime(10, 0, 5), QTimeZone("Europe/Berlin"));
    QCOMPARE(formatHttpDate(berlin), QByteArray("Tue, 01 Dec 2026 09:00:05 GMT"));
    QLocale::setDefault(QLocale::c());
}

void TestHttpDate::parse_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QDateTime>("expected");
    const QDateTime t(QDate(1994, 11, 6), QTime(8, 49, 37), QTimeZone::utc());
    QTest::newRow("IMF-fixdate") << QByteArray("Sun, 06 Nov 1994 08:49:37 GMT") << t;
    QTest::newRow("RFC 850") << QByteArray("Sunday, 06-Nov-94 08:49:37 GMT") << t;
    QTest::newRow("asctime") << QByteArray("Sun Nov  6 08:49:37 1994") << t;
    QTest::newRow("surrounding spaces") << QByteArray("  Sun, 06 Nov 1994 08:49:37 GMT ") << t;
    QTest::newRow("not GMT") << QByteArray("Sun, 06 Nov 1994 08:49:37 PST") << QDateTime();
    QTest::newRow("bad month") << QByteArray("Sun, 06 Foo 1994 08:49:37 GMT") << QDateTime();
    QTest::newRow("bad day") << QByteArray("Sun, 31 Nov 1994 08:49:37 GMT") << QDateTime();
    QTest::newRow("bad time") << QByteArray("Sun, 06 Nov 1994 25:49:37 GMT") << QDateTime();
    QTest::newRow("garbage") << QByteArray("yesterday") << QDateTime();
    QTest::newRow("empty") << QByteArray() << QDateTime();
}

void TestHttpDate::parse()
{
    QFETCH(QByteArray, text);
    QFETCH(QDateTime, expected);
    const QDateTime parsed = parseHttpDate(text);
    QCOMPARE(parsed.isValid(), expected.isValid());
    if (expected.isValid())
        QCOMPARE(parsed, expected);
}

QTEST_GUILESS_MAIN(TestHttpDate)
#include "tst_httpdate.moc"
