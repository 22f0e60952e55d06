#include "core/clock.h"
#include "core/settings.h"
#include "fileserver/fileserver.h"
#include "fileservercontroller.h"
#include "store/fileaccessrepository.h"
#include "store/store.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace fwd;

// The file server as the application runs it: configured from the settings, restarted on
// change, its access log written into the store.
class TestFileServerController final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void httpsByDefaultAndDownloadsLandInTheStore();
    void restartKeepsTheCertificate();
    void plainHttpOnlyWithAWarning();
    void portInUseIsAnErrorNotACrash();
    void switchedOff();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Settings> m_settings;
    std::unique_ptr<store::Store> m_store;
    SystemClock m_clock;
};

void TestFileServerController::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_settings = std::make_unique<Settings>(std::make_unique<QSettings>(
        m_dir->filePath(QStringLiteral("s.ini")), QSettings::IniFormat));
    m_settings->setValue(Settings::FileServerPort, 0); // any free port
    m_settings->setValue(Settings::FileServerPublicHost, QStringLiteral("127.0.0.1"));
    m_store = std::make_unique<store::Store>();
    QVERIFY(
        m_store->open(store::DatabaseUrl::parse(m_dir->filePath(QStringLiteral("db.sqlite")), {}))
            .ok);
}

void TestFileServerController::cleanup()
{
    m_store.reset();
    m_settings.reset();
}

void TestFileServerController::httpsByDefaultAndDownloadsLandInTheStore()
{
    FileServerController controller(*m_settings, *m_store, m_clock, m_dir->path());
    QVERIFY2(controller.apply(), qPrintable(controller.statusText()));
    QCOMPARE(controller.level(), FileServerController::Level::Ok);
    QVERIFY2(controller.statusText().contains(QLatin1String("https://127.0.0.1:")),
             qPrintable(controller.statusText()));
    const QString fingerprint = controller.server().fingerprint();
    QCOMPARE(fingerprint.size(), 64);
    QVERIFY(controller.statusDetails().contains(fingerprint));

    const QString path = m_dir->filePath(QStringLiteral("routeros-x86-6.48.4.npk"));
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(100000, 'n'));
    }
    fileserver::PublishedFile file;
    file.name = QStringLiteral("routeros-x86-6.48.4.npk");
    file.absolutePath = path;
    QCOMPARE(controller.server().publish(file), QString());

    // A client that trusts exactly this certificate, as a router with it imported would.
    QNetworkAccessManager nam;
    QNetworkRequest request(controller.server().urlFor(file.name));
    QNetworkReply *reply = nam.get(request);
    connect(reply, &QNetworkReply::sslErrors, reply, [reply, fingerprint](const auto &errors) {
        const QSslCertificate cert = reply->sslConfiguration().peerCertificate();
        if (QString::fromLatin1(cert.digest(QCryptographicHash::Sha256).toHex()) == fingerprint)
            reply->ignoreSslErrors(errors);
    });
    QSignalSpy done(reply, &QNetworkReply::finished);
    QVERIFY(done.wait(10000));
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(reply->readAll().size(), 100000);
    reply->deleteLater();

    // The access log reaches the database in a batch.
    QList<store::FileAccessEntry> rows;
    QTRY_VERIFY_WITH_TIMEOUT((rows = m_store
                                         ->run([](QSqlDatabase &db) {
                                             QString e;
                                             return store::FileAccessRepository::list(db, {}, &e);
                                         })
                                         .result(),
                              rows.size() == 1),
                             10000);
    QCOMPARE(rows.first().file, file.name);
    QCOMPARE(rows.first().status, 200);
    QCOMPARE(rows.first().bytesSent, qint64(100000));
    QVERIFY(rows.first().completed);
    QCOMPARE(rows.first().clientAddress, QStringLiteral("127.0.0.1"));
}

void TestFileServerController::restartKeepsTheCertificate()
{
    QString first;
    {
        FileServerController controller(*m_settings, *m_store, m_clock, m_dir->path());
        QVERIFY(controller.apply());
        first = controller.server().fingerprint();
        QVERIFY(controller.apply()); // restart in place
        QCOMPARE(controller.server().fingerprint(), first);
    }
    FileServerController again(*m_settings, *m_store, m_clock, m_dir->path());
    QVERIFY(again.apply());
    QCOMPARE(again.server().fingerprint(), first);
}

void TestFileServerController::plainHttpOnlyWithAWarning()
{
    m_settings->setValue(Settings::FileServerHttps, false);
    FileServerController controller(*m_settings, *m_store, m_clock, m_dir->path());
    QSignalSpy changed(&controller, &FileServerController::statusChanged);
    QVERIFY(controller.apply());
    QCOMPARE(changed.size(), 1);
    QCOMPARE(controller.level(), FileServerController::Level::Warning);
    QVERIFY(controller.statusText().contains(QLatin1String("http://127.0.0.1:")));
    QVERIFY2(controller.statusDetails().contains(QLatin1String("plain HTTP")),
             qPrintable(controller.statusDetails()));
    QVERIFY(controller.server().fingerprint().isEmpty());
}

void TestFileServerController::portInUseIsAnErrorNotACrash()
{
    QTcpServer blocker;
    QVERIFY(blocker.listen(QHostAddress::Any, 0));
    m_settings->setValue(Settings::FileServerPort, int(blocker.serverPort()));
    FileServerController controller(*m_settings, *m_store, m_clock, m_dir->path());
    QVERIFY(!controller.apply());
    QCOMPARE(controller.level(), FileServerController::Level::Error);
    QVERIFY2(controller.statusText().contains(QLatin1String("File server stopped")),
             qPrintable(controller.statusText()));
    QVERIFY(!controller.server().isRunning());
}

void TestFileServerController::switchedOff()
{
    m_settings->setValue(Settings::FileServerEnabled, false);
    FileServerController controller(*m_settings, *m_store, m_clock, m_dir->path());
    QVERIFY(controller.apply());
    QCOMPARE(controller.level(), FileServerController::Level::Off);
    QVERIFY(!controller.server().isRunning());
}

QTEST_MAIN(TestFileServerController)
#include "tst_fileservercontroller.moc"
