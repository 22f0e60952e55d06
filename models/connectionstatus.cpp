#include "connectionstatus.h"

#include "acs/nbiclient.h"
#include "core/secretstore.h"

#include <QLocale>

namespace fwd::models {

ConnectionStatus::ConnectionStatus(Settings &settings, SecretStore &secrets, QObject *parent)
    : QObject(parent)
    , m_settings(settings)
    , m_secrets(secrets)
{
    connect(&m_settings, &Settings::changed, this, [this](const QString &key) {
        if (key.startsWith(QLatin1String("acs/")))
            refresh();
    });
}

ConnectionStatus::~ConnectionStatus()
{
    if (m_test)
        m_test->cancel();
    delete m_client.data();
}

void ConnectionStatus::refresh()
{
    ++m_generation;
    if (m_test) {
        m_test->disconnect(this);
        m_test->cancel();
    }
    if (m_client)
        m_client->deleteLater();
    const auto profile = m_settings.activeAcsProfile();
    if (!profile) {
        m_profileName.clear();
        m_report = {};
        Q_EMIT clientChanged(nullptr);
        setState(State::NotConfigured);
        return;
    }
    m_profileName = profile->name;
    setState(State::Testing);
    const quint64 generation = m_generation;
    m_secrets.read(QStringLiteral("acs/") + profile->name, this,
                   [this, generation, p = *profile](const QString &password, const QString &) {
                       if (generation == m_generation)
                           startTest(p, password);
                   });
}

void ConnectionStatus::startTest(const AcsProfile &profile, const QString &password)
{
    auto *client = new acs::NbiClient(profile, password, this);
    auto *test = new acs::ConnectionTest(*client, client);
    m_client = client;
    m_test = test;
    Q_EMIT clientChanged(client);
    connect(test, &acs::ConnectionTest::finished, this,
            [this](const acs::ConnectionReport &report) {
                m_report = report;
                setState(report.ok() ? State::Connected : State::Failed);
            });
    test->start();
}

void ConnectionStatus::setState(State state)
{
    m_state = state;
    Q_EMIT stateChanged(state);
}

QString ConnectionStatus::summary() const
{
    switch (m_state) {
    case State::NotConfigured:
        return tr("No GenieACS connection configured");
    case State::Testing:
        return tr("Connecting to %1…").arg(m_profileName);
    case State::Connected:
        return tr("%1: GenieACS %2, %3 devices")
            .arg(m_profileName, m_report.genieAcsVersion, QLocale().toString(m_report.deviceCount));
    case State::Failed:
        return tr("%1: %2").arg(m_profileName, m_report.message);
    }
    return {};
}

} // namespace fwd::models
