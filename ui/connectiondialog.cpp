#include "connectiondialog.h"

#include "acs/connectiontest.h"
#include "acs/nbiclient.h"
#include "core/secretstore.h"
#include "store/auditlog.h"
#include "ui/messagebox.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace fwd::ui {

ConnectionDialog::ConnectionDialog(Settings &settings, SecretStore &secrets, store::AuditLog &audit,
                                   QWidget *parent)
    : QDialog(parent)
    , m_settings(settings)
    , m_secrets(secrets)
    , m_audit(audit)
{
    setWindowTitle(tr("GenieACS connections"));
    setObjectName(QStringLiteral("connectionDialog"));

    m_profiles = new QListWidget(this);
    m_profiles->setMinimumWidth(170);
    auto *add = new QPushButton(tr("&Add"), this);
    m_remove = new QPushButton(tr("&Remove"), this);
    auto *listButtons = new QHBoxLayout;
    listButtons->addWidget(add);
    listButtons->addWidget(m_remove);
    auto *left = new QVBoxLayout;
    left->addWidget(new QLabel(tr("Profiles"), this));
    left->addWidget(m_profiles, 1);
    left->addLayout(listButtons);

    m_name = new QLineEdit(this);
    m_url = new QLineEdit(this);
    m_url->setPlaceholderText(QStringLiteral("http://acs.example.net:7557/"));
    m_user = new QLineEdit(this);
    m_user->setPlaceholderText(tr("only if a proxy asks for HTTP Basic credentials"));
    m_password = new QLineEdit(this);
    m_password->setEchoMode(QLineEdit::Password);
    m_timeout = new QSpinBox(this);
    m_timeout->setRange(1, 600);
    m_timeout->setSuffix(tr(" s"));
    m_trusted = new QListWidget(this);
    m_trusted->setMaximumHeight(70);
    auto *forget = new QPushButton(tr("&Forget certificate"), this);
    m_keychainNote = new QLabel(this);
    m_keychainNote->setWordWrap(true);
    if (!m_secrets.isPersistent()) {
        m_keychainNote->setText(tr("No system keychain answers: passwords are kept only until "
                                   "FirmwareDesk closes."));
    }

    auto *form = new QFormLayout;
    form->addRow(tr("&Name:"), m_name);
    form->addRow(tr("NBI &URL:"), m_url);
    form->addRow(tr("U&sername:"), m_user);
    form->addRow(tr("&Password:"), m_password);
    form->addRow(QString(), m_keychainNote);
    form->addRow(tr("T&imeout:"), m_timeout);
    form->addRow(tr("Trusted certificates (SHA-256):"), m_trusted);
    form->addRow(QString(), forget);

    m_validation = new QLabel(this);
    m_validation->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_validation->setWordWrap(true);
    m_test = new QPushButton(tr("&Test connection"), this);
    m_result = new QLabel(this);
    m_result->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_result->setMinimumHeight(48);
    m_result->setAlignment(Qt::AlignTop | Qt::AlignLeft);

    auto *right = new QVBoxLayout;
    right->addLayout(form);
    right->addWidget(m_validation);
    right->addWidget(m_test, 0, Qt::AlignLeft);
    right->addWidget(m_result, 1);

    auto *columns = new QHBoxLayout;
    columns->addLayout(left);
    columns->addLayout(right, 1);

    auto *buttons = new QDialogButtonBox(this);
    m_save = buttons->addButton(tr("&Save and use"), QDialogButtonBox::AcceptRole);
    buttons->addButton(QDialogButtonBox::Close);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(columns, 1);
    layout->addWidget(buttons);
    resize(760, 460);

    connect(add, &QPushButton::clicked, this, &ConnectionDialog::addProfile);
    connect(m_remove, &QPushButton::clicked, this, &ConnectionDialog::removeProfile);
    connect(forget, &QPushButton::clicked, this, &ConnectionDialog::forgetCertificate);
    connect(m_profiles, &QListWidget::currentRowChanged, this, &ConnectionDialog::showProfile);
    for (QLineEdit *edit : {m_name, m_url, m_user})
        connect(edit, &QLineEdit::textChanged, this, &ConnectionDialog::updateButtons);
    connect(m_test, &QPushButton::clicked, this, [this] {
        if (m_running)
            m_running->cancel();
        else
            startTest();
    });
    connect(m_save, &QPushButton::clicked, this, &ConnectionDialog::save);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    loadProfiles();
}

ConnectionDialog::~ConnectionDialog()
{
    if (m_running)
        m_running->cancel();
    delete m_client.data();
}

void ConnectionDialog::loadProfiles()
{
    m_list = m_settings.acsProfiles();
    m_profiles->clear();
    for (const AcsProfile &p : std::as_const(m_list))
        m_profiles->addItem(p.name);
    if (m_list.isEmpty()) {
        addProfile();
        return;
    }
    int active = 0;
    const QString activeName = m_settings.value(Settings::ActiveProfile);
    for (int i = 0; i < m_list.size(); ++i) {
        if (m_list.at(i).name == activeName)
            active = i;
    }
    m_profiles->setCurrentRow(active);
}

void ConnectionDialog::showProfile(int row)
{
    // Keep the edits of the profile being left.
    if (m_row >= 0 && m_row < m_list.size() && m_row != row) {
        m_list[m_row] = profileFromFields();
        m_profiles->item(m_row)->setText(m_list.at(m_row).name);
    }
    m_row = row;
    const bool valid = row >= 0 && row < m_list.size();
    const AcsProfile p = valid ? m_list.at(row) : AcsProfile{};
    m_name->setText(p.name);
    m_url->setText(p.nbiUrl.toString());
    m_url->setReadOnly(p.embeddedLab);
    m_url->setToolTip(p.embeddedLab ? tr("FirmwareDesk starts this lab itself at each start, on "
                                         "a free port of 127.0.0.1.")
                                    : tr("The GenieACS NBI (northbound interface), port 7557 by "
                                         "default, or the HTTPS reverse proxy in front of it."));
    m_user->setText(p.username);
    m_password->clear();
    m_timeout->setValue(qMax(1, p.timeoutMs / 1000));
    m_trusted->clear();
    m_trusted->addItems(p.trustedFingerprints);
    m_result->clear();
    if (valid && !p.name.isEmpty()) {
        const QString name = p.name;
        m_secrets.read(QStringLiteral("acs/") + name, this,
                       [this, name](const QString &secret, const QString &) {
                           if (m_name->text() == name && m_password->text().isEmpty())
                               m_password->setText(secret);
                       });
    }
    updateButtons();
}

void ConnectionDialog::addProfile()
{
    AcsProfile p;
    QString name = tr("New GenieACS");
    for (int n = 2; std::any_of(m_list.cbegin(), m_list.cend(),
                                [&](const AcsProfile &x) { return x.name == name; });
         ++n)
        name = tr("New GenieACS %1").arg(n);
    p.name = name;
    p.nbiUrl = QUrl(QStringLiteral("http://127.0.0.1:7557/"));
    m_list.append(p);
    m_profiles->addItem(p.name);
    m_profiles->setCurrentRow(int(m_list.size()) - 1);
}

void ConnectionDialog::removeProfile()
{
    const int row = m_profiles->currentRow();
    if (row < 0 || row >= m_list.size())
        return;
    const QString name = m_list.at(row).name;
    if (MessageBox::question(
            this, tr("Remove profile"), tr("Remove the connection profile \"%1\"?").arg(name),
            QMessageBox::Yes | QMessageBox::No, QMessageBox::No) != QMessageBox::Yes)
        return;
    m_row = -1;
    m_list.removeAt(row);
    delete m_profiles->takeItem(row);
    m_settings.setAcsProfiles(m_list);
    m_secrets.remove(QStringLiteral("acs/") + name);
    m_audit.record(QStringLiteral("acs.profile.removed"), name);
    if (m_list.isEmpty())
        addProfile();
    else
        showProfile(m_profiles->currentRow());
}

void ConnectionDialog::forgetCertificate()
{
    delete m_trusted->takeItem(m_trusted->currentRow());
    updateButtons();
}

AcsProfile ConnectionDialog::profileFromFields() const
{
    // Start from the stored profile, so that what the form does not show is kept.
    AcsProfile p = m_row >= 0 && m_row < m_list.size() ? m_list.at(m_row) : AcsProfile{};
    p.trustedFingerprints.clear();
    p.name = m_name->text().trimmed();
    p.nbiUrl = QUrl::fromUserInput(m_url->text().trimmed());
    p.username = m_user->text().trimmed();
    for (int i = 0; i < m_trusted->count(); ++i)
        p.trustedFingerprints << m_trusted->item(i)->text();
    p.timeoutMs = m_timeout->value() * 1000;
    return p;
}

QString ConnectionDialog::validate() const
{
    const QString name = m_name->text().trimmed();
    if (name.isEmpty())
        return tr("Give the profile a name.");
    for (int i = 0; i < m_list.size(); ++i) {
        if (i != m_row && m_list.at(i).name == name)
            return tr("Another profile is already called \"%1\".").arg(name);
    }
    const QString text = m_url->text().trimmed();
    const QUrl url(text, QUrl::StrictMode);
    if (text.isEmpty())
        return tr("Enter the NBI URL, for example http://acs.example.net:7557/.");
    if (!url.isValid() || url.host().isEmpty() ||
        (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")))
        return tr("\"%1\" is not an NBI URL: it must start with http:// or https:// and name a "
                  "host, for example http://acs.example.net:7557/.")
            .arg(text);
    if (!url.userInfo().isEmpty())
        return tr("Put the user name and password in their own fields, not in the URL.");
    return {};
}

void ConnectionDialog::updateButtons()
{
    const QString problem = validate();
    m_validation->setText(problem);
    m_save->setEnabled(problem.isEmpty() && !m_running);
    m_test->setEnabled(problem.isEmpty() || m_running);
    m_remove->setEnabled(m_profiles->count() > 0);
}

void ConnectionDialog::startTest()
{
    if (!validate().isEmpty())
        return;
    if (m_client)
        m_client->deleteLater(); // may be inside the old test's signal
    const AcsProfile profile = profileFromFields();
    auto *client = new acs::NbiClient(profile, m_password->text(), this);
    auto *test = new acs::ConnectionTest(*client, client);
    m_client = client;
    m_running = test;
    connect(test, &acs::ConnectionTest::finished, this, &ConnectionDialog::onTestFinished);
    m_test->setText(tr("Cancel &test"));
    m_result->setText(tr("Testing %1 …").arg(profile.nbiUrl.toDisplayString()));
    updateButtons();
    test->start();
}

void ConnectionDialog::onTestFinished(const acs::ConnectionReport &report)
{
    m_running = nullptr;
    m_test->setText(tr("&Test connection"));
    updateButtons();
    using F = acs::ConnectionReport::Failure;
    if (report.ok()) {
        m_result->setText(tr("<b>Connected.</b> GenieACS %1, %2 devices.")
                              .arg(report.genieAcsVersion.toHtmlEscaped(),
                                   QLocale().toString(report.deviceCount)));
        Q_EMIT testFinished(true);
        return;
    }
    m_result->setText(tr("<b>No connection.</b> %1").arg(report.message.toHtmlEscaped()));
    if (report.failure == F::TlsUntrusted && !report.certificateFingerprint.isEmpty()) {
        const auto answer = MessageBox::question(
            this, tr("Untrusted certificate"),
            tr("The server presented a certificate that this computer does not trust.\n\n"
               "%1\n\nSHA-256 fingerprint:\n%2\n\nCompare the fingerprint with the one shown on "
               "the server. Trust this certificate for this profile?")
                .arg(report.certificateSubject, report.certificateFingerprint),
            QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
        if (answer == QMessageBox::Yes) {
            m_trusted->addItem(report.certificateFingerprint);
            m_audit.record(QStringLiteral("acs.certificate.trusted"), m_name->text().trimmed(),
                           report.certificateFingerprint);
            // Not from inside the finished test's signal: its client goes away.
            QMetaObject::invokeMethod(this, &ConnectionDialog::startTest, Qt::QueuedConnection);
            return;
        }
    }
    Q_EMIT testFinished(false);
}

void ConnectionDialog::save()
{
    if (!validate().isEmpty())
        return;
    const AcsProfile p = profileFromFields();
    if (m_row >= 0 && m_row < m_list.size()) {
        const QString oldName = m_list.at(m_row).name;
        if (oldName != p.name)
            m_secrets.remove(QStringLiteral("acs/") + oldName);
        m_list[m_row] = p;
        m_profiles->item(m_row)->setText(p.name);
    }
    m_secrets.write(
        QStringLiteral("acs/") + p.name, m_password->text(), this, [this](const QString &error) {
            if (!error.isEmpty())
                m_keychainNote->setText(
                    tr("The password could not be stored in the keychain: %1").arg(error));
        });
    m_settings.setAcsProfiles(m_list);
    m_settings.setValue(Settings::ActiveProfile, p.name);
    m_settings.sync();
    m_audit.record(QStringLiteral("acs.profile.saved"), p.name, p.nbiUrl.toDisplayString());
    accept();
}

} // namespace fwd::ui
