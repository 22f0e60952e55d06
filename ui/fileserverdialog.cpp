#include "fileserverdialog.h"

#include "core/settings.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QUrl>
#include <QVBoxLayout>

namespace fwd::ui {

namespace {
QWidget *withBrowse(QLineEdit *edit, QWidget *parent, const QString &title)
{
    auto *row = new QWidget(parent);
    auto *layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *browse = new QPushButton(QObject::tr("Browse…"), row);
    layout->addWidget(edit, 1);
    layout->addWidget(browse);
    QObject::connect(browse, &QPushButton::clicked, row, [edit, row, title] {
        const QString path = QFileDialog::getOpenFileName(row, title, edit->text(),
                                                          QObject::tr("PEM files (*.pem *.crt "
                                                                      "*.key);;All files (*)"));
        if (!path.isEmpty())
            edit->setText(path);
    });
    return row;
}
} // namespace

FileServerDialog::FileServerDialog(Settings &settings, const QString &status,
                                   const QString &fingerprint, QWidget *parent)
    : QDialog(parent)
    , m_settings(settings)
{
    setWindowTitle(tr("Built-in file server"));
    setObjectName(QStringLiteral("fileServerDialog"));

    auto *state = new QLabel(status, this);
    state->setWordWrap(true);
    state->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *fp =
        new QLabel(fingerprint.isEmpty() ? tr("No certificate in use.")
                                         : tr("Certificate SHA-256 fingerprint:<br><tt>%1</tt>")
                                               .arg(fingerprint.toHtmlEscaped()),
                   this);
    fp->setTextInteractionFlags(Qt::TextSelectableByMouse);
    fp->setWordWrap(true);

    m_enabled = new QCheckBox(tr("Serve published files to routers"), this);
    m_port = new QSpinBox(this);
    m_port->setRange(1, 65535);
    m_https = new QCheckBox(tr("HTTPS (recommended)"), this);
    m_host = new QLineEdit(this);
    m_host->setPlaceholderText(tr("host name routers reach, e.g. files.isp.example"));
    m_prefix = new QLineEdit(this);
    m_prefix->setPlaceholderText(tr("only when files are hosted elsewhere, e.g. "
                                    "https://cdn.isp.example/fw/"));
    m_certificate = new QLineEdit(this);
    m_certificate->setPlaceholderText(tr("empty: a self-signed certificate made on first start"));
    m_key = new QLineEdit(this);
    m_bandwidth = new QSpinBox(this);
    m_bandwidth->setRange(0, 100000);
    m_bandwidth->setSuffix(tr(" Mbit/s"));
    m_bandwidth->setSpecialValueText(tr("no cap"));
    m_warning = new QLabel(this);
    m_warning->setWordWrap(true);
    m_warning->setStyleSheet(QStringLiteral("color: #8a4b00; font-weight: bold;"));
    m_problem = new QLabel(this);
    m_problem->setWordWrap(true);
    m_problem->setStyleSheet(QStringLiteral("color: #b00020;"));

    auto *form = new QFormLayout;
    form->addRow(QString(), m_enabled);
    form->addRow(tr("&Port:"), m_port);
    form->addRow(QString(), m_https);
    form->addRow(tr("Public &host name:"), m_host);
    form->addRow(tr("E&xternal URL prefix:"), m_prefix);
    form->addRow(tr("&Certificate chain (PEM):"),
                 withBrowse(m_certificate, this, tr("Certificate chain")));
    form->addRow(tr("Private &key (PEM):"), withBrowse(m_key, this, tr("Private key")));
    form->addRow(tr("&Bandwidth cap:"), m_bandwidth);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_ok = buttons->button(QDialogButtonBox::Ok);
    m_ok->setText(tr("&Apply and restart"));

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(state);
    layout->addWidget(fp);
    layout->addLayout(form);
    layout->addWidget(m_warning);
    layout->addWidget(m_problem);
    layout->addWidget(buttons);
    resize(620, 0);

    m_enabled->setChecked(m_settings.value(Settings::FileServerEnabled));
    m_port->setValue(qBound(1, m_settings.value(Settings::FileServerPort), 65535));
    m_https->setChecked(m_settings.value(Settings::FileServerHttps));
    m_host->setText(m_settings.value(Settings::FileServerPublicHost));
    m_prefix->setText(m_settings.value(Settings::FileServerExternalPrefix));
    m_certificate->setText(m_settings.value(Settings::FileServerCertificate));
    m_key->setText(m_settings.value(Settings::FileServerKey));
    m_bandwidth->setValue(
        int(qBound(qlonglong(0), m_settings.value(Settings::FileServerBandwidth) * 8 / 1000000,
                   qlonglong(100000))));

    for (QCheckBox *box : {m_enabled, m_https})
        connect(box, &QCheckBox::toggled, this, &FileServerDialog::update);
    for (QLineEdit *edit : {m_host, m_prefix, m_certificate, m_key})
        connect(edit, &QLineEdit::textChanged, this, &FileServerDialog::update);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        if (validate().isEmpty()) {
            save();
            accept();
        }
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    update();
}

QString FileServerDialog::validate() const
{
    const QString prefix = m_prefix->text().trimmed();
    if (!prefix.isEmpty()) {
        const QUrl url(prefix, QUrl::StrictMode);
        if (!url.isValid() || url.host().isEmpty() ||
            (url.scheme() != QLatin1String("https") && url.scheme() != QLatin1String("http")))
            return tr("The external URL prefix must be an http:// or https:// URL with a host.");
        if (!prefix.endsWith(QLatin1Char('/')))
            return tr("The external URL prefix must end with \"/\": file names are appended.");
    }
    const QString host = m_host->text().trimmed();
    if (host.contains(QLatin1Char('/')) || host.contains(QLatin1Char(' ')))
        return tr("The public host name is a name or an address only, without a scheme or path.");
    const QString cert = m_certificate->text().trimmed();
    const QString key = m_key->text().trimmed();
    if (cert.isEmpty() != key.isEmpty())
        return tr("Give both the certificate chain and its private key, or neither (a "
                  "self-signed certificate is then used).");
    for (const QString &path : {cert, key}) {
        if (!path.isEmpty() && !QFileInfo(path).isReadable())
            return tr("%1 cannot be read.").arg(path);
    }
    return {};
}

void FileServerDialog::update()
{
    const bool on = m_enabled->isChecked();
    for (QWidget *w : std::initializer_list<QWidget *>{m_port, m_https, m_host, m_prefix,
                                                       m_certificate, m_key, m_bandwidth})
        w->setEnabled(on);
    const bool tls = m_https->isChecked();
    m_certificate->setEnabled(on && tls);
    m_key->setEnabled(on && tls);
    m_warning->setText(on && !tls ? tr("Plain HTTP: anyone on the path can read or replace the "
                                       "firmware routers download. Use it only on a closed test "
                                       "network.")
                                  : QString());
    const QString problem = validate();
    m_problem->setText(problem);
    m_ok->setEnabled(problem.isEmpty());
}

void FileServerDialog::save()
{
    m_settings.setValue(Settings::FileServerEnabled, m_enabled->isChecked());
    m_settings.setValue(Settings::FileServerPort, m_port->value());
    m_settings.setValue(Settings::FileServerHttps, m_https->isChecked());
    m_settings.setValue(Settings::FileServerPublicHost, m_host->text().trimmed());
    m_settings.setValue(Settings::FileServerExternalPrefix, m_prefix->text().trimmed());
    m_settings.setValue(Settings::FileServerCertificate, m_certificate->text().trimmed());
    m_settings.setValue(Settings::FileServerKey, m_key->text().trimmed());
    m_settings.setValue(Settings::FileServerBandwidth,
                        qlonglong(m_bandwidth->value()) * 1000000 / 8);
    m_settings.sync();
}

} // namespace fwd::ui
