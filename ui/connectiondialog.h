#pragma once

#include "core/settings.h"

#include <QDialog>
#include <QPointer>

class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSpinBox;

namespace fwd {
class SecretStore;
}
namespace fwd::store {
class AuditLog;
}
namespace fwd::acs {
class NbiClient;
class ConnectionTest;
struct ConnectionReport;
} // namespace fwd::acs

namespace fwd::ui {

// GenieACS connection profiles: NBI URL, optional HTTP Basic credentials (for the reverse proxy
// that usually guards the NBI), approved TLS certificates, and Test connection.
class ConnectionDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConnectionDialog)

public:
    ConnectionDialog(Settings &settings, SecretStore &secrets, store::AuditLog &audit,
                     QWidget *parent = nullptr);
    ~ConnectionDialog() override;

    // For tests and for the main window.
    QLineEdit *nameEdit() const { return m_name; }
    QLineEdit *urlEdit() const { return m_url; }
    QLineEdit *userEdit() const { return m_user; }
    QLineEdit *passwordEdit() const { return m_password; }
    QPushButton *testButton() const { return m_test; }
    QPushButton *saveButton() const { return m_save; }
    QLabel *resultLabel() const { return m_result; }
    QListWidget *profileList() const { return m_profiles; }
    QListWidget *trustedList() const { return m_trusted; }

Q_SIGNALS:
    void testFinished(bool ok);

private:
    void loadProfiles();
    void showProfile(int row);
    void addProfile();
    void removeProfile();
    void forgetCertificate();
    AcsProfile profileFromFields() const;
    QString validate() const;
    void updateButtons();
    void startTest();
    void onTestFinished(const acs::ConnectionReport &report);
    void save();

    Settings &m_settings;
    SecretStore &m_secrets;
    store::AuditLog &m_audit;
    QList<AcsProfile> m_list;
    int m_row = -1;

    QListWidget *m_profiles = nullptr;
    QLineEdit *m_name = nullptr;
    QLineEdit *m_url = nullptr;
    QLineEdit *m_user = nullptr;
    QLineEdit *m_password = nullptr;
    QSpinBox *m_timeout = nullptr;
    QListWidget *m_trusted = nullptr;
    QLabel *m_validation = nullptr;
    QLabel *m_result = nullptr;
    QLabel *m_keychainNote = nullptr;
    QPushButton *m_test = nullptr;
    QPushButton *m_save = nullptr;
    QPushButton *m_remove = nullptr;
    QPointer<acs::NbiClient> m_client;
    QPointer<acs::ConnectionTest> m_running;
};

} // namespace fwd::ui
