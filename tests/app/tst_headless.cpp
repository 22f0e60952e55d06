#include "core/clock.h"
#include "core/settings.h"
#include "firmware/filelibrary.h"
#include "store/fileaccessrepository.h"
#include "store/sqlfilecatalog.h"
#include "store/store.h"

#include <QCryptographicHash>
#include <QDir>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace fwd;

// `firmwaredesk --headless` as a server runs it: no display, the library's published files
// served by the built-in HTTPS server, stopped by SIGTERM with the access log in the database.
class TestHeadless final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void servesPublishedFilesUntilSigterm();
    void badDatabaseIsAClearErrorWithoutDisplay();
    void screenWithHeadlessIsRefused();

private:
    QProcessEnvironment environment() const;
    QString dataDir() const { return m_dir->filePath(QStringLiteral("data")); }
    QString dbPath() const { return m_dir->filePath(QStringLiteral("db.sqlite")); }
    QString settingsPath() const { return m_dir->filePath(QStringLiteral("s.ini")); }

    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestHeadless::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    QVERIFY(QDir().mkpath(dataDir()));
}

void TestHeadless::cleanup()
{
    m_dir.reset();
}

QProcessEnvironment TestHeadless::environment() const
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("FWD_DATA_DIR"), dataDir());
    // A server has no display: nothing may need one.
    env.remove(QStringLiteral("DISPLAY"));
    env.remove(QStringLiteral("WAYLAND_DISPLAY"));
    env.remove(QStringLiteral("QT_QPA_PLATFORM"));
    env.remove(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"));
    return env;
}

void TestHeadless::servesPublishedFilesUntilSigterm()
{
    // A free port for the file server (the test must know it to download).
    quint16 port = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        port = probe.serverPort();
    }
    {
        Settings settings(std::make_unique<QSettings>(settingsPath(), QSettings::IniFormat));
        settings.setValue(Settings::FileServerPort, int(port));
        settings.setValue(Settings::FileServerPublicHost, QStringLiteral("127.0.0.1"));
    }

    // The engineer published a configuration file from the desktop earlier (same database,
    // same data folder).
    const QByteArray content = "/system identity set name=headless\n";
    {
        const QString source = m_dir->filePath(QStringLiteral("identity.rsc"));
        QFile f(source);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(content);
        f.close();
        SystemClock clock;
        store::Store store;
        QVERIFY(store.open(store::DatabaseUrl::parse(dbPath(), {})).ok);
        store::SqlFileCatalog catalog(store);
        firmware::FileLibrary library(QDir(dataDir()).filePath(QStringLiteral("files")), catalog,
                                      clock);
        QSignalSpy loaded(&library, &firmware::FileLibrary::loaded);
        library.load();
        QTRY_COMPARE_WITH_TIMEOUT(loaded.size(), 1, 10000);
        firmware::ImportRequest request;
        request.sourcePath = source;
        request.metadata = library.inspect(source).record;
        request.metadata.fileName = QStringLiteral("identity.rsc");
        QSignalSpy finished(library.importFile(request), &firmware::ImportJob::finished);
        QVERIFY(finished.wait(20000));
        const auto result = finished.first().first().value<firmware::ImportResult>();
        QVERIFY2(result.ok(), qPrintable(result.errorString));
        QSignalSpy changed(&library, &firmware::FileLibrary::recordChanged);
        library.markPublished(result.record.id, firmware::PublishTarget::BuiltInServer,
                              QUrl(QStringLiteral("https://127.0.0.1:1/identity.rsc")));
        QTRY_COMPARE_WITH_TIMEOUT(changed.size(), 1, 10000);
        store.drain();
        QCoreApplication::sendPostedEvents();
    }

    QProcess app;
    app.setProcessEnvironment(environment());
    app.setProcessChannelMode(QProcess::MergedChannels);
    app.start(QStringLiteral(FWD_APP_EXE),
              {QStringLiteral("--headless"), QStringLiteral("--settings"), settingsPath(),
               QStringLiteral("--database"), dbPath()});
    QVERIFY(app.waitForStarted(10000));
    QByteArray output;
    auto readOutput = [&] {
        output += app.readAll();
        return output;
    };
    QTRY_VERIFY2_WITH_TIMEOUT(readOutput().contains("running headless"), output.constData(), 20000);

    // The file is served over HTTPS with the certificate the server generated in the data
    // folder (the published URL in the record is brought up to date at start).
    const auto chain =
        QSslCertificate::fromPath(QDir(dataDir()).filePath(QStringLiteral("fileserver-cert.pem")));
    QVERIFY(!chain.isEmpty());
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setCaCertificates(chain);
    QNetworkAccessManager manager;
    QByteArray body;
    int status = 0;
    const QUrl url(QStringLiteral("https://127.0.0.1:%1/identity.rsc").arg(port));
    for (int attempt = 0; attempt < 50 && status != 200; ++attempt) {
        QNetworkRequest request(url);
        request.setSslConfiguration(tls);
        QNetworkReply *reply = manager.get(request);
        QSignalSpy done(reply, &QNetworkReply::finished);
        QVERIFY(done.wait(10000));
        status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        body = reply->readAll();
        reply->deleteLater();
        if (status != 200)
            QTest::qWait(200); // the library loads asynchronously, then publishes
    }
    QVERIFY2(status == 200, qPrintable(QStringLiteral("status %1; output:\n%2")
                                           .arg(status)
                                           .arg(QString::fromUtf8(readOutput()))));
    QCOMPARE(body, content);

    // SIGTERM: a clean stop, exit code 0.
    app.terminate();
    QVERIFY(app.waitForFinished(20000));
    readOutput();
    QCOMPARE(app.exitStatus(), QProcess::NormalExit);
    QVERIFY2(app.exitCode() == 0, output.constData());
    QVERIFY2(output.contains("stopped"), output.constData());

    // The download reached the access log in the database before the process ended.
    store::Store store;
    QVERIFY(store.open(store::DatabaseUrl::parse(dbPath(), {})).ok);
    const auto rows = store
                          .run([](QSqlDatabase &db) {
                              QString e;
                              store::FileAccessQuery q;
                              q.file = QStringLiteral("identity.rsc");
                              return store::FileAccessRepository::list(db, q, &e);
                          })
                          .result();
    QVERIFY(!rows.isEmpty());
    QCOMPARE(rows.first().status, 200);
    QCOMPARE(rows.first().bytesSent, qint64(content.size()));
    QVERIFY(rows.first().completed);
}

void TestHeadless::badDatabaseIsAClearErrorWithoutDisplay()
{
    const QString notADatabase = m_dir->filePath(QStringLiteral("notes.txt"));
    {
        QFile f(notADatabase);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("not a database, but somebody's notes\n");
    }
    QProcess app;
    app.setProcessEnvironment(environment());
    app.setProcessChannelMode(QProcess::MergedChannels);
    app.start(QStringLiteral(FWD_APP_EXE),
              {QStringLiteral("--headless"), QStringLiteral("--settings"), settingsPath(),
               QStringLiteral("--database"), notADatabase});
    QVERIFY(app.waitForFinished(30000));
    const QByteArray output = app.readAll();
    QCOMPARE(app.exitCode(), 1);
    QVERIFY2(output.contains("firmwaredesk: "), output.constData());
    QVERIFY2(!output.contains("qt.qpa"), output.constData()); // never asked for a display
    QFile f(notADatabase);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), QByteArray("not a database, but somebody's notes\n"));
}

void TestHeadless::screenWithHeadlessIsRefused()
{
    QProcess app;
    app.setProcessEnvironment(environment());
    app.start(QStringLiteral(FWD_APP_EXE),
              {QStringLiteral("--headless"), QStringLiteral("--screen"), QStringLiteral("files")});
    QVERIFY(app.waitForFinished(20000));
    QCOMPARE(app.exitCode(), 2);
    QVERIFY(app.readAllStandardError().contains("--headless"));
}

QTEST_GUILESS_MAIN(TestHeadless)
#include "tst_headless.moc"
