#pragma once

#include <QMainWindow>

class QLabel;
class QListWidget;
class QStackedWidget;

namespace fwd {
class Settings;
class SecretStore;
} // namespace fwd
namespace fwd::store {
class AuditLog;
}
namespace fwd::models {
class AuditLogModel;
class ConnectionStatus;
} // namespace fwd::models

namespace fwd::ui {

class ActivityScreen;

// The main window: navigation among the screens, the menus, and a status bar with the state of
// the GenieACS connection and the database in use. Remembers its geometry and last screen.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    struct Services
    {
        Settings &settings;
        SecretStore &secrets;
        store::AuditLog &audit;
        models::AuditLogModel &auditModel;
        models::ConnectionStatus &connection;
        QString databaseDescription;
    };

    explicit MainWindow(Services services, QWidget *parent = nullptr);
    ~MainWindow() override;

    // Adds a screen to the navigation; `key` names it in the settings.
    void addScreen(const QString &key, const QString &title, const QIcon &icon, QWidget *screen);
    QString currentScreenKey() const;
    void showScreen(const QString &key);
    QLabel *connectionLabel() const { return m_connectionLabel; }
    QLabel *fileServerLabel() const { return m_fileServerLabel; }
    // The built-in file server's state in the status bar. level: 0 ok, 1 warning, 2 error, 3 off.
    void setFileServerStatus(const QString &text, const QString &details, int level);

Q_SIGNALS:
    // File → File server…: the composition root shows the settings and restarts the server.
    void fileServerSettingsRequested();

public Q_SLOTS:
    // Opens the GenieACS connection profiles; returns the dialog (tests drive it).
    QDialog *openConnections();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createMenus();
    void updateConnectionLabel();
    void restoreState();

    Services m_services;
    QListWidget *m_nav = nullptr;
    QStackedWidget *m_stack = nullptr;
    QLabel *m_connectionLabel = nullptr;
    QLabel *m_databaseLabel = nullptr;
    QLabel *m_fileServerLabel = nullptr;
    QStringList m_keys;
};

} // namespace fwd::ui
