#include "cannedhttpserver.h"
#include "core/clock.h"
#include "core/secretstore.h"
#include "core/settings.h"
#include "models/auditlogmodel.h"
#include "models/connectionstatus.h"
#include "store/auditlog.h"
#include "store/store.h"
#include "ui/connectiondialog.h"
#include "ui/mainwindow.h"
#include "ui/messagebox.h"

#include <QCryptographicHash>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QTemporaryDir>
#include <QTest>

using namespace fwd;

// The main window and the connection dialog, driven like an engineer would, against small HTTP
// servers on 127.0.0.1 that play GenieACS (or something else).
class TestMainWindow final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void startsWithActivityAndNoConnection();
    void testConnectionThenSaveConnectsTheStatusBar();
    void testConnectionFailures_data();
    void testConnectionFailures();
    void malformedUrlCannotBeSavedOrTested_data();
    void malformedUrlCannotBeSavedOrTested();
    void rememberWindowStateAndScreen();
    void untrustedCertificateApprovedByFingerprint();
    void untrustedCertificateDeclined();
    void severalProfilesAreKept();

private:
    ui::ConnectionDialog *openDialog();
    std::unique_ptr<Settings> makeSettings() const
    {
        return std::make_unique<Settings>(std::make_unique<QSettings>(
            m_dir->filePath(QStringLiteral("settings.ini")), QSettings::IniFormat));
    }
    void makeWindow();

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Settings> m_settings;
    MemorySecretStore m_secrets;
    SystemClock m_clock;
    std::unique_ptr<store::Store> m_store;
    std::unique_ptr<store::AuditLog> m_audit;
    std::unique_ptr<models::AuditLogModel> m_auditModel;
    std::unique_ptr<models::ConnectionStatus> m_connection;
    std::unique_ptr<ui::MainWindow> m_window;
};

void TestMainWindow::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_settings = makeSettings();
    m_store = std::make_unique<store::Store>();
    QVERIFY(
        m_store->open(store::DatabaseUrl::parse(m_dir->filePath(QStringLiteral("db.sqlite")), {}))
            .ok);
    m_audit = std::make_unique<store::AuditLog>(*m_store, m_clock, QStringLiteral("tester"),
                                                QStringLiteral("ci"));
    m_auditModel = std::make_unique<models::AuditLogModel>(*m_audit);
    m_auditModel->reload();
    m_connection = std::make_unique<models::ConnectionStatus>(*m_settings, m_secrets);
    makeWindow();
}

void TestMainWindow::makeWindow()
{
    m_window = std::make_unique<ui::MainWindow>(ui::MainWindow::Services{
        *m_settings, m_secrets, *m_audit, *m_auditModel, *m_connection, QStringLiteral("test db")});
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TestMainWindow::cleanup()
{
    m_window.reset();
    m_connection.reset();
    m_auditModel.reset();
    m_audit.reset();
    m_store.reset();
    m_settings.reset();
}

ui::ConnectionDialog *TestMainWindow::openDialog()
{
    auto *dialog = qobject_cast<ui::ConnectionDialog *>(m_window->openConnections());
    if (dialog)
        (void)QTest::qWaitForWindowExposed(dialog);
    return dialog;
}

void TestMainWindow::startsWithActivityAndNoConnection()
{
    m_connection->refresh();
    QCOMPARE(m_window->currentScreenKey(), QStringLiteral("activity"));
    QTRY_VERIFY(m_window->connectionLabel()->text().contains(
        QLatin1String("No GenieACS connection configured")));
    QCOMPARE(m_window->windowTitle(), QStringLiteral("FirmwareDesk"));
}

void TestMainWindow::testConnectionThenSaveConnectsTheStatusBar()
{
    CannedHttpServer nbi(CannedHttpServer::genieAcsHead("1.2.16", 1234));

    auto *dialog = openDialog();
    QVERIFY(dialog);
    dialog->nameEdit()->setText(QStringLiteral("Lab"));
    dialog->urlEdit()->setText(nbi.baseUrl());
    QVERIFY(dialog->testButton()->isEnabled());
    QSignalSpy tested(dialog, &ui::ConnectionDialog::testFinished);
    QTest::mouseClick(dialog->testButton(), Qt::LeftButton);
    QVERIFY(tested.wait(10000));
    QCOMPARE(tested.at(0).at(0).toBool(), true);
    QVERIFY2(dialog->resultLabel()->text().contains(QLatin1String("GenieACS 1.2.16")),
             qPrintable(dialog->resultLabel()->text()));
    QVERIFY(dialog->resultLabel()->text().contains(QLocale().toString(1234)));
    QVERIFY(!nbi.requests().isEmpty());
    QCOMPARE(nbi.requests().constFirst().method, QByteArray("HEAD"));
    QVERIFY(nbi.requests().constFirst().target.startsWith("/devices/"));

    QTest::mouseClick(dialog->saveButton(), Qt::LeftButton);
    QCOMPARE(m_settings->acsProfiles().size(), 1);
    QCOMPARE(m_settings->acsProfiles().first().nbiUrl, QUrl(nbi.baseUrl()));
    QCOMPARE(m_settings->value(Settings::ActiveProfile), QStringLiteral("Lab"));
    QTRY_VERIFY_WITH_TIMEOUT(
        m_window->connectionLabel()->text().contains(QLatin1String("Lab: GenieACS 1.2.16")), 10000);
    QCOMPARE(m_window->windowTitle(), QStringLiteral("FirmwareDesk — Lab"));
    // The save is in the audit log and on the Activity screen.
    QTRY_VERIFY(m_auditModel->rowCount() >= 1);
    QCOMPARE(m_auditModel->index(0, models::AuditLogModel::Action).data().toString(),
             QStringLiteral("acs.profile.saved"));
    QCOMPARE(m_auditModel->index(0, models::AuditLogModel::Object).data().toString(),
             QStringLiteral("Lab"));
}

void TestMainWindow::testConnectionFailures_data()
{
    QTest::addColumn<QByteArray>("response");
    QTest::addColumn<bool>("closePort");
    QTest::addColumn<QString>("expected");
    QTest::newRow("connection refused") << QByteArray() << true << QStringLiteral("refused");
    QTest::newRow("an nginx page, not GenieACS")
        << QByteArray("HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\n"
                      "Content-Length: 21\r\n\r\n<html>Welcome!</html>")
        << false << QStringLiteral("GenieACS");
    QTest::newRow("proxy refuses the credentials")
        << QByteArray("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"nbi\"\r\n"
                      "Content-Length: 0\r\n\r\n")
        << false << QStringLiteral("401");
}

void TestMainWindow::testConnectionFailures()
{
    QFETCH(QByteArray, response);
    QFETCH(bool, closePort);
    QFETCH(QString, expected);
    CannedHttpServer server(CannedHttpServer::raw(response));
    const QString url = server.baseUrl();
    if (closePort)
        server.close();

    auto *dialog = openDialog();
    QVERIFY(dialog);
    dialog->urlEdit()->setText(url);
    dialog->userEdit()->setText(QStringLiteral("noc"));
    dialog->passwordEdit()->setText(QStringLiteral("wrong"));
    QSignalSpy tested(dialog, &ui::ConnectionDialog::testFinished);
    QTest::mouseClick(dialog->testButton(), Qt::LeftButton);
    QVERIFY(tested.wait(20000));
    QCOMPARE(tested.at(0).at(0).toBool(), false);
    const QString text = dialog->resultLabel()->text();
    QVERIFY2(text.contains(QLatin1String("No connection")), qPrintable(text));
    QVERIFY2(text.contains(expected, Qt::CaseInsensitive), qPrintable(text));
    QVERIFY(!text.contains(QLatin1String("wrong"))); // the password is never shown
}

void TestMainWindow::malformedUrlCannotBeSavedOrTested_data()
{
    QTest::addColumn<QString>("url");
    QTest::newRow("no scheme, no host") << QStringLiteral("acs:7557");
    QTest::newRow("ftp") << QStringLiteral("ftp://acs.example.net/");
    QTest::newRow("empty") << QString();
    QTest::newRow("spaces") << QStringLiteral("http://acs example/");
    QTest::newRow("credentials in the URL") << QStringLiteral("http://u:p@acs.example.net:7557/");
}

void TestMainWindow::malformedUrlCannotBeSavedOrTested()
{
    QFETCH(QString, url);
    auto *dialog = openDialog();
    QVERIFY(dialog);
    dialog->urlEdit()->setText(url);
    QVERIFY(!dialog->saveButton()->isEnabled());
    QVERIFY(!dialog->testButton()->isEnabled());
    QTest::mouseClick(dialog->saveButton(), Qt::LeftButton);
    QVERIFY(m_settings->acsProfiles().isEmpty());
}

void TestMainWindow::rememberWindowStateAndScreen()
{
    m_window->resize(900, 600);
    m_window->close();
    QVERIFY(!m_settings->value(Settings::WindowGeometry).isEmpty());
    QCOMPARE(m_settings->value(Settings::CurrentScreen), QStringLiteral("activity"));
    m_window.reset();
    makeWindow();
    QCOMPARE(m_window->size(), QSize(900, 600));
}

static QString testCertificateFingerprint()
{
    QFile f(QStringLiteral(FWD_TEST_DATA_DIR "/test-proxy.crt"));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QString::fromLatin1(
        QSslCertificate(f.readAll(), QSsl::Pem).digest(QCryptographicHash::Sha256).toHex());
}

void TestMainWindow::untrustedCertificateApprovedByFingerprint()
{
    const QSslConfiguration tls =
        CannedHttpServer::tlsFromPem(QStringLiteral(FWD_TEST_DATA_DIR "/test-proxy.crt"),
                                     QStringLiteral(FWD_TEST_DATA_DIR "/test-proxy.key"));
    QVERIFY(!tls.localCertificate().isNull());
    CannedHttpServer nbi(CannedHttpServer::genieAcsHead("1.2.16", 7), &tls);
    const QString fingerprint = testCertificateFingerprint();
    QCOMPARE(fingerprint.size(), 64);

    auto *dialog = openDialog();
    QVERIFY(dialog);
    dialog->nameEdit()->setText(QStringLiteral("Proxy"));
    dialog->urlEdit()->setText(nbi.baseUrl());
    QSignalSpy tested(dialog, &ui::ConnectionDialog::testFinished);
    ui::MessageBox::setNextAnswer(QMessageBox::Yes);
    QTest::mouseClick(dialog->testButton(), Qt::LeftButton);
    QVERIFY(tested.wait(20000));
    // The engineer was shown the fingerprint, approved it, and the test ran again and passed.
    QVERIFY2(ui::MessageBox::lastText().contains(fingerprint),
             qPrintable(ui::MessageBox::lastText()));
    QCOMPARE(tested.size(), 1);
    QCOMPARE(tested.at(0).at(0).toBool(), true);
    QCOMPARE(dialog->trustedList()->count(), 1);
    QCOMPARE(dialog->trustedList()->item(0)->text(), fingerprint);
    QVERIFY2(dialog->resultLabel()->text().contains(QLatin1String("GenieACS 1.2.16")),
             qPrintable(dialog->resultLabel()->text()));

    QTest::mouseClick(dialog->saveButton(), Qt::LeftButton);
    QCOMPARE(m_settings->acsProfiles().first().trustedFingerprints, QStringList{fingerprint});
    QTRY_VERIFY_WITH_TIMEOUT(
        m_window->connectionLabel()->text().contains(QLatin1String("Proxy: GenieACS 1.2.16")),
        10000);
    store::AuditQuery q;
    q.action = QStringLiteral("acs.certificate.trusted");
    const auto page = m_audit->query(q).result();
    QCOMPARE(page.entries.size(), 1);
    QCOMPARE(page.entries.first().details, fingerprint);
}

void TestMainWindow::untrustedCertificateDeclined()
{
    const QSslConfiguration tls =
        CannedHttpServer::tlsFromPem(QStringLiteral(FWD_TEST_DATA_DIR "/test-proxy.crt"),
                                     QStringLiteral(FWD_TEST_DATA_DIR "/test-proxy.key"));
    QVERIFY(!tls.localCertificate().isNull());
    CannedHttpServer nbi(CannedHttpServer::genieAcsHead("1.2.16", 7), &tls);
    auto *dialog = openDialog();
    QVERIFY(dialog);
    dialog->urlEdit()->setText(nbi.baseUrl());
    QSignalSpy tested(dialog, &ui::ConnectionDialog::testFinished);
    ui::MessageBox::setNextAnswer(QMessageBox::No);
    QTest::mouseClick(dialog->testButton(), Qt::LeftButton);
    QVERIFY(tested.wait(20000));
    QCOMPARE(tested.at(0).at(0).toBool(), false);
    QCOMPARE(dialog->trustedList()->count(), 0);
    QVERIFY(dialog->resultLabel()->text().contains(QLatin1String("No connection")));
    QVERIFY(nbi.requests().isEmpty()); // nothing was sent over the untrusted channel
}

void TestMainWindow::severalProfilesAreKept()
{
    auto *dialog = openDialog();
    QVERIFY(dialog);
    dialog->nameEdit()->setText(QStringLiteral("Lab"));
    dialog->urlEdit()->setText(QStringLiteral("http://127.0.0.1:7557/"));
    // Add a second profile through the dialog's Add button.
    QPushButton *add = nullptr;
    for (auto *b : dialog->findChildren<QPushButton *>()) {
        if (b->text() == QLatin1String("&Add"))
            add = b;
    }
    QVERIFY(add);
    QTest::mouseClick(add, Qt::LeftButton);
    QCOMPARE(dialog->profileList()->count(), 2);
    dialog->nameEdit()->setText(QStringLiteral("Production"));
    dialog->urlEdit()->setText(QStringLiteral("https://acs.isp.example:7557/"));
    dialog->userEdit()->setText(QStringLiteral("noc"));
    QTest::mouseClick(dialog->saveButton(), Qt::LeftButton);
    const auto profiles = m_settings->acsProfiles();
    QCOMPARE(profiles.size(), 2);
    QCOMPARE(profiles.at(0).name, QStringLiteral("Lab"));
    QCOMPARE(profiles.at(1).name, QStringLiteral("Production"));
    QCOMPARE(profiles.at(1).username, QStringLiteral("noc"));
    QCOMPARE(m_settings->value(Settings::ActiveProfile), QStringLiteral("Production"));

    // Reopened, the dialog shows both, the active one selected.
    auto *again = openDialog();
    QVERIFY(again && again != dialog);
    QCOMPARE(again->profileList()->count(), 2);
    QCOMPARE(again->nameEdit()->text(), QStringLiteral("Production"));
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
