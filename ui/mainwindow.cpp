#include "mainwindow.h"

#include "core/settings.h"
#include "models/auditlogmodel.h"
#include "models/connectionstatus.h"
#include "ui/activityscreen.h"
#include "ui/connectiondialog.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QStackedWidget>
#include <QStatusBar>
#include <QStyle>

namespace fwd::ui {

MainWindow::MainWindow(Services services, QWidget *parent)
    : QMainWindow(parent)
    , m_services(services)
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("FirmwareDesk"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/firmwaredesk.svg")));

    auto *central = new QWidget(this);
    m_nav = new QListWidget(central);
    m_nav->setObjectName(QStringLiteral("navigation"));
    m_nav->setFixedWidth(170);
    m_nav->setIconSize(QSize(22, 22));
    m_nav->setSpacing(2);
    m_stack = new QStackedWidget(central);
    auto *layout = new QHBoxLayout(central);
    layout->setContentsMargins(6, 6, 6, 0);
    layout->addWidget(m_nav);
    layout->addWidget(m_stack, 1);
    setCentralWidget(central);
    connect(m_nav, &QListWidget::currentRowChanged, m_stack, &QStackedWidget::setCurrentIndex);

    m_connectionLabel = new QLabel(this);
    m_connectionLabel->setObjectName(QStringLiteral("connectionState"));
    m_databaseLabel = new QLabel(tr("Database: %1").arg(m_services.databaseDescription), this);
    m_fileServerLabel = new QLabel(this);
    m_fileServerLabel->setObjectName(QStringLiteral("fileServerState"));
    statusBar()->addWidget(m_connectionLabel, 1);
    statusBar()->addPermanentWidget(m_fileServerLabel);
    statusBar()->addPermanentWidget(m_databaseLabel);
    connect(&m_services.connection, &models::ConnectionStatus::stateChanged, this,
            &MainWindow::updateConnectionLabel);
    updateConnectionLabel();

    createMenus();
    addScreen(QStringLiteral("activity"), tr("Activity"),
              style()->standardIcon(QStyle::SP_FileDialogDetailedView),
              new ActivityScreen(m_services.auditModel, m_stack));
    restoreState();
}

MainWindow::~MainWindow() = default;

void MainWindow::createMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *connections = file->addAction(tr("GenieACS &connections…"));
    connections->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
    connect(connections, &QAction::triggered, this, [this] { openConnections(); });
    QAction *reconnect = file->addAction(tr("&Reconnect"));
    reconnect->setShortcut(QKeySequence(Qt::Key_F5));
    connect(reconnect, &QAction::triggered, &m_services.connection,
            &models::ConnectionStatus::refresh);
    QAction *fileServer = file->addAction(tr("&File server…"));
    connect(fileServer, &QAction::triggered, this, &MainWindow::fileServerSettingsRequested);
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"));
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &QWidget::close);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    connect(help->addAction(tr("&About FirmwareDesk")), &QAction::triggered, this, [this] {
        QMessageBox::about(this, tr("About FirmwareDesk"),
                           tr("<h3>FirmwareDesk %1</h3><p>Safe firmware and configuration "
                              "rollouts to TR-069 routers through GenieACS.</p>")
                               .arg(QStringLiteral(FWD_VERSION)));
    });
}

void MainWindow::addScreen(const QString &key, const QString &title, const QIcon &icon,
                           QWidget *screen)
{
    m_keys << key;
    auto *item = new QListWidgetItem(icon, title, m_nav);
    item->setSizeHint(QSize(0, 34));
    m_stack->addWidget(screen);
    if (m_nav->currentRow() < 0)
        m_nav->setCurrentRow(0);
}

QString MainWindow::currentScreenKey() const
{
    const int row = m_nav->currentRow();
    return row >= 0 && row < m_keys.size() ? m_keys.at(row) : QString();
}

void MainWindow::showScreen(const QString &key)
{
    const int row = int(m_keys.indexOf(key));
    if (row >= 0)
        m_nav->setCurrentRow(row);
}

QDialog *MainWindow::openConnections()
{
    auto *dialog =
        new ConnectionDialog(m_services.settings, m_services.secrets, m_services.audit, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
    return dialog;
}

void MainWindow::updateConnectionLabel()
{
    using S = models::ConnectionStatus::State;
    const auto &c = m_services.connection;
    QString colour;
    switch (c.state()) {
    case S::Connected:
        colour = QStringLiteral("#1b7f3a");
        break;
    case S::Failed:
        colour = QStringLiteral("#b00020");
        break;
    case S::Testing:
        colour = QStringLiteral("#8a6d00");
        break;
    case S::NotConfigured:
        colour = QStringLiteral("#666666");
        break;
    }
    m_connectionLabel->setText(QStringLiteral("<span style=\"color:%1\">&#9679;</span> %2")
                                   .arg(colour, c.summary().toHtmlEscaped()));
    m_connectionLabel->setToolTip(c.summary());
    setWindowTitle(c.profileName().isEmpty() ? tr("FirmwareDesk")
                                             : tr("FirmwareDesk — %1").arg(c.profileName()));
}

void MainWindow::setFileServerStatus(const QString &text, const QString &details, int level)
{
    static const char *colours[] = {"#1b7f3a", "#8a4b00", "#b00020", "#666666"};
    const char *colour = colours[qBound(0, level, 3)];
    m_fileServerLabel->setText(QStringLiteral("<span style=\"color:%1\">&#9679;</span> %2")
                                   .arg(QLatin1String(colour), text.toHtmlEscaped()));
    m_fileServerLabel->setToolTip(details);
}

void MainWindow::restoreState()
{
    const QByteArray geometry = m_services.settings.value(Settings::WindowGeometry);
    if (geometry.isEmpty() || !restoreGeometry(geometry))
        resize(1200, 760);
    QMainWindow::restoreState(m_services.settings.value(Settings::WindowState));
    showScreen(m_services.settings.value(Settings::CurrentScreen));
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    m_services.settings.setValue(Settings::WindowGeometry, saveGeometry());
    m_services.settings.setValue(Settings::WindowState, saveState());
    m_services.settings.setValue(Settings::CurrentScreen, currentScreenKey());
    m_services.settings.sync();
    event->accept();
}

} // namespace fwd::ui
