#include "store/fileaccessrepository.h"
#include "store/sqlfilecatalog.h"
#include "store/store.h"
#include "testdatabases.h"

#include <QSqlQuery>
#include <QTest>

using namespace fwd;
using namespace fwd::store;

// The file library's catalog and the file server's access log, on SQLite and PostgreSQL.
class TestStoreRepositories final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fileCatalogRoundTrip_data() { addEngineRows(); }
    void fileCatalogRoundTrip();
    void fileCatalogRefusesDuplicateNames_data() { addEngineRows(); }
    void fileCatalogRefusesDuplicateNames();
    void accessLogBatchesAndSummaries_data() { addEngineRows(); }
    void accessLogBatchesAndSummaries();

private:
    bool open(Store &store)
    {
        const DatabaseUrl url = m_databases.fresh(QString::fromLatin1(QTest::currentDataTag()));
        const auto r = store.open(url);
        if (!r.ok)
            qWarning() << r.error;
        return r.ok;
    }
    static firmware::FileRecord sample(const QString &name)
    {
        firmware::FileRecord r;
        r.fileType = firmware::FileType::FirmwareUpgradeImage;
        r.oui = QStringLiteral("E48D8C");
        r.productClass = QStringLiteral("RB2011iL");
        r.version = QStringLiteral("6.48.4");
        r.fileName = name;
        r.size = 11'534'336;
        r.sha256 = QString(64, QLatin1Char('a'));
        r.uploadedAt = QDateTime(QDate(2026, 12, 1), QTime(8, 0), Qt::UTC);
        r.publishedTo = firmware::PublishTarget::BuiltInServer | firmware::PublishTarget::GenieAcs;
        r.publishedUrl = QUrl(QStringLiteral("https://files.isp.example:7567/") + name);
        r.storedPath = QStringLiteral("/var/lib/fwd/library/") + name;
        r.packageName = QStringLiteral("routeros");
        r.architecture = QStringLiteral("x86");
        return r;
    }

    TestDatabases m_databases;
};

void TestStoreRepositories::fileCatalogRoundTrip()
{
    FWD_SKIP_WITHOUT_POSTGRES(m_databases);
    Store store;
    QVERIFY(open(store));
    SqlFileCatalog catalog(store);
    firmware::FileRecord a = sample(QStringLiteral("routeros-x86-6.48.4.npk"));
    firmware::FileRecord b = sample(QStringLiteral("upgrade_6.48.4_x86.xml"));
    b.fileType = firmware::FileType::MikrotikFactoryConfigurationFile;
    b.oui.clear();
    b.packageName.clear();
    const auto wa = catalog.insert(a).result();
    QVERIFY2(wa.ok, qPrintable(wa.errorString));
    QVERIFY(wa.id > 0);
    const auto wb = catalog.insert(b).result();
    QVERIFY(wb.ok);
    QVERIFY(wb.id != wa.id);

    auto all = catalog.loadAll().result();
    QCOMPARE(all.size(), 2);
    QCOMPARE(all.at(0).fileName, a.fileName);
    QCOMPARE(all.at(0).id, wa.id);
    QCOMPARE(all.at(0).publishedTo, a.publishedTo);
    QCOMPARE(all.at(0).publishedUrl, a.publishedUrl);
    QCOMPARE(all.at(0).uploadedAt, a.uploadedAt);
    QCOMPARE(all.at(0).size, a.size);
    QCOMPARE(all.at(0).architecture, QStringLiteral("x86"));
    QCOMPARE(all.at(1).fileType, firmware::FileType::MikrotikFactoryConfigurationFile);
    QCOMPARE(all.at(1).oui, QString());

    a.id = wa.id;
    a.version = QStringLiteral("6.48.5");
    a.publishedTo = firmware::PublishTarget::None;
    QVERIFY(catalog.update(a).result().ok);
    all = catalog.loadAll().result();
    QCOMPARE(all.at(0).version, QStringLiteral("6.48.5"));
    QCOMPARE(all.at(0).publishedTo, firmware::PublishTargets(firmware::PublishTarget::None));

    QVERIFY(catalog.remove(wa.id).result().ok);
    QCOMPARE(catalog.loadAll().result().size(), 1);
    firmware::FileRecord gone = a;
    const auto w = catalog.update(gone).result();
    QVERIFY(!w.ok);
    QVERIFY2(w.errorString.contains(QLatin1String("no longer")), qPrintable(w.errorString));
}

void TestStoreRepositories::fileCatalogRefusesDuplicateNames()
{
    FWD_SKIP_WITHOUT_POSTGRES(m_databases);
    Store store;
    QVERIFY(open(store));
    SqlFileCatalog catalog(store);
    QVERIFY(catalog.insert(sample(QStringLiteral("a.npk"))).result().ok);
    const auto w = catalog.insert(sample(QStringLiteral("a.npk"))).result();
    QVERIFY(!w.ok);
    QVERIFY2(w.errorString.contains(QLatin1String("already has a file called \"a.npk\"")),
             qPrintable(w.errorString));
    QCOMPARE(catalog.loadAll().result().size(), 1);
}

void TestStoreRepositories::accessLogBatchesAndSummaries()
{
    FWD_SKIP_WITHOUT_POSTGRES(m_databases);
    Store store;
    QVERIFY(open(store));
    const QDateTime t0(QDate(2026, 12, 1), QTime(2, 0), Qt::UTC);
    QList<FileAccessEntry> batch;
    auto entry = [&](int i, const QString &client, const QString &file, bool completed) {
        FileAccessEntry e;
        e.at = t0.addSecs(i);
        e.clientAddress = client;
        e.clientPort = 40000 + i;
        e.method = QStringLiteral("GET");
        e.file = file;
        e.status = 200;
        e.bytesExpected = 1000;
        e.bytesSent = completed ? 1000 : 300;
        e.completed = completed;
        e.userAgent = QStringLiteral("MikroTik");
        return e;
    };
    batch << entry(1, QStringLiteral("198.51.100.1"), QStringLiteral("upgrade.xml"), true)
          << entry(2, QStringLiteral("198.51.100.1"), QStringLiteral("routeros.npk"), false)
          << entry(3, QStringLiteral("198.51.100.1"), QStringLiteral("routeros.npk"), true)
          << entry(4, QStringLiteral("198.51.100.2"), QStringLiteral("routeros.npk"), true);
    const QString error = store
                              .run([batch](QSqlDatabase &db) {
                                  QString e;
                                  FileAccessRepository::appendBatch(db, batch, &e);
                                  return e;
                              })
                              .result();
    QVERIFY2(error.isEmpty(), qPrintable(error));

    const auto summaries = store
                               .run([](QSqlDatabase &db) {
                                   QString e;
                                   return FileAccessRepository::summaries(db, &e);
                               })
                               .result();
    QCOMPARE(summaries.size(), 2);
    const FileAccessSummary &npk = summaries.at(0);
    QCOMPARE(npk.file, QStringLiteral("routeros.npk"));
    QCOMPARE(npk.requests, qint64(3));
    QCOMPARE(npk.completed, qint64(2));
    QCOMPARE(npk.brokenOff, qint64(1));
    QCOMPARE(npk.bytesSent, qint64(2300));
    QCOMPARE(npk.clients, qint64(2));
    QCOMPARE(npk.lastAccess, t0.addSecs(4));

    FileAccessQuery q;
    q.clientAddress = QStringLiteral("198.51.100.1");
    const auto rows = store
                          .run([q](QSqlDatabase &db) {
                              QString e;
                              return FileAccessRepository::list(db, q, &e);
                          })
                          .result();
    QCOMPARE(rows.size(), 3);
    QCOMPARE(rows.first().file, QStringLiteral("routeros.npk")); // newest first
    QVERIFY(rows.first().completed);
    QVERIFY(!rows.at(1).completed);
    QCOMPARE(rows.at(1).bytesSent, qint64(300));

    // A failing batch leaves nothing half-written.
    QList<FileAccessEntry> bad = {
        entry(5, QStringLiteral("198.51.100.3"), QStringLiteral("x"), true)};
    const QString error2 = store
                               .run([bad](QSqlDatabase &db) {
                                   QSqlQuery(db).exec(QStringLiteral("DROP TABLE file_access_log"));
                                   QString e;
                                   FileAccessRepository::appendBatch(db, bad, &e);
                                   return e;
                               })
                               .result();
    QVERIFY(!error2.isEmpty());
}

QTEST_GUILESS_MAIN(TestStoreRepositories)
#include "tst_storerepositories.moc"
