#include "firmware/safefilename.h"

#include <QTest>

using fwd::firmware::SafeFileName;

class TestSafeFileName final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void check_data();
    void check();
    void suggestionIsAlwaysSafe_data();
    void suggestionIsAlwaysSafe();
    void longNameKeepsExtension();
};

void TestSafeFileName::check_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("safe");
    QTest::addColumn<QString>("suggestion");
    QTest::addColumn<QString>("problemMentions");

    QTest::newRow("v6 bundle") << QStringLiteral("routeros-x86-6.48.4.npk") << true
                               << QStringLiteral("routeros-x86-6.48.4.npk") << QString();
    QTest::newRow("descriptor") << QStringLiteral("upgrade_6.48.4_x86.xml") << true
                                << QStringLiteral("upgrade_6.48.4_x86.xml") << QString();
    QTest::newRow("space") << QStringLiteral("my config.alter") << false
                           << QStringLiteral("my_config.alter") << QStringLiteral("space");
    QTest::newRow("hash and query") << QStringLiteral("fw#1?.npk") << false
                                    << QStringLiteral("fw_1.npk") << QStringLiteral("\"#\"");
    QTest::newRow("ampersand") << QStringLiteral("a&b.xml") << false << QStringLiteral("a_b.xml")
                               << QStringLiteral("\"&\"");
    QTest::newRow("percent") << QStringLiteral("100%.rsc") << false << QStringLiteral("100.rsc")
                             << QStringLiteral("\"%\"");
    QTest::newRow("slash") << QStringLiteral("dir/name.bin") << false
                           << QStringLiteral("dir_name.bin") << QStringLiteral("\"/\"");
    QTest::newRow("accents") << QStringLiteral("configuração.alter") << false
                             << QStringLiteral("configuracao.alter") << QStringLiteral("\"ç\"");
    QTest::newRow("hidden") << QStringLiteral(".hidden.rsc") << false
                            << QStringLiteral("hidden.rsc") << QStringLiteral("dot");
    QTest::newRow("leading dash") << QStringLiteral("-rf.npk") << false << QStringLiteral("rf.npk")
                                  << QStringLiteral("dash");
    QTest::newRow("empty") << QString() << false << QStringLiteral("file")
                           << QStringLiteral("empty");
    QTest::newRow("only symbols") << QStringLiteral("???") << false << QStringLiteral("file")
                                  << QStringLiteral("\"?\"");
    QTest::newRow("dot dot") << QStringLiteral("..") << false << QStringLiteral("file")
                             << QStringLiteral("..");
    QTest::newRow("control char") << QStringLiteral("a\tb.xml") << false
                                  << QStringLiteral("a_b.xml") << QStringLiteral("U+0009");
}

void TestSafeFileName::check()
{
    QFETCH(QString, name);
    QFETCH(bool, safe);
    QFETCH(QString, suggestion);
    QFETCH(QString, problemMentions);

    QCOMPARE(SafeFileName::isSafe(name), safe);
    const QStringList problems = SafeFileName::problems(name);
    QCOMPARE(problems.isEmpty(), safe);
    if (!problemMentions.isEmpty())
        QVERIFY2(problems.join(u' ').contains(problemMentions), qPrintable(problems.join(u' ')));
    QCOMPARE(SafeFileName::suggest(name), suggestion);
}

void TestSafeFileName::suggestionIsAlwaysSafe_data()
{
    QTest::addColumn<QString>("name");
    QTest::newRow("unicode") << QStringLiteral("файл прошивки.npk");
    QTest::newRow("emoji") << QStringLiteral("\U0001F600.rsc");
    QTest::newRow("dots") << QStringLiteral("...");
    QTest::newRow("mixed") << QStringLiteral(" _-.a b c._- ");
    QTest::newRow("long") << QString(500, QLatin1Char('x'));
}

void TestSafeFileName::suggestionIsAlwaysSafe()
{
    QFETCH(QString, name);
    const QString s = SafeFileName::suggest(name);
    QVERIFY2(SafeFileName::isSafe(s), qPrintable(s));
    QCOMPARE(SafeFileName::suggest(s), s); // stable
}

void TestSafeFileName::longNameKeepsExtension()
{
    const QString s =
        SafeFileName::suggest(QString(300, QLatin1Char('a')) + QStringLiteral(".npk"));
    QCOMPARE(s.size(), SafeFileName::MaxLength);
    QVERIFY(s.endsWith(QLatin1String(".npk")));
}

QTEST_GUILESS_MAIN(TestSafeFileName)
#include "tst_safefilename.moc"
