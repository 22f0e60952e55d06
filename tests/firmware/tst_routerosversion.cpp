#include "firmware/routerosversion.h"

#include <QTest>

using fwd::firmware::RouterOsVersion;

class TestRouterOsVersion final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parseAndEncode_data();
    void parseAndEncode();
    void invalid_data();
    void invalid();
    void ordering();
};

void TestRouterOsVersion::parseAndEncode_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("normalized");
    QTest::addColumn<QByteArray>("bytes");
    // Byte examples from MIKROTIK.md §2.5 (real files and kost/mikrotik-npk#8).
    QTest::newRow("6.48.4") << QStringLiteral("6.48.4") << QStringLiteral("6.48.4")
                            << QByteArray("\x04\x66\x30\x06", 4);
    QTest::newRow("6.44") << QStringLiteral("6.44") << QStringLiteral("6.44")
                          << QByteArray("\x00\x66\x2c\x06", 4);
    QTest::newRow("7.0beta1") << QStringLiteral("7.0beta1") << QStringLiteral("7.0beta1")
                              << QByteArray("\x01\x62\x00\x07", 4);
    QTest::newRow("7.22rc4") << QStringLiteral("7.22rc4") << QStringLiteral("7.22rc4")
                             << QByteArray("\x04\x63\x16\x07", 4);
    QTest::newRow("7.23alpha2") << QStringLiteral("7.23alpha2") << QStringLiteral("7.23alpha2")
                                << QByteArray("\x02\x61\x17\x07", 4);
    QTest::newRow("channel suffix") << QStringLiteral("7.20.6 (stable)") << QStringLiteral("7.20.6")
                                    << QByteArray("\x06\x66\x14\x07", 4);
    QTest::newRow("x.y.0") << QStringLiteral("v6.44.0") << QStringLiteral("6.44")
                           << QByteArray("\x00\x66\x2c\x06", 4);
}

void TestRouterOsVersion::parseAndEncode()
{
    QFETCH(QString, text);
    QFETCH(QString, normalized);
    QFETCH(QByteArray, bytes);
    const auto v = RouterOsVersion::fromString(text);
    QVERIFY(v);
    QCOMPARE(v->toString(), normalized);
    QCOMPARE(v->toNpkBytes(), bytes);
    const auto back = RouterOsVersion::fromNpkBytes(bytes);
    QVERIFY(back);
    QCOMPARE(*back, *v);
}

void TestRouterOsVersion::invalid_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("empty") << QString();
    QTest::newRow("one number") << QStringLiteral("6");
    QTest::newRow("words") << QStringLiteral("latest");
    QTest::newRow("four parts") << QStringLiteral("6.48.4.1");
    QTest::newRow("unknown pre-release") << QStringLiteral("7.1gamma1");
    QTest::newRow("too large") << QStringLiteral("6.300");
}

void TestRouterOsVersion::invalid()
{
    QFETCH(QString, text);
    QVERIFY(!RouterOsVersion::fromString(text));
    QVERIFY(!RouterOsVersion::fromNpkBytes(QByteArray("\x01\x7a\x00\x07", 4))); // 'z'
    QVERIFY(!RouterOsVersion::fromNpkBytes(QByteArray("\x01\x66", 2)));
}

void TestRouterOsVersion::ordering()
{
    auto v = [](const char *s) {
        return *RouterOsVersion::fromString(QLatin1String(s));
    };
    QVERIFY(v("7.22beta1") < v("7.22rc1"));
    QVERIFY(v("7.22rc4") < v("7.22"));
    QVERIFY(v("7.22") < v("7.22.1"));
    QVERIFY(v("6.48.4") < v("6.49"));
    QVERIFY(v("6.9") < v("6.10"));
    QVERIFY(v("6.49.10") < v("7.0beta1"));
    QCOMPARE(v("6.44"), v("6.44.0"));
}

QTEST_GUILESS_MAIN(TestRouterOsVersion)
#include "tst_routerosversion.moc"
