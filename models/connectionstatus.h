#pragma once

#include "acs/connectiontest.h"
#include "core/settings.h"

#include <QObject>
#include <QPointer>

namespace fwd {
class SecretStore;
}

namespace fwd::models {

// The state of the connection to the active GenieACS profile, for the status bar: tests the
// profile at start-up and whenever the profiles change, and on demand.
class ConnectionStatus final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConnectionStatus)

public:
    enum class State { NotConfigured, Testing, Connected, Failed };
    Q_ENUM(State)

    ConnectionStatus(Settings &settings, SecretStore &secrets, QObject *parent = nullptr);
    ~ConnectionStatus() override;

    void refresh();
    State state() const { return m_state; }
    QString profileName() const { return m_profileName; }
    // One line for the status bar.
    QString summary() const;
    const acs::ConnectionReport &lastReport() const { return m_report; }
    // The NBI client of the active profile (null when none is configured); it changes with the
    // profile, see clientChanged().
    acs::NbiClient *client() const { return m_client; }

Q_SIGNALS:
    void stateChanged(fwd::models::ConnectionStatus::State state);
    void clientChanged(fwd::acs::NbiClient *client);

private:
    void setState(State state);
    void startTest(const AcsProfile &profile, const QString &password);

    Settings &m_settings;
    SecretStore &m_secrets;
    State m_state = State::NotConfigured;
    QString m_profileName;
    acs::ConnectionReport m_report;
    // The test is a child of its client: deleting the client ends both.
    QPointer<acs::NbiClient> m_client;
    QPointer<acs::ConnectionTest> m_test;
    quint64 m_generation = 0;
};

} // namespace fwd::models
