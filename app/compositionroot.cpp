#include "compositionroot.h"

#include "acs/faultsweepscheduler.h"
#include "core/clock.h"
#include "core/logging.h"
#include "core/paths.h"
#include "core/settings.h"
#include "embeddedlab.h"
#include "fileserver/fileserver.h"
#include "fileservercontroller.h"
#include "firmware/filelibrary.h"
#include "httplinkprobe.h"
#include "keychainsecretstore.h"
#include "models/auditlogmodel.h"
#include "models/connectionstatus.h"
#include "store/auditlog.h"
#include "store/sqlfilecatalog.h"
#include "store/store.h"
#include "ui/fileserverdialog.h"
#include "ui/fileserverpublisher.h"
#include "ui/filesscreen.h"
#include "ui/mainwindow.h"
#include "ui/nbifileuploader.h"

#include <QCoreApplication>
#include <QDir>
#include <QHostInfo>
#include <QStyle>

namespace fwd {

struct CompositionRoot::Parts
{
    SystemClock clock;
    std::unique_ptr<Settings> settings;
    std::unique_ptr<SecretStore> secrets;
    std::unique_ptr<store::Store> store;
    std::unique_ptr<store::AuditLog> audit;
    std::unique_ptr<models::AuditLogModel> auditModel;
    std::unique_ptr<models::ConnectionStatus> connection;
    std::unique_ptr<acs::FaultSweepScheduler> faultSweeps;
    std::unique_ptr<store::SqlFileCatalog> fileCatalog;
    std::unique_ptr<firmware::FileLibrary> library;
    std::unique_ptr<HttpLinkProbe> linkProbe;
    std::unique_ptr<EmbeddedLab> lab;
    std::unique_ptr<FileServerController> fileServer;
    std::unique_ptr<ui::FileServerPublisher> publisher;
    std::unique_ptr<ui::NbiFileUploader> uploader;
    std::unique_ptr<ui::MainWindow> window;
};

CompositionRoot::CompositionRoot(CommandLine commandLine)
    : m_commandLine(std::move(commandLine))
    , m_parts(std::make_unique<Parts>())
{}

CompositionRoot::~CompositionRoot()
{
    // The window and the models go before the services they use.
    m_parts->window.reset();
    m_parts->uploader.reset();
    m_parts->publisher.reset();
    m_parts->fileServer.reset(); // stops serving, flushes the access log into the store
    // Let every store job finish and deliver its answer while the objects waiting for it still
    // exist: Qt 6.4's QFuture::then() asserts when its context object is already gone.
    if (m_parts->store) {
        m_parts->store->drain();
        QCoreApplication::sendPostedEvents();
    }
    m_parts->faultSweeps.reset(); // before the client it sweeps with
    m_parts->connection.reset();
    m_parts->auditModel.reset();
    m_parts->audit.reset();
    m_parts->store.reset();
    // The library after the store, and only once the store's answer to load() was delivered:
    // Qt 6.4's QFuture::then/onFailed assert when their context object is already gone.
    if (m_parts->library)
        QCoreApplication::sendPostedEvents(m_parts->library.get());
    m_parts->library.reset();
    m_parts->fileCatalog.reset();
    m_parts->lab.reset();
}

ui::MainWindow *CompositionRoot::window() const
{
    return m_parts->window.get();
}

const acs::FaultSweepScheduler *CompositionRoot::faultSweeps() const
{
    return m_parts->faultSweeps.get();
}

bool CompositionRoot::start()
{
    Parts &p = *m_parts;
    p.settings = std::make_unique<Settings>(
        m_commandLine.settingsFile.isEmpty()
            ? Settings::userBackend()
            : std::make_unique<QSettings>(m_commandLine.settingsFile, QSettings::IniFormat));
    if (const QString problem = p.settings->lastError(); !problem.isEmpty())
        qCWarning(lcApp).noquote() << problem;

    // Secrets: the system keychain when a session bus exists, memory otherwise.
    if (qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"))
        p.secrets = std::make_unique<MemorySecretStore>();
    else
        p.secrets = std::make_unique<KeychainSecretStore>(QStringLiteral("FirmwareDesk"));

    const QString urlText = m_commandLine.databaseUrl.isEmpty()
                                ? p.settings->value(Settings::DatabaseUrl)
                                : m_commandLine.databaseUrl;
    const auto url = store::DatabaseUrl::parse(
        urlText, QDir(dataDirectory()).filePath(QStringLiteral("firmwaredesk.sqlite")));
    p.store = std::make_unique<store::Store>();
    const auto opened = p.store->open(url);
    if (!opened.ok) {
        m_error = opened.error;
        return false;
    }

    const QString user = qEnvironmentVariable("USER", qEnvironmentVariable("USERNAME"));
    p.audit =
        std::make_unique<store::AuditLog>(*p.store, p.clock, user, QHostInfo::localHostName());
    p.auditModel = std::make_unique<models::AuditLogModel>(*p.audit);
    p.auditModel->reload();
    // No GenieACS configured: the lab is the embedded default (and stays so while its profile
    // is the active one).
    // Not in headless mode: a server that hosts files for real routers does not simulate any.
    if (!m_commandLine.headless) {
        p.lab = std::make_unique<EmbeddedLab>(*p.settings);
        if (QString labError; !p.lab->startIfWanted(&labError))
            qCWarning(lcApp).noquote() << labError;
    }
    p.connection = std::make_unique<models::ConnectionStatus>(*p.settings, *p.secrets);
    p.uploader = std::make_unique<ui::NbiFileUploader>(nullptr);
    QObject::connect(p.connection.get(), &models::ConnectionStatus::clientChanged,
                     p.connection.get(),
                     [uploader = p.uploader.get()](acs::NbiClient *c) { uploader->setClient(c); });
    // W5 (app/acs/README.md): faults of tasks with an expiry make GenieACS re-send the task at
    // every session. The active profile's GenieACS is swept as soon as its client exists and
    // then every minute, asynchronously; the sweeps log what they delete.
    p.faultSweeps = std::make_unique<acs::FaultSweepScheduler>();
    QObject::connect(p.connection.get(), &models::ConnectionStatus::clientChanged,
                     p.faultSweeps.get(),
                     [sweeps = p.faultSweeps.get()](acs::NbiClient *c) { sweeps->setClient(c); });

    // The built-in file server runs with the application; its access log goes to the store.
    p.fileServer =
        std::make_unique<FileServerController>(*p.settings, *p.store, p.clock, dataDirectory());
    p.fileServer->apply();
    p.publisher = std::make_unique<ui::FileServerPublisher>(p.fileServer->server());

    if (!m_commandLine.headless) {
        p.window = std::make_unique<ui::MainWindow>(ui::MainWindow::Services{
            *p.settings, *p.secrets, *p.audit, *p.auditModel, *p.connection, url.displayString()});
    }

    // The file library (issue 6) and the Files screen, publishing on the built-in file server
    // and uploading to GenieACS through the active profile's client.
    p.fileCatalog = std::make_unique<store::SqlFileCatalog>(*p.store);
    p.library = std::make_unique<firmware::FileLibrary>(
        QDir(dataDirectory()).filePath(QStringLiteral("files")), *p.fileCatalog, p.clock);
    QObject::connect(p.library.get(), &firmware::FileLibrary::loaded, p.library.get(), [&p] {
        for (const QString &problem : p.publisher->restore(*p.library))
            qCWarning(lcApp).noquote() << problem;
    });
    p.library->load();
    if (m_commandLine.headless) {
        // Headless: the published files are served (restored above once the library has
        // loaded); the file server's state goes to the log instead of the status bar.
        auto logStatus = [server = p.fileServer.get()] {
            qCInfo(lcApp).noquote()
                << "file server:" << server->statusText() << server->statusDetails();
        };
        QObject::connect(p.fileServer.get(), &FileServerController::statusChanged,
                         p.fileServer.get(), logStatus);
        logStatus();
        p.connection->refresh();
        return true;
    }
    p.linkProbe = std::make_unique<HttpLinkProbe>();
    // The link check also trusts the built-in file server's own certificate.
    p.linkProbe->setFingerprintSource(
        [settings = p.settings.get(), server = &p.fileServer->server()] {
            QStringList approved;
            for (const AcsProfile &profile : settings->acsProfiles())
                approved << profile.trustedFingerprints;
            if (const QString own = server->fingerprint(); !own.isEmpty())
                approved << own;
            return approved;
        });
    p.window->addScreen(QStringLiteral("files"),
                        QCoreApplication::translate("fwd::CompositionRoot", "Files"),
                        p.window->style()->standardIcon(QStyle::SP_DirIcon),
                        new ui::FilesScreen({*p.library, *p.audit, p.linkProbe.get(),
                                             p.publisher.get(), p.uploader.get()}));

    auto showFileServer = [window = p.window.get(), server = p.fileServer.get()] {
        window->setFileServerStatus(server->statusText(), server->statusDetails(),
                                    int(server->level()));
    };
    QObject::connect(p.fileServer.get(), &FileServerController::statusChanged, p.window.get(),
                     showFileServer);
    showFileServer();
    QObject::connect(
        p.window.get(), &ui::MainWindow::fileServerSettingsRequested, p.window.get(), [&p] {
            auto *dialog =
                new ui::FileServerDialog(*p.settings, p.fileServer->statusText(),
                                         p.fileServer->server().fingerprint(), p.window.get());
            dialog->setAttribute(Qt::WA_DeleteOnClose);
            QObject::connect(dialog, &QDialog::accepted, p.fileServer.get(), [&p] {
                p.fileServer->apply();
                p.publisher->restore(*p.library);
                p.audit->record(QStringLiteral("fileserver.settings.changed"),
                                p.fileServer->server().baseUrl().toString(),
                                p.fileServer->statusDetails());
            });
            dialog->open();
        });
    const QString screen = !m_commandLine.screen.isEmpty()
                               ? m_commandLine.screen
                               : p.settings->value(Settings::CurrentScreen);
    p.window->showScreen(screen.isEmpty() ? QStringLiteral("files") : screen);
    p.window->show();
    p.connection->refresh();
    if (p.settings->acsProfiles().isEmpty())
        p.window->openConnections();
    return true;
}

} // namespace fwd
