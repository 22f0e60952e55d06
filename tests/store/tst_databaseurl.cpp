#include "store/databaseurl.h"

#include <QTest>

using fwd::store::DatabaseUrl;

class TestDatabaseUrl final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parse_data();
    void parse();
    void displayNeverShowsThePassword();
};

void TestDatabaseUrl::parse_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("driver");
    QTest::addColumn<QString>("pathOrHost");
    QTest::addColumn<QString>("errorPart");
    using D = DatabaseUrl::Driver;
    QTest::newRow("empty is the default SQLite file")
        << QString() << int(D::Sqlite) << QStringLiteral("/data/default.sqlite") << QString();
    QTest::newRow("absolute path") << QStringLiteral("/tmp/x.sqlite") << int(D::Sqlite)
                                   << QStringLiteral("/tmp/x.sqlite") << QString();
    QTest::newRow("sqlite: prefix") << QStringLiteral("sqlite:/tmp/y.db") << int(D::Sqlite)
                                    << QStringLiteral("/tmp/y.db") << QString();
    QTest::newRow("sqlite:// prefix") << QStringLiteral("sqlite:///tmp/z.db") << int(D::Sqlite)
                                      << QStringLiteral("/tmp/z.db") << QString();
    QTest::newRow("postgresql") << QStringLiteral("postgresql://fwd:pw@db.example:6543/fleet")
                                << int(D::Postgres) << QStringLiteral("db.example") << QString();
    QTest::newRow("postgres alias") << QStringLiteral("postgres://127.0.0.1/fleet")
                                    << int(D::Postgres) << QStringLiteral("127.0.0.1") << QString();
    QTest::newRow("postgres without database")
        << QStringLiteral("postgresql://fwd@127.0.0.1:5432/") << int(D::Invalid) << QString()
        << QStringLiteral("names no database");
    QTest::newRow("postgres unknown option")
        << QStringLiteral("postgresql://127.0.0.1/fleet?evil=1") << int(D::Invalid) << QString()
        << QStringLiteral("unknown option");
    QTest::newRow("unknown scheme") << QStringLiteral("mysql://127.0.0.1/fleet") << int(D::Invalid)
                                    << QString() << QStringLiteral("not a database URL");
    QTest::newRow("sqlite without file")
        << QStringLiteral("sqlite:") << int(D::Invalid) << QString() << QStringLiteral("no file");
}

void TestDatabaseUrl::parse()
{
    QFETCH(QString, text);
    QFETCH(int, driver);
    QFETCH(QString, pathOrHost);
    QFETCH(QString, errorPart);
    const DatabaseUrl url = DatabaseUrl::parse(text, QStringLiteral("/data/default.sqlite"));
    QCOMPARE(int(url.driver), driver);
    if (url.driver == DatabaseUrl::Driver::Sqlite)
        QCOMPARE(url.path, pathOrHost);
    else if (url.driver == DatabaseUrl::Driver::Postgres)
        QCOMPARE(url.host, pathOrHost);
    else
        QVERIFY2(url.error.contains(errorPart), qPrintable(url.error));
}

void TestDatabaseUrl::displayNeverShowsThePassword()
{
    const DatabaseUrl url =
        DatabaseUrl::parse(QStringLiteral("postgresql://fwd:s3cret@db:6543/fleet"), QString());
    QCOMPARE(url.password, QStringLiteral("s3cret"));
    QCOMPARE(url.port, 6543);
    QCOMPARE(url.database, QStringLiteral("fleet"));
    QVERIFY(url.options.contains(QLatin1String("connect_timeout=5")));
    QVERIFY(!url.displayString().contains(QLatin1String("s3cret")));
    QCOMPARE(url.displayString(), QStringLiteral("postgresql://fwd@db:6543/fleet"));
}

QTEST_GUILESS_MAIN(TestDatabaseUrl)
#include "tst_databaseurl.moc"
