#include "core/clock.h"
#include "store/auditlog.h"
#include "store/databaseurl.h"
#include "store/migrations.h"
#include "store/store.h"
#include "testdatabases.h"

#include <QCryptographicHash>
#include <QFile>
#include <QSignalSpy>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace fwd::store;

// The engine-independent cases run once on SQLite and once on PostgreSQL. The PostgreSQL rows
// need FWD_TEST_PG_URL (an administrator URL of a disposable server, which the README's test
// command starts on 127.0.0.1); without it they are reported as skipped, with the reason.
class TestStore final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void freshDatabaseGetsLatestSchema_data() { addEngineRows(); }
    void freshDatabaseGetsLatestSchema();
    void reopenAppliesNothing_data() { addEngineRows(); }
    void reopenAppliesNothing();
    void auditLogRoundTrip_data() { addEngineRows(); }
    void auditLogRoundTrip();
    void refusesForeignDatabase_data() { addEngineRows(); }
    void refusesForeignDatabase();
    void refusesNewerSchema_data() { addEngineRows(); }
    void refusesNewerSchema();

    void migratesCheckedInVersion1Database();
    void failedMigrationRollsBackThatStep();
    void refusesFileThatIsNotSqlite();
    void refusesDamagedDatabaseAndLeavesItUntouched();
    void refusesUncreatableLocation();
    void unreachablePostgresGivesClearError();

private:
    DatabaseUrl freshDatabase();
    static bool execDirect(const DatabaseUrl &url, const QStringList &sql)
    {
        return TestDatabases::execDirect(url, sql);
    }
    static QByteArray fileHash(const QString &path);

    QTemporaryDir m_dir;
    TestDatabases m_databases;
};

DatabaseUrl TestStore::freshDatabase()
{
    return m_databases.fresh(QString::fromLatin1(QTest::currentDataTag()));
}

QByteArray TestStore::fileHash(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
}

void TestStore::freshDatabaseGetsLatestSchema()
{
    FWD_SKIP_WITHOUT_POSTGRES(m_databases);
    const DatabaseUrl url = freshDatabase();
    QVERIFY(url.isValid());
    Store store;
    const auto r = store.open(url);
    QVERIFY2(r.ok, qPrintable(r.error));
    QCOMPARE(r.versionBefore, 0);
    QCOMPARE(r.versionAfter, Migrations::latestVersion());
    QCOMPARE(store.schemaVersion(), Migrations::latestVersion());
    const QStringList tables = store.run([](QSqlDatabase &db) { return db.tables(); }).result();
    QVERIFY(tables.contains(QStringLiteral("audit_log")));
    QVERIFY(tables.contains(QStringLiteral("fwd_schema")));
    const int steps = store
                          .run([](QSqlDatabase &db) {
                              QSqlQuery q(db);
                              q.exec(QStringLiteral("SELECT COUNT(*) FROM fwd_schema"));
                              return q.next() ? q.value(0).toInt() : -1;
                          })
                          .result();
    QCOMPARE(steps, int(Migrations::all().size()));
}

void TestStore::reopenAppliesNothing()
{
    FWD_SKIP_WITHOUT_POSTGRES(m_databases);
    const DatabaseUrl url = freshDatabase();
    {
        Store store;
        QVERIFY(store.open(url).ok);
    }
    Store store;
    const auto r = store.open(url);
    QVERIFY2(r.ok, qPrintable(r.error));
    QCOMPARE(r.versionBefore, Migrations::latestVersion());
    QCOMPARE(r.versionAfter, Migrations::latestVersion());
}

void TestStore::auditLogRoundTrip()
{
    FWD_SKIP_WITHOUT_POSTGRES(m_databases);
    const DatabaseUrl url = freshDatabase();
    Store store;
    QVERIFY(store.open(url).ok);
    const QDateTime t0(QDate(2026, 12, 1), QTime(9, 0), Qt::UTC);
    fwd::ManualClock clock(t0);
    AuditLog log(store, clock, QStringLiteral("alice"), QStringLiteral("noc-1"));
    QSignalSpy recorded(&log, &AuditLog::recorded);

    log.record(QStringLiteral("acs.profile.saved"), QStringLiteral("lab"),
               QStringLiteral("http://127.0.0.1:7557/"));
    clock.advance(60'000);
    log.record(QStringLiteral("batch.created"), QStringLiteral("wave 100%"),
               QStringLiteral("6.48 -> 6.48.4"));
    clock.advance(60'000);
    log.record(QStringLiteral("batch.paused"), QStringLiteral("wave_2"));
    QTRY_COMPARE(recorded.size(), 3);
    const auto first = recorded.at(0).at(0).value<AuditEntry>();
    QVERIFY(first.id > 0);
    QCOMPARE(first.operatorName, QStringLiteral("alice"));
    QCOMPARE(first.host, QStringLiteral("noc-1"));
    QCOMPARE(first.at, t0);

    AuditQuery all;
    auto page = log.query(all).result();
    QVERIFY2(page.error.isEmpty(), qPrintable(page.error));
    QCOMPARE(page.entries.size(), 3);
    QCOMPARE(page.entries.first().action, QStringLiteral("batch.paused")); // newest first
    QCOMPARE(page.entries.last().details, QStringLiteral("http://127.0.0.1:7557/"));

    AuditQuery batches;
    batches.action = QStringLiteral("batch.");
    QCOMPARE(log.query(batches).result().entries.size(), 2);

    AuditQuery percent; // '%' typed by the engineer is a literal, not a wildcard
    percent.text = QStringLiteral("100%");
    page = log.query(percent).result();
    QCOMPARE(page.entries.size(), 1);
    QCOMPARE(page.entries.first().object, QStringLiteral("wave 100%"));

    AuditQuery underscore;
    underscore.text = QStringLiteral("wave_");
    QCOMPARE(log.query(underscore).result().entries.size(), 1);

    AuditQuery window;
    window.since = t0.addSecs(30);
    window.until = t0.addSecs(90);
    page = log.query(window).result();
    QCOMPARE(page.entries.size(), 1);
    QCOMPARE(page.entries.first().action, QStringLiteral("batch.created"));

    const qint64 n = store
                         .run([](QSqlDatabase &db) {
                             QString error;
                             AuditQuery q;
                             q.action = QStringLiteral("batch.");
                             return AuditLogRepository::count(db, q, &error);
                         })
                         .result();
    QCOMPARE(n, qint64(2));
}

void TestStore::refusesForeignDatabase()
{
    FWD_SKIP_WITHOUT_POSTGRES(m_databases);
    const DatabaseUrl url = freshDatabase();
    QVERIFY(execDirect(url, {QStringLiteral("CREATE TABLE invoices (id INTEGER)"),
                             QStringLiteral("INSERT INTO invoices VALUES (7)")}));
    Store store;
    const auto r = store.open(url);
    QVERIFY(!r.ok);
    QVERIFY2(r.error.contains(QLatin1String("another application")), qPrintable(r.error));
    QVERIFY(r.error.contains(QLatin1String("invoices")));
    // Nothing was added to it.
    QVERIFY(!execDirect(url, {QStringLiteral("SELECT 1 FROM fwd_schema")}));
}

void TestStore::refusesNewerSchema()
{
    FWD_SKIP_WITHOUT_POSTGRES(m_databases);
    const DatabaseUrl url = freshDatabase();
    {
        Store store;
        QVERIFY(store.open(url).ok);
    }
    QVERIFY(execDirect(url, {QStringLiteral("INSERT INTO fwd_schema (version, description, "
                                            "applied_at_ms) VALUES (99, 'future', 0)")}));
    Store store;
    const auto r = store.open(url);
    QVERIFY(!r.ok);
    QVERIFY2(r.error.contains(QLatin1String("newer FirmwareDesk")), qPrintable(r.error));
    QVERIFY(!store.isOpen());
}

void TestStore::migratesCheckedInVersion1Database()
{
    const QString source = QStringLiteral(FWD_TEST_DATA_DIR "/schema_v1.sqlite");
    QVERIFY2(QFile::exists(source), qPrintable(source));
    const QString path = m_dir.filePath(QStringLiteral("old.sqlite"));
    QVERIFY(QFile::copy(source, path));
    QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner);

    Store store;
    const auto r = store.open(DatabaseUrl::parse(path, QString()));
    QVERIFY2(r.ok, qPrintable(r.error));
    QCOMPARE(r.versionBefore, 1);
    QCOMPARE(r.versionAfter, Migrations::latestVersion());

    fwd::SystemClock clock;
    AuditLog log(store, clock, QStringLiteral("carol"), QStringLiteral("noc-2"));
    const auto page = log.query({}).result();
    QVERIFY2(page.error.isEmpty(), qPrintable(page.error));
    QCOMPARE(page.entries.size(), 3); // the old rows survived
    QCOMPARE(page.entries.first().action, QStringLiteral("batch.created"));
    QCOMPARE(page.entries.first().operatorName, QStringLiteral("bob"));
    QCOMPARE(page.entries.first().host, QString()); // the new column's default
    const QStringList indexes = store
                                    .run([](QSqlDatabase &db) {
                                        QSqlQuery q(db);
                                        q.exec(QStringLiteral("SELECT name FROM sqlite_master "
                                                              "WHERE type = 'index'"));
                                        QStringList out;
                                        while (q.next())
                                            out << q.value(0).toString();
                                        return out;
                                    })
                                    .result();
    QVERIFY(indexes.contains(QStringLiteral("audit_log_at")));
}

void TestStore::failedMigrationRollsBackThatStep()
{
    const QString source = QStringLiteral(FWD_TEST_DATA_DIR "/schema_v1.sqlite");
    const QString path = m_dir.filePath(QStringLiteral("conflict.sqlite"));
    QVERIFY(QFile::copy(source, path));
    QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner);
    // Someone created an object with the name migration 2 wants: its second statement fails.
    const DatabaseUrl url = DatabaseUrl::parse(path, QString());
    QVERIFY(execDirect(url, {QStringLiteral("CREATE TABLE audit_log_at (x INTEGER)")}));

    Store store;
    const auto r = store.open(url);
    QVERIFY(!r.ok);
    QVERIFY2(r.error.contains(QLatin1String("Migration 2")), qPrintable(r.error));
    QCOMPARE(r.versionAfter, 1);
    // The first statement of step 2 (the host column) was rolled back with it.
    QVERIFY(!execDirect(url, {QStringLiteral("SELECT host FROM audit_log")}));
    QVERIFY(execDirect(url, {QStringLiteral("SELECT details FROM audit_log")}));
}

void TestStore::refusesFileThatIsNotSqlite()
{
    const QString path = m_dir.filePath(QStringLiteral("notes.sqlite"));
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("These are my notes, not a database.\n");
    }
    const QByteArray before = fileHash(path);
    Store store;
    const auto r = store.open(DatabaseUrl::parse(path, QString()));
    QVERIFY(!r.ok);
    QVERIFY2(r.error.contains(QLatin1String("not a SQLite database")), qPrintable(r.error));
    QCOMPARE(fileHash(path), before);
    QVERIFY(!QFile::exists(path + QStringLiteral("-wal")));
}

void TestStore::refusesDamagedDatabaseAndLeavesItUntouched()
{
    const QString path = m_dir.filePath(QStringLiteral("damaged.sqlite"));
    {
        Store store;
        QVERIFY(store.open(DatabaseUrl::parse(path, QString())).ok);
        fwd::SystemClock clock;
        AuditLog log(store, clock, QStringLiteral("a"), QStringLiteral("h"));
        for (int i = 0; i < 200; ++i)
            log.record(QStringLiteral("file.uploaded"), QStringLiteral("file-%1.npk").arg(i),
                       QString(200, QLatin1Char('x')));
        store.drain();
        store
            .run([](QSqlDatabase &db) {
                QSqlQuery(db).exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
            })
            .waitForFinished();
    }
    {
        // Overwrite the middle of the file (data pages) with garbage.
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadWrite));
        QVERIFY(f.size() > 16384);
        f.seek(f.size() / 2);
        f.write(QByteArray(4096, '\x5a'));
    }
    const QByteArray before = fileHash(path);
    Store store;
    const auto r = store.open(DatabaseUrl::parse(path, QString()));
    QVERIFY(!r.ok);
    QVERIFY2(r.error.contains(QLatin1String("damaged")), qPrintable(r.error));
    QCOMPARE(fileHash(path), before);
}

void TestStore::refusesUncreatableLocation()
{
    const QString blocker = m_dir.filePath(QStringLiteral("a-file"));
    {
        QFile f(blocker);
        QVERIFY(f.open(QIODevice::WriteOnly));
    }
    Store store;
    const auto r = store.open(DatabaseUrl::parse(blocker + QStringLiteral("/sub/db.sqlite"), {}));
    QVERIFY(!r.ok);
    QVERIFY2(r.error.contains(QLatin1String("cannot be created")), qPrintable(r.error));
}

void TestStore::unreachablePostgresGivesClearError()
{
    // Port 1 on loopback: nothing listens there.
    Store store;
    const auto r = store.open(DatabaseUrl::parse(
        QStringLiteral("postgresql://fwd:secret@127.0.0.1:1/fleet?connect_timeout=2"), {}));
    QVERIFY(!r.ok);
    QVERIFY2(r.error.contains(QLatin1String("Cannot connect to PostgreSQL at "
                                            "postgresql://fwd@127.0.0.1:1/fleet")),
             qPrintable(r.error));
    QVERIFY(!r.error.contains(QLatin1String("secret")));
}

QTEST_GUILESS_MAIN(TestStore)
#include "tst_store.moc"
