#include "acs/nbiclient.h"
#include "cannedhttpserver.h"
#include "core/clock.h"
#include "fileserver/fileserver.h"
#include "fileserver/fileserverconfig.h"
#include "firmware/filecatalog.h"
#include "firmware/filelibrary.h"
#include "firmware/npkwriter.h"
#include "httplinkprobe.h"
#include "models/filesfiltermodel.h"
#include "models/filesmodel.h"
#include "store/auditlog.h"
#include "store/store.h"
#include "ui/descriptordialog.h"
#include "ui/fileserverpublisher.h"
#include "ui/filesscreen.h"
#include "ui/messagebox.h"
#include "ui/nbifileuploader.h"
#include "ui/uploaddialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCryptographicHash>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace fwd;
using firmware::DescriptorIssue;
using firmware::FileRecord;
using firmware::FileType;
using firmware::NpkPackageSpec;
using firmware::NpkWriter;
using firmware::RouterOsVersion;

// The Files screen, the upload dialog and the descriptor builder, driven like an engineer
// would, over a real library folder, the real built-in HTTPS file server on 127.0.0.1 (port 0)
// and the real HTTP link probe; GenieACS is a canned HTTP server.
class TestFilesScreen final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void uploadDialogAddsAndPublishesAPackage();
    void uploadDialogBadInput_data();
    void uploadDialogBadInput();
    void dropOfManyFilesOpensTheUploadDialog();
    void deleteRefusedWhileABatchUsesTheFile();
    void descriptorBuilderBuildsChecksAndPublishes();
    void descriptorBuilderRefuses_data();
    void descriptorBuilderRefuses();
    void importedDescriptorIsValidated();
    void packagesDroppedOnTheBuilderAreAddedAndTicked();
    void cancelWhileHashing();
    void cancelUploadToGenieAcs();
    void publishedFilesAreRestoredAtStart();
    void uploadToGenieAcsSendsTheMetadataHeaders();
    void actionsWithoutServicesAreDisabledWithAReason();
    // Only with FWD_SCREENSHOT_DIR set: docs/screenshots/files.png and descriptor-builder.png.
    void readmeScreenshots();

private:
    QString writeFile(const QString &name, const QByteArray &bytes) const;
    QString writePackage(const QString &fileName, const QString &name, const char *version) const;
    FileRecord importPackage(const QString &fileName, const QString &name, const char *version);
    void makeScreen(bool withServices = true);

    std::unique_ptr<QTemporaryDir> m_dir;
    SystemClock m_clock;
    std::unique_ptr<store::Store> m_store;
    std::unique_ptr<store::AuditLog> m_audit;
    std::unique_ptr<firmware::InMemoryFileCatalog> m_catalog;
    std::unique_ptr<firmware::FileLibrary> m_library;
    std::unique_ptr<fileserver::FileServer> m_server;
    std::unique_ptr<ui::FileServerPublisher> m_publisher;
    std::unique_ptr<HttpLinkProbe> m_probe;
    std::unique_ptr<ui::FilesScreen> m_screen;
};

QString TestFilesScreen::writeFile(const QString &name, const QByteArray &bytes) const
{
    const QString path = QDir(m_dir->filePath(QStringLiteral("desktop"))).filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(bytes) != bytes.size())
        return {};
    return path;
}

QString TestFilesScreen::writePackage(const QString &fileName, const QString &name,
                                      const char *version) const
{
    NpkPackageSpec spec;
    spec.name = name;
    spec.version = *RouterOsVersion::fromString(QString::fromLatin1(version));
    spec.npkArchitecture = QStringLiteral("i386");
    spec.dependsOnSystem = name != QLatin1String("system");
    return writeFile(fileName, NpkWriter::build(spec));
}

FileRecord TestFilesScreen::importPackage(const QString &fileName, const QString &name,
                                          const char *version)
{
    const QString path = writePackage(fileName, name, version);
    const firmware::FileDraft draft = m_library->inspect(path);
    firmware::ImportRequest request;
    request.sourcePath = path;
    request.metadata = draft.record;
    request.metadata.fileName = fileName;
    request.metadata.oui = QStringLiteral("E48D8C");
    request.metadata.productClass = QStringLiteral("CHR");
    QSignalSpy finished(m_library->importFile(request), &firmware::ImportJob::finished);
    if (!finished.wait(20000))
        return {};
    return finished.first().first().value<firmware::ImportResult>().record;
}

void TestFilesScreen::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    QVERIFY(QDir().mkpath(m_dir->filePath(QStringLiteral("desktop"))));
    m_store = std::make_unique<store::Store>();
    QVERIFY(
        m_store->open(store::DatabaseUrl::parse(m_dir->filePath(QStringLiteral("db.sqlite")), {}))
            .ok);
    m_audit = std::make_unique<store::AuditLog>(*m_store, m_clock, QStringLiteral("tester"),
                                                QStringLiteral("ci"));
    m_catalog = std::make_unique<firmware::InMemoryFileCatalog>();
}

void TestFilesScreen::makeScreen(bool withServices)
{
    m_library = std::make_unique<firmware::FileLibrary>(m_dir->filePath(QStringLiteral("files")),
                                                        *m_catalog, m_clock);
    QSignalSpy loaded(m_library.get(), &firmware::FileLibrary::loaded);
    m_library->load();
    QTRY_COMPARE(loaded.size(), 1);

    ui::FilesScreen::Services services{*m_library, *m_audit};
    if (withServices) {
        m_server = std::make_unique<fileserver::FileServer>(m_clock);
        fileserver::FileServerConfig config;
        config.bindAddress = QHostAddress::LocalHost;
        config.publicHost = QStringLiteral("127.0.0.1");
        config.dataDirectory = m_dir->path();
        config.workerThreads = 1;
        QVERIFY2(m_server->start(config), qPrintable(m_server->errorString()));
        m_publisher = std::make_unique<ui::FileServerPublisher>(*m_server);
        m_probe = std::make_unique<HttpLinkProbe>();
        m_probe->setFingerprintSource([this] { return QStringList{m_server->fingerprint()}; });
        services.publisher = m_publisher.get();
        services.linkProbe = m_probe.get();
    }
    m_screen = std::make_unique<ui::FilesScreen>(services);
    m_screen->resize(1100, 600);
    m_screen->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_screen.get()));
}

void TestFilesScreen::cleanup()
{
    m_screen.reset();
    m_probe.reset();
    m_publisher.reset();
    if (m_server)
        m_server->stop();
    m_server.reset();
    m_library.reset();
    m_catalog.reset();
    // The store goes first: it finishes the audit records in flight while the log (their
    // continuations' context) still exists. The other way round trips an assertion in Qt 6.4's
    // QFuture::then(context) when a record is still being written.
    m_store.reset();
    m_audit.reset();
    m_dir.reset();
}

void TestFilesScreen::uploadDialogAddsAndPublishesAPackage()
{
    makeScreen();
    const QString path =
        writePackage(QStringLiteral("routeros-x86-6.48.4.npk"), QStringLiteral("system"), "6.48.4");
    ui::UploadDialog *dialog = m_screen->openUpload({path});
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    // Pre-filled from the package header, as the guide's dialog is.
    QCOMPARE(dialog->typeCombo()->currentText(), QStringLiteral("1 Firmware Upgrade Image"));
    QCOMPARE(dialog->fileNameEdit()->text(), QStringLiteral("routeros-x86-6.48.4.npk"));
    QCOMPARE(dialog->versionEdit()->text(), QStringLiteral("6.48.4"));
    QVERIFY(dialog->pathEdit()->text().endsWith(QLatin1String("routeros-x86-6.48.4.npk")));
    QVERIFY(dialog->fileList()->isHidden()); // one file: the guide's form only
    QVERIFY(dialog->builtInCheck()->isChecked());
    QVERIFY(!dialog->genieAcsCheck()->isEnabled());

    dialog->ouiCombo()->setCurrentText(QStringLiteral("e48d8c"));
    dialog->productClassCombo()->setCurrentText(QStringLiteral("CHR"));
    QVERIFY(dialog->uploadButton()->isEnabled());
    QSignalSpy finished(dialog, &ui::UploadDialog::uploadsFinished);
    QSignalSpy audited(m_audit.get(), &store::AuditLog::recorded);
    QTest::mouseClick(dialog->uploadButton(), Qt::LeftButton);
    QVERIFY(finished.wait(20000));
    QCOMPARE(finished.first().at(0).toInt(), 1);
    QCOMPARE(finished.first().at(1).toInt(), 0);

    const auto r = m_library->recordByName(QStringLiteral("routeros-x86-6.48.4.npk"));
    QVERIFY(r);
    QCOMPARE(r->oui, QStringLiteral("E48D8C"));
    QCOMPARE(r->productClass, QStringLiteral("CHR"));
    QCOMPARE(r->version, QStringLiteral("6.48.4"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(r->sha256,
             QString::fromLatin1(
                 QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256).toHex()));
    // Published on the built-in server: the row says so and the URL answers.
    QTRY_VERIFY(
        m_library->record(r->id)->publishedTo.testFlag(firmware::PublishTarget::BuiltInServer));
    const QUrl url = m_library->record(r->id)->publishedUrl;
    QCOMPARE(url, m_server->urlFor(QStringLiteral("routeros-x86-6.48.4.npk")));
    QVERIFY(m_server->publishedFile(QStringLiteral("routeros-x86-6.48.4.npk")).has_value());
    m_screen->selectFile(QStringLiteral("routeros-x86-6.48.4.npk"));
    QVERIFY(m_screen->copyUrlButton()->isEnabled());
    m_screen->copySelectedUrl();
    QVERIFY(m_screen->statusLabel()->text().contains(url.toString()));
    QTRY_VERIFY(audited.size() >= 2);
    QStringList actions;
    for (const auto &call : audited)
        actions << call.first().value<store::AuditEntry>().action;
    QVERIFY(actions.contains(QStringLiteral("file.uploaded")));
    QVERIFY(actions.contains(QStringLiteral("file.published")));

    // Unpublish: the server stops serving it and the row says so.
    QVERIFY(m_screen->unpublishButton()->isEnabled());
    m_screen->unpublishSelected();
    QVERIFY(!m_server->publishedFile(QStringLiteral("routeros-x86-6.48.4.npk")).has_value());
    QTRY_COMPARE(m_library->record(r->id)->publishedTo, firmware::PublishTargets());
}

void TestFilesScreen::uploadDialogBadInput_data()
{
    QTest::addColumn<QString>("fileName");
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("expected");  // in the dialog's message
    QTest::addColumn<QString>("fixedName"); // after "Use <suggestion>", empty: no fix offered
    QTest::newRow("empty file") << QStringLiteral("empty.rsc") << QByteArray()
                                << QStringLiteral("is empty") << QString();
    QTest::newRow(".npk that is not a package")
        << QStringLiteral("routeros-x86-6.48.4.npk") << QByteArray("<html>not found</html>")
        << QStringLiteral("routeros-x86-6.48.4.npk") << QString();
    QTest::newRow("name GenieACS mangles")
        << QStringLiteral("my config #2 (new).rsc") << QByteArray("/system identity print\n")
        << QStringLiteral("not safe") << QStringLiteral("my_config_2_new.rsc");
    QTest::newRow("duplicate name: GenieACS overwrites")
        << QStringLiteral("taken.rsc") << QByteArray("/system identity print\n")
        << QStringLiteral("GenieACS keeps one file per name") << QStringLiteral("taken-2.rsc");
}

void TestFilesScreen::uploadDialogBadInput()
{
    QFETCH(QString, fileName);
    QFETCH(QByteArray, content);
    QFETCH(QString, expected);
    QFETCH(QString, fixedName);
    makeScreen(false);
    if (fileName == QLatin1String("taken.rsc")) {
        // The library holds a file of that name already.
        const QString other = writeFile(QStringLiteral("other.rsc"), "/ip address print\n");
        firmware::ImportRequest request;
        request.sourcePath = other;
        request.metadata.fileName = QStringLiteral("taken.rsc");
        request.metadata.fileType = FileType::VendorConfigurationFile;
        QSignalSpy done(m_library->importFile(request), &firmware::ImportJob::finished);
        QVERIFY(done.wait(20000));
    }
    const QString path = writeFile(fileName, content);
    QVERIFY(!path.isEmpty());
    ui::UploadDialog *dialog = m_screen->openUpload({path});
    const QString message = dialog->messageLabel()->text();
    QVERIFY2(message.contains(expected.toHtmlEscaped()), qPrintable(message));
    if (fixedName.isEmpty()) {
        // Nothing to fix: the file cannot be added at all.
        QVERIFY(!dialog->uploadButton()->isEnabled());
        QVERIFY(dialog->useSuggestionButton()->isHidden());
        return;
    }
    // The dialog proposes a usable name at once and says why...
    QCOMPARE(dialog->fileNameEdit()->text(), fixedName);
    QVERIFY(dialog->uploadButton()->isEnabled());
    // ...and refuses the original name when the engineer types it back.
    dialog->fileNameEdit()->setText(fileName);
    QVERIFY(!dialog->uploadButton()->isEnabled());
    QVERIFY2(dialog->messageLabel()->text().contains(expected.toHtmlEscaped()),
             qPrintable(dialog->messageLabel()->text()));
    if (fileName == QLatin1String("taken.rsc")) {
        // Replacing is the other way out.
        QVERIFY(dialog->replaceCheck()->isVisible());
        dialog->replaceCheck()->setChecked(true);
        QVERIFY(dialog->uploadButton()->isEnabled());
        QVERIFY(dialog->messageLabel()->text().contains(QLatin1String("replaces")));
        dialog->replaceCheck()->setChecked(false);
        QVERIFY(!dialog->uploadButton()->isEnabled());
    } else {
        QVERIFY(!dialog->replaceCheck()->isVisible());
    }
    QVERIFY(dialog->useSuggestionButton()->isVisible());
    QCOMPARE(dialog->useSuggestionButton()->text(), QStringLiteral("Use %1").arg(fixedName));
    QTest::mouseClick(dialog->useSuggestionButton(), Qt::LeftButton);
    QCOMPARE(dialog->fileNameEdit()->text(), fixedName);
    QVERIFY(dialog->uploadButton()->isEnabled());
    QSignalSpy finished(dialog, &ui::UploadDialog::uploadsFinished);
    QTest::mouseClick(dialog->uploadButton(), Qt::LeftButton);
    QVERIFY(finished.wait(20000));
    QCOMPARE(finished.first().at(0).toInt(), 1);
    QVERIFY(m_library->recordByName(fixedName));
}

void TestFilesScreen::dropOfManyFilesOpensTheUploadDialog()
{
    makeScreen();
    const QString routeros =
        writePackage(QStringLiteral("routeros-x86-6.48.4.npk"), QStringLiteral("system"), "6.48.4");
    const QString client = writePackage(QStringLiteral("tr069-client-6.48.4.npk"),
                                        QStringLiteral("tr069-client"), "6.48.4");
    const QString empty = writeFile(QStringLiteral("empty.rsc"), QByteArray());
    const QString vanishing = writeFile(QStringLiteral("gone.rsc"), "/system reboot\n");

    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(routeros), QUrl::fromLocalFile(client),
                  QUrl::fromLocalFile(empty), QUrl::fromLocalFile(vanishing)});
    const QPoint at = m_screen->rect().center();
    QDragEnterEvent enter(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(m_screen.get(), &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(at), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(m_screen.get(), &drop);
    QVERIFY(drop.isAccepted());

    auto *dialog = m_screen->findChild<ui::UploadDialog *>();
    QVERIFY(dialog);
    QCOMPARE(dialog->fileList()->count(), 4);
    QVERIFY(dialog->fileList()->isVisibleTo(dialog));
    QVERIFY(dialog->fileList()->item(2)->text().contains(QLatin1String("left out")));
    QVERIFY(dialog->fileList()->item(2)->text().contains(QLatin1String("empty")));
    QCOMPARE(dialog->uploadButton()->text(), QStringLiteral("&Upload 3 files"));
    // Fields follow the selected file.
    dialog->fileList()->setCurrentRow(1);
    QCOMPARE(dialog->fileNameEdit()->text(), QStringLiteral("tr069-client-6.48.4.npk"));

    // A file that disappears before the upload cannot be read: it fails, the others go in.
    QVERIFY(QFile::remove(vanishing));
    QSignalSpy finished(dialog, &ui::UploadDialog::uploadsFinished);
    QTest::mouseClick(dialog->uploadButton(), Qt::LeftButton);
    QVERIFY(finished.wait(20000));
    QCOMPARE(finished.first().at(0).toInt(), 2);
    QCOMPARE(finished.first().at(1).toInt(), 1);
    QVERIFY(dialog->isVisible()); // stays open to show what failed
    QVERIFY2(dialog->fileList()->item(3)->text().contains(QLatin1String("failed")),
             qPrintable(dialog->fileList()->item(3)->text()));
    QTRY_COMPARE(m_screen->model()->rowCount(), 2);
    QVERIFY(m_library->recordByName(QStringLiteral("routeros-x86-6.48.4.npk")));
    QVERIFY(m_library->recordByName(QStringLiteral("tr069-client-6.48.4.npk")));
}

void TestFilesScreen::deleteRefusedWhileABatchUsesTheFile()
{
    FileRecord used;
    used.fileName = QStringLiteral("upgrade_6.48.4_x86.xml");
    used.size = 10;
    used.sha256 = QString(64, QLatin1Char('b'));
    used.batchIds = {12};
    m_catalog->insert(used).waitForFinished();
    FileRecord free = used;
    free.fileName = QStringLiteral("old.rsc");
    free.fileType = FileType::VendorConfigurationFile;
    free.batchIds.clear();
    free.storedPath = writeFile(QStringLiteral("old.rsc"), "x");
    m_catalog->insert(free).waitForFinished();
    makeScreen(false);
    QCOMPARE(m_screen->model()->rowCount(), 2);

    m_screen->selectFile(QStringLiteral("upgrade_6.48.4_x86.xml"));
    QVERIFY(m_screen->deleteButton()->toolTip().contains(QLatin1String("cannot be deleted")));
    ui::MessageBox::setNextAnswer(QMessageBox::Ok);
    m_screen->deleteSelected();
    QVERIFY2(ui::MessageBox::lastText().contains(QLatin1String("#12")),
             qPrintable(ui::MessageBox::lastText()));
    QVERIFY(m_library->recordByName(QStringLiteral("upgrade_6.48.4_x86.xml")));
    QCOMPARE(m_screen->model()->rowCount(), 2);

    // A file no batch uses goes after the engineer confirms.
    m_screen->selectFile(QStringLiteral("old.rsc"));
    ui::MessageBox::setNextAnswer(QMessageBox::No);
    m_screen->deleteSelected();
    QVERIFY(m_library->recordByName(QStringLiteral("old.rsc")));
    ui::MessageBox::setNextAnswer(QMessageBox::Yes);
    m_screen->deleteSelected();
    QTRY_COMPARE(m_screen->model()->rowCount(), 1);
    QVERIFY(!m_library->recordByName(QStringLiteral("old.rsc")));
}

void TestFilesScreen::descriptorBuilderBuildsChecksAndPublishes()
{
    makeScreen();
    const FileRecord routeros = importPackage(QStringLiteral("routeros-x86-6.48.4.npk"),
                                              QStringLiteral("system"), "6.48.4");
    const FileRecord client = importPackage(QStringLiteral("tr069-client-6.48.4.npk"),
                                            QStringLiteral("tr069-client"), "6.48.4");
    QVERIFY(routeros.id && client.id);
    for (const QString &name : {routeros.fileName, client.fileName}) {
        m_screen->selectFile(name);
        QVERIFY(m_screen->publishButton()->isEnabled());
        m_screen->publishSelected();
    }

    ui::DescriptorDialog *dialog = m_screen->openDescriptorBuilder();
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    QCOMPARE(dialog->baseEdit()->text(), m_server->baseUrl().toString());
    QVERIFY(dialog->baseEdit()->text().startsWith(QLatin1String("https://127.0.0.1:")));
    QCOMPARE(dialog->packageList()->count(), 2);
    dialog->selectPackages({routeros.id, client.id});
    QCOMPARE(dialog->fileNameEdit()->text(), QStringLiteral("upgrade_6.48.4_x86.xml"));
    const QString xml = dialog->xmlView()->toPlainText();
    QVERIFY2(xml.contains(QLatin1String("<upgrade version=\"1\" type=\"links\">")),
             qPrintable(xml));
    QVERIFY(xml.contains(m_server->urlFor(routeros.fileName).toString()));
    QVERIFY(xml.contains(m_server->urlFor(client.fileName).toString()));
    QVERIFY(xml.indexOf(QLatin1String("routeros-x86")) < xml.indexOf(QLatin1String("tr069")));
    QVERIFY(!firmware::DescriptorValidator::hasErrors(dialog->issues()));
    // Nothing goes into the library before the links answered.
    QVERIFY(!dialog->addButton()->isEnabled());

    QSignalSpy checked(dialog, &ui::DescriptorDialog::linkCheckFinished);
    QTest::mouseClick(dialog->checkButton(), Qt::LeftButton);
    QVERIFY(checked.wait(20000));
    QVERIFY2(checked.last().first().toBool(), qPrintable(dialog->statusLabel()->text()));
    QVERIFY(dialog->addButton()->isEnabled());

    QSignalSpy added(dialog, &ui::DescriptorDialog::descriptorAdded);
    QTest::mouseClick(dialog->addButton(), Qt::LeftButton);
    QVERIFY(added.wait(20000));
    const auto descriptor = m_library->recordByName(QStringLiteral("upgrade_6.48.4_x86.xml"));
    QVERIFY(descriptor);
    QCOMPARE(descriptor->version, QStringLiteral("6.48.4"));
    QCOMPARE(descriptor->oui, QStringLiteral("E48D8C"));
    QCOMPARE(descriptor->productClass, QStringLiteral("CHR"));
    // Published like any file.
    QTRY_VERIFY(m_server->publishedFile(QStringLiteral("upgrade_6.48.4_x86.xml")).has_value());
    QFile stored(descriptor->storedPath);
    QVERIFY(stored.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(stored.readAll()), xml);
}

void TestFilesScreen::descriptorBuilderRefuses_data()
{
    QTest::addColumn<QString>("case_");
    QTest::newRow("mixed versions") << QStringLiteral("mixed");
    QTest::newRow("no system package") << QStringLiteral("nosystem");
    QTest::newRow("dead link (unpublished)") << QStringLiteral("dead");
    QTest::newRow("untrusted certificate") << QStringLiteral("untrusted");
}

void TestFilesScreen::descriptorBuilderRefuses()
{
    QFETCH(QString, case_);
    makeScreen();
    const FileRecord routeros = importPackage(QStringLiteral("routeros-x86-6.48.4.npk"),
                                              QStringLiteral("system"), "6.48.4");
    const FileRecord client =
        importPackage(QStringLiteral("tr069-client-6.47.npk"), QStringLiteral("tr069-client"),
                      case_ == QLatin1String("mixed") ? "6.47" : "6.48.4");
    for (const QString &name : {routeros.fileName, client.fileName}) {
        m_screen->selectFile(name);
        m_screen->publishSelected();
    }
    if (case_ == QLatin1String("untrusted"))
        m_probe->setFingerprintSource({});
    ui::DescriptorDialog *dialog = m_screen->openDescriptorBuilder();
    dialog->selectPackages(case_ == QLatin1String("nosystem")
                               ? QList<qint64>{client.id}
                               : QList<qint64>{routeros.id, client.id});
    auto hasIssue = [dialog](DescriptorIssue::Code code) {
        for (const DescriptorIssue &i : dialog->issues()) {
            if (i.code == code)
                return true;
        }
        for (int row = 0; row < dialog->issueList()->count(); ++row) {
            if (dialog->issueList()->item(row)->data(Qt::UserRole).toInt() == int(code))
                return true;
        }
        return false;
    };
    if (case_ == QLatin1String("mixed") || case_ == QLatin1String("nosystem")) {
        QVERIFY(hasIssue(case_ == QLatin1String("mixed")
                             ? DescriptorIssue::Code::MixedVersions
                             : DescriptorIssue::Code::MissingSystemPackage));
        QVERIFY(!dialog->checkButton()->isEnabled());
        QVERIFY(!dialog->addButton()->isEnabled());
        QVERIFY(dialog->addButton()->toolTip().contains(QLatin1String("Fix the errors")));
        return;
    }
    if (case_ == QLatin1String("dead"))
        m_server->unpublish(client.fileName); // behind the library's back
    QSignalSpy checked(dialog, &ui::DescriptorDialog::linkCheckFinished);
    dialog->checkLinks();
    QVERIFY(checked.wait(20000));
    QCOMPARE(checked.last().first().toBool(), false);
    if (case_ == QLatin1String("dead")) {
        QVERIFY(hasIssue(DescriptorIssue::Code::HttpError));
    } else {
        QVERIFY(hasIssue(DescriptorIssue::Code::LinkUnreachable));
        bool mentionsCertificate = false;
        for (int row = 0; row < dialog->issueList()->count(); ++row)
            mentionsCertificate |= dialog->issueList()->item(row)->text().contains(
                QLatin1String("certificate"), Qt::CaseInsensitive);
        QVERIFY(mentionsCertificate);
    }
    QVERIFY(!dialog->addButton()->isEnabled());
}

void TestFilesScreen::importedDescriptorIsValidated()
{
    makeScreen();
    importPackage(QStringLiteral("routeros-x86-6.48.4.npk"), QStringLiteral("system"), "6.48.4");
    importPackage(QStringLiteral("tr069-client-6.47.npk"), QStringLiteral("tr069-client"), "6.47");
    const QString base = m_server->baseUrl().toString();
    const QByteArray xml =
        "<upgrade version=\"1\" type=\"links\">\n  <config/>\n  <links>\n"
        "    <link>\n      <url>" +
        base.toUtf8() + "routeros-x86-6.48.4.npk</url>\n    </link>\n    <link>\n      <url>" +
        base.toUtf8() + "tr069-client-6.47.npk</url>\n    </link>\n  </links>\n</upgrade>\n";
    const QString path = writeFile(QStringLiteral("upgrade.xml"), xml);
    ui::DescriptorDialog *dialog = m_screen->openDescriptorBuilder();
    QVERIFY(dialog->importDescriptor(path));
    QCOMPARE(dialog->packages().size(), 2);
    bool mixed = false;
    for (const DescriptorIssue &i : dialog->issues())
        mixed |= i.code == DescriptorIssue::Code::MixedVersions;
    QVERIFY(mixed);
    QVERIFY(!dialog->checkButton()->isEnabled());

    // A file that is not a descriptor at all.
    const QString broken = writeFile(QStringLiteral("broken.xml"), "<upgrade><oops/></upgrade>");
    QVERIFY(!dialog->importDescriptor(broken));
    QVERIFY(!dialog->issues().isEmpty());
    QVERIFY(!dialog->addButton()->isEnabled());
    dialog->clearImport();
    QVERIFY(dialog->packageList()->isEnabled());
}

void TestFilesScreen::packagesDroppedOnTheBuilderAreAddedAndTicked()
{
    makeScreen();
    const QString routeros =
        writePackage(QStringLiteral("routeros-x86-6.48.4.npk"), QStringLiteral("system"), "6.48.4");
    const QString client = writePackage(QStringLiteral("tr069-client-6.48.4.npk"),
                                        QStringLiteral("tr069-client"), "6.48.4");
    const QString notNpk = writeFile(QStringLiteral("gps-6.48.4.npk"), "<html>404</html>");
    ui::DescriptorDialog *dialog = m_screen->openDescriptorBuilder();
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    QCOMPARE(dialog->packageList()->count(), 0);

    QMimeData mime;
    mime.setUrls(
        {QUrl::fromLocalFile(routeros), QUrl::fromLocalFile(client), QUrl::fromLocalFile(notNpk)});
    const QPoint at = dialog->rect().center();
    QDragEnterEvent enter(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(dialog, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(at), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(dialog, &drop);
    // The broken package is refused with the reader's reason; the others go in and are ticked.
    QVERIFY2(dialog->statusLabel()->text().contains(QLatin1String("gps-6.48.4.npk")),
             qPrintable(dialog->statusLabel()->text()));
    QTRY_COMPARE_WITH_TIMEOUT(dialog->packages().size(), 2, 20000);
    QCOMPARE(dialog->packageList()->count(), 2);
    QCOMPARE(dialog->fileNameEdit()->text(), QStringLiteral("upgrade_6.48.4_x86.xml"));
    QVERIFY(m_library->recordByName(QStringLiteral("routeros-x86-6.48.4.npk")));
    QVERIFY(!m_library->recordByName(QStringLiteral("gps-6.48.4.npk")));
    // Not published yet: the links do not answer, and the check says so.
    QSignalSpy checked(dialog, &ui::DescriptorDialog::linkCheckFinished);
    dialog->checkLinks();
    QVERIFY(checked.wait(20000));
    QCOMPARE(checked.last().first().toBool(), false);
    QVERIFY(!dialog->addButton()->isEnabled());
}

void TestFilesScreen::cancelWhileHashing()
{
    makeScreen(false);
    // Large and sparse: hashing takes long enough to be cancelled, and costs no disk.
    const QString path = m_dir->filePath(QStringLiteral("desktop/web-bundle.tar"));
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QVERIFY(f.resize(qint64(768) * 1024 * 1024));
    }
    ui::UploadDialog *dialog = m_screen->openUpload({path});
    dialog->typeCombo()->setCurrentIndex(dialog->typeCombo()->findData(int(FileType::WebContent)));
    QSignalSpy finished(dialog, &ui::UploadDialog::uploadsFinished);
    QTest::mouseClick(dialog->uploadButton(), Qt::LeftButton);
    QVERIFY(dialog->isUploading());
    QVERIFY(dialog->cancelButton()->isVisible());
    QVERIFY(!dialog->uploadButton()->isEnabled());
    QTest::mouseClick(dialog->cancelButton(), Qt::LeftButton);
    QVERIFY(finished.wait(20000));
    QCOMPARE(finished.first().at(0).toInt(), 0);
    QVERIFY(!dialog->isUploading());
    QVERIFY(dialog->isVisible());
    QVERIFY(dialog->uploadButton()->isEnabled()); // it can be tried again
    QVERIFY(!m_library->recordByName(QStringLiteral("web-bundle.tar")));
    // No staged copy is left in the library folder.
    QTRY_COMPARE(QDir(m_library->folder()).entryList(QDir::Files | QDir::Hidden).size(), 0);
}

void TestFilesScreen::cancelUploadToGenieAcs()
{
    CannedHttpServer nbi(CannedHttpServer::silent());
    AcsProfile profile;
    profile.name = QStringLiteral("Lab");
    profile.nbiUrl = QUrl(nbi.baseUrl());
    acs::NbiClient client(profile, QString());
    ui::NbiFileUploader uploader(&client);
    m_library = std::make_unique<firmware::FileLibrary>(m_dir->filePath(QStringLiteral("files")),
                                                        *m_catalog, m_clock);
    QSignalSpy loaded(m_library.get(), &firmware::FileLibrary::loaded);
    m_library->load();
    QTRY_COMPARE(loaded.size(), 1);
    m_screen = std::make_unique<ui::FilesScreen>(
        ui::FilesScreen::Services{*m_library, *m_audit, nullptr, nullptr, &uploader});
    m_screen->show();
    const FileRecord r = importPackage(QStringLiteral("routeros-x86-6.48.4.npk"),
                                       QStringLiteral("system"), "6.48.4");
    m_screen->selectFile(r.fileName);
    QSignalSpy done(m_screen.get(), &ui::FilesScreen::genieAcsUploadFinished);
    m_screen->uploadSelectedToGenieAcs();
    QVERIFY(m_screen->transferProgress()->isVisible());
    QVERIFY(!m_screen->genieAcsButton()->isEnabled()); // one upload at a time
    QTRY_VERIFY(!nbi.requests().isEmpty());
    m_screen->cancelGenieAcsUpload();
    QTRY_COMPARE(done.size(), 1); // the NBI client may report the cancel at once
    QCOMPARE(done.first().first().toBool(), false);
    QVERIFY(m_screen->statusLabel()->text().contains(QLatin1String("cancelled")));
    QVERIFY(!m_screen->transferProgress()->isVisible());
    QVERIFY(!m_library->record(r.id)->publishedTo.testFlag(firmware::PublishTarget::GenieAcs));
    QVERIFY(m_screen->genieAcsButton()->isEnabled());
}

void TestFilesScreen::publishedFilesAreRestoredAtStart()
{
    makeScreen();
    const FileRecord kept = importPackage(QStringLiteral("routeros-x86-6.48.4.npk"),
                                          QStringLiteral("system"), "6.48.4");
    const FileRecord lost = importPackage(QStringLiteral("tr069-client-6.48.4.npk"),
                                          QStringLiteral("tr069-client"), "6.48.4");
    for (const QString &name : {kept.fileName, lost.fileName}) {
        m_screen->selectFile(name);
        m_screen->publishSelected();
    }
    QTRY_VERIFY(m_library->record(lost.id)->publishedUrl.isValid());
    const QUrl before = m_library->record(kept.id)->publishedUrl;

    // A new start: a new server (another port), and one stored file has gone from the disk.
    m_screen.reset();
    m_server->stop();
    m_server = std::make_unique<fileserver::FileServer>(m_clock);
    fileserver::FileServerConfig config;
    config.bindAddress = QHostAddress::LocalHost;
    config.publicHost = QStringLiteral("127.0.0.1");
    config.dataDirectory = m_dir->path();
    config.workerThreads = 1;
    QVERIFY(m_server->start(config));
    QVERIFY(QFile::remove(m_library->record(lost.id)->storedPath));
    ui::FileServerPublisher publisher(*m_server);
    QVERIFY(!m_server->publishedFile(kept.fileName));
    const QStringList problems = publisher.restore(*m_library);
    QCOMPARE(problems.size(), 1);
    QVERIFY(problems.first().contains(lost.fileName));
    QVERIFY(m_server->publishedFile(kept.fileName));
    QTRY_COMPARE(m_library->record(kept.id)->publishedUrl, m_server->urlFor(kept.fileName));
    QCOMPARE(before.path(), m_library->record(kept.id)->publishedUrl.path());
    QTRY_VERIFY(
        !m_library->record(lost.id)->publishedTo.testFlag(firmware::PublishTarget::BuiltInServer));
    // The link answers with the library's size.
    std::unique_ptr<firmware::LinkProbeReply> reply(
        m_probe->head(m_library->record(kept.id)->publishedUrl));
    QSignalSpy answered(reply.get(), &firmware::LinkProbeReply::finished);
    QVERIFY(answered.wait(20000));
    QCOMPARE(reply->result().httpStatus, 200);
    QCOMPARE(reply->result().contentLength, kept.size);
}

void TestFilesScreen::uploadToGenieAcsSendsTheMetadataHeaders()
{
    // GenieACS: PUT /files/<name> answers 201; the NBI client then refreshes GenieACS's CWMP
    // cache (DELETE /objects/firmwaredesk-cache-refresh, 200) so Download RPCs carry the size.
    auto putStatus = std::make_shared<int>(201);
    CannedHttpServer nbi([putStatus](QTcpSocket *s, const CannedHttpServer::Request &r) {
        const QList<std::pair<QByteArray, QByteArray>> genie{{"GenieACS-Version", "1.2.16"}};
        if (r.method == "PUT" && r.target.startsWith("/files/"))
            s->write(CannedHttpServer::response(
                *putStatus, *putStatus == 201 ? "Created" : "Internal Server Error", genie, {}));
        else if (r.method == "DELETE" && r.target == "/objects/firmwaredesk-cache-refresh")
            s->write(CannedHttpServer::response(200, "OK", genie, {}));
        else
            s->write(CannedHttpServer::response(404, "Not Found", genie, {}));
    });
    auto calls = [&nbi] {
        QStringList out;
        for (const CannedHttpServer::Request &r : nbi.requests())
            out << QString::fromLatin1(r.method + ' ' + r.target);
        return out;
    };
    AcsProfile profile;
    profile.name = QStringLiteral("Lab");
    profile.nbiUrl = QUrl(nbi.baseUrl());
    acs::NbiClient client(profile, QString());
    ui::NbiFileUploader uploader(&client);

    m_library = std::make_unique<firmware::FileLibrary>(m_dir->filePath(QStringLiteral("files")),
                                                        *m_catalog, m_clock);
    QSignalSpy loaded(m_library.get(), &firmware::FileLibrary::loaded);
    m_library->load();
    QTRY_COMPARE(loaded.size(), 1);
    m_screen = std::make_unique<ui::FilesScreen>(
        ui::FilesScreen::Services{*m_library, *m_audit, nullptr, nullptr, &uploader});
    m_screen->show();
    const FileRecord r = importPackage(QStringLiteral("routeros-x86-6.48.4.npk"),
                                       QStringLiteral("system"), "6.48.4");
    m_screen->selectFile(r.fileName);
    QVERIFY(m_screen->genieAcsButton()->isEnabled());
    QSignalSpy done(m_screen.get(), &ui::FilesScreen::genieAcsUploadFinished);
    m_screen->uploadSelectedToGenieAcs();
    QVERIFY(done.wait(20000));
    QVERIFY2(done.first().first().toBool(), qPrintable(m_screen->statusLabel()->text()));
    QCOMPARE(calls(), QStringList({QStringLiteral("PUT /files/routeros-x86-6.48.4.npk"),
                                   QStringLiteral("DELETE /objects/firmwaredesk-cache-refresh")}));
    const CannedHttpServer::Request put = nbi.requests().constFirst();
    QCOMPARE(put.headers.value("filetype"), QByteArray("1 Firmware Upgrade Image"));
    QCOMPARE(put.headers.value("oui"), QByteArray("E48D8C"));
    QCOMPARE(put.headers.value("productclass"), QByteArray("CHR"));
    QCOMPARE(put.headers.value("version"), QByteArray("6.48.4"));
    QCOMPARE(qint64(put.body.size()), r.size);
    QTRY_VERIFY(m_library->record(r.id)->publishedTo.testFlag(firmware::PublishTarget::GenieAcs));
    QCOMPARE(m_screen->model()->index(0, models::FilesModel::Published).data().toString(),
             QStringLiteral("GenieACS"));

    // A second upload of the same name asks first (GenieACS replaces its file).
    ui::MessageBox::setNextAnswer(QMessageBox::No);
    m_screen->uploadSelectedToGenieAcs();
    QVERIFY(ui::MessageBox::lastText().contains(QLatin1String("replaces")));
    QCOMPARE(done.size(), 1);
    QCOMPARE(nbi.requests().size(), 2);

    // GenieACS failing is reported, and the record is not marked; nothing to refresh.
    *putStatus = 500;
    const FileRecord other = importPackage(QStringLiteral("tr069-client-6.48.4.npk"),
                                           QStringLiteral("tr069-client"), "6.48.4");
    m_screen->selectFile(other.fileName);
    m_screen->uploadSelectedToGenieAcs();
    QVERIFY(done.wait(20000));
    QCOMPARE(done.last().first().toBool(), false);
    QVERIFY(m_screen->statusLabel()->text().contains(QLatin1String("not uploaded")));
    QVERIFY(!m_library->record(other.id)->publishedTo.testFlag(firmware::PublishTarget::GenieAcs));
    QVERIFY(calls().endsWith(QStringLiteral("PUT /files/tr069-client-6.48.4.npk")));

    // Several files from the upload dialog go to GenieACS one after the other.
    *putStatus = 201;
    const qsizetype sentBefore = nbi.requests().size();
    const QString a = writeFile(QStringLiteral("a.rsc"), "/system identity set name=a\n");
    const QString b = writeFile(QStringLiteral("b.rsc"), "/system identity set name=b\n");
    ui::UploadDialog *dialog = m_screen->openUpload({a, b});
    QVERIFY(dialog->genieAcsCheck()->isEnabled());
    dialog->genieAcsCheck()->setChecked(true);
    const int before = int(done.size());
    QTest::mouseClick(dialog->uploadButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(int(done.size()), before + 2, 20000);
    QVERIFY(done.at(before).first().toBool() && done.at(before + 1).first().toBool());
    QCOMPARE(calls().mid(sentBefore),
             QStringList({QStringLiteral("PUT /files/a.rsc"),
                          QStringLiteral("DELETE /objects/firmwaredesk-cache-refresh"),
                          QStringLiteral("PUT /files/b.rsc"),
                          QStringLiteral("DELETE /objects/firmwaredesk-cache-refresh")}));
    QCOMPARE(nbi.requests().at(sentBefore + 2).headers.value("filetype"),
             QByteArray("3 Vendor Configuration File"));
}

void TestFilesScreen::actionsWithoutServicesAreDisabledWithAReason()
{
    FileRecord r;
    r.fileName = QStringLiteral("a.rsc");
    r.fileType = FileType::VendorConfigurationFile;
    r.size = 3;
    m_catalog->insert(r).waitForFinished();
    makeScreen(false);
    m_screen->selectFile(QStringLiteral("a.rsc"));
    QVERIFY(!m_screen->publishButton()->isEnabled());
    QVERIFY(m_screen->publishButton()->toolTip().contains(QLatin1String("file server")));
    QVERIFY(!m_screen->genieAcsButton()->isEnabled());
    QVERIFY(m_screen->genieAcsButton()->toolTip().contains(QLatin1String("GenieACS")));
    QVERIFY(!m_screen->copyUrlButton()->isEnabled());
    QVERIFY(m_screen->deleteButton()->isEnabled());
    // Filters: type and text.
    m_screen->typeFilter()->setCurrentIndex(
        m_screen->typeFilter()->findData(int(FileType::ToneFile)));
    QCOMPARE(m_screen->proxy()->rowCount(), 0);
    QVERIFY(m_screen->statusLabel()->text().contains(QLatin1String("0 of 1")));
    m_screen->typeFilter()->setCurrentIndex(0);
    m_screen->searchEdit()->setText(QStringLiteral("A.RSC"));
    QCOMPARE(m_screen->proxy()->rowCount(), 1);
}

void TestFilesScreen::readmeScreenshots()
{
    const QString out = qEnvironmentVariable("FWD_SCREENSHOT_DIR");
    if (out.isEmpty())
        QSKIP("set FWD_SCREENSHOT_DIR to write the README's screenshots");
    FileRecord inUse;
    inUse.fileName = QStringLiteral("upgrade_6.47.10_x86.xml");
    inUse.oui = QStringLiteral("E48D8C");
    inUse.productClass = QStringLiteral("CHR");
    inUse.version = QStringLiteral("6.47.10");
    inUse.size = 301;
    inUse.sha256 =
        QStringLiteral("3f1c9a2be0d4a7c1e9b5f2d86a0c4e7b91d3f5a8c2e6b0d4f7a9c1e3b5d7f902");
    inUse.batchIds = {3};
    inUse.publishedTo = firmware::PublishTarget::GenieAcs;
    m_catalog->insert(inUse).waitForFinished();
    makeScreen();
    const FileRecord routeros = importPackage(QStringLiteral("routeros-x86-6.48.4.npk"),
                                              QStringLiteral("system"), "6.48.4");
    const FileRecord client = importPackage(QStringLiteral("tr069-client-6.48.4.npk"),
                                            QStringLiteral("tr069-client"), "6.48.4");
    const QString rsc = writeFile(QStringLiteral("factory-tr069.rsc"),
                                  "/tr069-client set acs-url=https://acs.example.net:7547/ "
                                  "enabled=yes periodic-inform-interval=5m\n");
    ui::UploadDialog *upload = m_screen->openUpload({rsc});
    upload->typeCombo()->setCurrentIndex(
        upload->typeCombo()->findData(int(FileType::MikrotikFactoryConfigurationFile)));
    upload->ouiCombo()->setCurrentText(QStringLiteral("E48D8C"));
    upload->versionEdit()->setText(QStringLiteral("1"));
    QSignalSpy uploaded(upload, &ui::UploadDialog::uploadsFinished);
    QTest::mouseClick(upload->uploadButton(), Qt::LeftButton);
    QVERIFY(uploaded.wait(20000));
    for (const QString &name : {routeros.fileName, client.fileName}) {
        m_screen->selectFile(name);
        m_screen->publishSelected();
    }
    ui::DescriptorDialog *builder = m_screen->openDescriptorBuilder();
    builder->selectPackages({routeros.id, client.id});
    QSignalSpy checked(builder, &ui::DescriptorDialog::linkCheckFinished);
    builder->checkLinks();
    QVERIFY(checked.wait(20000));
    QVERIFY(checked.last().first().toBool());
    QVERIFY(QTest::qWaitForWindowExposed(builder));
    QVERIFY(builder->grab().save(QDir(out).filePath(QStringLiteral("descriptor-builder.png"))));
    QSignalSpy added(builder, &ui::DescriptorDialog::descriptorAdded);
    builder->addToLibrary();
    QVERIFY(added.wait(20000));
    QTRY_VERIFY(!builder->isVisible());
    m_screen->resize(1240, 460);
    m_screen->selectFile(QStringLiteral("upgrade_6.48.4_x86.xml"));
    QTest::qWait(50); // let the layout settle before the grab
    QVERIFY(m_screen->grab().save(QDir(out).filePath(QStringLiteral("files.png"))));
}

QTEST_MAIN(TestFilesScreen)
#include "tst_filesscreen.moc"
