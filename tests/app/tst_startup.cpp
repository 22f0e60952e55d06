#include "acs/faultsweepscheduler.h"
#include "commandline.h"
#include "compositionroot.h"
#include "ui/connectiondialog.h"
#include "ui/mainwindow.h"

#include <QApplication>
#include <QCryptographicHash>
#include <QFile>
#include <QLabel>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using namespace fwd;

// Start-up as main() runs it: the command line, then the composition root, with bad input.
class TestStartup final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void commandLine_data();
    void commandLine();
    void firstRunConnectsToTheEmbeddedLab();
    void refusesDatabaseThatIsNotOneAndLeavesItAlone();
    void unreachablePostgresIsAClearError();
    void malformedDatabaseUrlIsAClearError();

private:
    CommandLine line(const QStringList &extra) const;
    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestStartup::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    qputenv("FWD_DATA_DIR", m_dir->path().toLocal8Bit());
    qunsetenv("DBUS_SESSION_BUS_ADDRESS");
    // Tests run side by side: the file server takes any free port.
    QSettings ini(m_dir->filePath(QStringLiteral("s.ini")), QSettings::IniFormat);
    ini.setValue(QStringLiteral("fileserver/port"), 0);
}

CommandLine TestStartup::line(const QStringList &extra) const
{
    return CommandLine::parse(QStringList{QStringLiteral("firmwaredesk"),
                                          QStringLiteral("--settings"),
                                          m_dir->filePath(QStringLiteral("s.ini"))} +
                              extra);
}

void TestStartup::commandLine_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<bool>("exitNow");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("outputPart");
    QTest::newRow("help") << QStringList{QStringLiteral("--help")} << true << 0
                          << QStringLiteral("--database <URL>");
    QTest::newRow("version") << QStringList{QStringLiteral("--version")} << true << 0
                             << QStringLiteral(FWD_VERSION);
    QTest::newRow("unknown option")
        << QStringList{QStringLiteral("--frobnicate")} << true << 2 << QStringLiteral("frobnicate");
    QTest::newRow("stray argument") << QStringList{QStringLiteral("file.npk")} << true << 2
                                    << QStringLiteral("Unexpected argument");
    QTest::newRow("database") << QStringList{QStringLiteral("--database"), QStringLiteral("/x.db")}
                              << false << 0 << QString();
}

void TestStartup::commandLine()
{
    QFETCH(QStringList, args);
    QFETCH(bool, exitNow);
    QFETCH(int, exitCode);
    QFETCH(QString, outputPart);
    const CommandLine c = CommandLine::parse(QStringList{QStringLiteral("firmwaredesk")} + args);
    QCOMPARE(c.exitNow, exitNow);
    QCOMPARE(c.exitCode, exitCode);
    QVERIFY2(c.output.contains(outputPart), qPrintable(c.output));
    if (!exitNow)
        QCOMPARE(c.databaseUrl, QStringLiteral("/x.db"));
}

void TestStartup::firstRunConnectsToTheEmbeddedLab()
{
    CompositionRoot root(line({}));
    QVERIFY2(root.start(), qPrintable(root.error()));
    QVERIFY(root.window());
    QVERIFY(root.window()->isVisible());
    // No GenieACS configured: the lab with 1,000 routers is started and connected.
    QTRY_VERIFY_WITH_TIMEOUT(root.window()->connectionLabel()->text().contains(
                                 QLatin1String("Lab (embedded): GenieACS 1.2.16, 1,000 devices")),
                             20000);
    QVERIFY(!root.window()->findChild<ui::ConnectionDialog *>());
    // W5: the connected GenieACS is swept for faults of expiring tasks at start, then every
    // minute (the scheduler itself is tested in tests/acs/tst_nbijob).
    const acs::FaultSweepScheduler *sweeps = root.faultSweeps();
    QVERIFY(sweeps);
    QTRY_VERIFY_WITH_TIMEOUT(sweeps->sweepsFinished() >= 1, 20000);
    QVERIFY(sweeps->client());
    QVERIFY(!sweeps->isFailing());
    QVERIFY2(sweeps->nextSweepInMs() > 30000, qPrintable(QString::number(sweeps->nextSweepInMs())));
    // The built-in file server runs, over HTTPS.
    QVERIFY2(root.window()->fileServerLabel()->text().contains(QLatin1String("https://")),
             qPrintable(root.window()->fileServerLabel()->text()));
    // The default database went into the data folder.
    QVERIFY(QFile::exists(m_dir->filePath(QStringLiteral("firmwaredesk.sqlite"))));
}

void TestStartup::refusesDatabaseThatIsNotOneAndLeavesItAlone()
{
    const QString path = m_dir->filePath(QStringLiteral("fleet.sqlite"));
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(4096, '\x07'));
    }
    CompositionRoot root(line({QStringLiteral("--database"), path}));
    QVERIFY(!root.start());
    QVERIFY2(root.error().contains(QLatin1String("not a SQLite database")),
             qPrintable(root.error()));
    QVERIFY(!root.window());
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), QByteArray(4096, '\x07'));
}

void TestStartup::unreachablePostgresIsAClearError()
{
    CompositionRoot root(line(
        {QStringLiteral("--database"), QStringLiteral("postgresql://fwd:pw@127.0.0.1:1/fleet")}));
    QVERIFY(!root.start());
    QVERIFY2(root.error().contains(QLatin1String("Cannot connect to PostgreSQL")),
             qPrintable(root.error()));
    QVERIFY(!root.error().contains(QLatin1String(":pw@")));
}

void TestStartup::malformedDatabaseUrlIsAClearError()
{
    CompositionRoot root(
        line({QStringLiteral("--database"), QStringLiteral("mysql://127.0.0.1/fleet")}));
    QVERIFY(!root.start());
    QVERIFY2(root.error().contains(QLatin1String("not a database URL")), qPrintable(root.error()));
}

QTEST_MAIN(TestStartup)
#include "tst_startup.moc"
