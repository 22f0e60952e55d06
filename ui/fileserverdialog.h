#pragma once

#include <QDialog>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace fwd {
class Settings;
}

namespace fwd::ui {

// Settings of the built-in file server: port, HTTPS (plain HTTP only on request, with a
// warning), the host name routers reach, an external URL prefix, a certificate and key of the
// engineer's own, a bandwidth cap. Shows the certificate's fingerprint. Saving writes the
// settings; the caller restarts the server.
class FileServerDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FileServerDialog)

public:
    // status: the server's current state line; fingerprint: of the certificate in use.
    FileServerDialog(Settings &settings, const QString &status, const QString &fingerprint,
                     QWidget *parent = nullptr);

    QCheckBox *httpsBox() const { return m_https; }
    QLabel *warningLabel() const { return m_warning; }
    QLineEdit *prefixEdit() const { return m_prefix; }
    QSpinBox *portBox() const { return m_port; }
    QString validate() const;
    void save();

private:
    void update();

    Settings &m_settings;
    QCheckBox *m_enabled = nullptr;
    QSpinBox *m_port = nullptr;
    QCheckBox *m_https = nullptr;
    QLineEdit *m_host = nullptr;
    QLineEdit *m_prefix = nullptr;
    QLineEdit *m_certificate = nullptr;
    QLineEdit *m_key = nullptr;
    QSpinBox *m_bandwidth = nullptr;
    QLabel *m_warning = nullptr;
    QLabel *m_problem = nullptr;
    QPushButton *m_ok = nullptr;
};

} // namespace fwd::ui
