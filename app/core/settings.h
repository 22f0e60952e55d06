#pragma once

#include <QByteArray>
#include <QObject>
#include <QSettings>
#include <QStringList>
#include <QUrl>
#include <QVariant>

#include <memory>

namespace fwd {

// A typed settings key: its name in the backing store and its default value.
template<typename T>
struct SettingKey
{
    const char *name;
    T defaultValue;
};

// A saved GenieACS connection. The password never lives here: it is kept in the system keychain
// (see acs/secretstore.h) under the profile's name.
struct AcsProfile
{
    QString name;
    QUrl nbiUrl;
    QString username;
    // SHA-256 fingerprints (hex, lower case) of TLS certificates the engineer approved.
    QStringList trustedFingerprints;
    int timeoutMs = 15000;
    // The lab that FirmwareDesk starts itself (see EmbeddedLab); its URL follows the lab's port.
    bool embeddedLab = false;

    bool operator==(const AcsProfile &) const = default;
};

// The typed facade over QSettings (STYLE.md, Persistence): keys with defaults, a change signal,
// and a migration ladder that brings an older layout up to CurrentVersion on construction.
class Settings final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Settings)

public:
    static constexpr int CurrentVersion = 1;

    // Takes ownership of the backend. Tests pass a QSettings on a temporary file.
    explicit Settings(std::unique_ptr<QSettings> backend, QObject *parent = nullptr);
    ~Settings() override;

    // The engineer's settings of this user (native format, organisation "FirmwareDesk").
    static std::unique_ptr<QSettings> userBackend();

    template<typename T>
    T value(const SettingKey<T> &key) const
    {
        const QVariant v = m_backend->value(QLatin1String(key.name));
        return v.isValid() && v.canConvert<T>() ? v.value<T>() : key.defaultValue;
    }

    template<typename T>
    void setValue(const SettingKey<T> &key, const T &value)
    {
        const QString name = QLatin1String(key.name);
        if (m_backend->contains(name) && m_backend->value(name).value<T>() == value)
            return;
        m_backend->setValue(name, QVariant::fromValue(value));
        Q_EMIT changed(name);
    }

    // The keys.
    static const SettingKey<QString> DatabaseUrl; // empty: SQLite in the data folder
    static const SettingKey<QByteArray> WindowGeometry;
    static const SettingKey<QByteArray> WindowState;
    static const SettingKey<QString> CurrentScreen;
    static const SettingKey<QString> ActiveProfile;
    // The built-in file server (see fileserver/fileserverconfig.h for the meaning).
    static const SettingKey<bool> FileServerEnabled;
    static const SettingKey<int> FileServerPort;
    static const SettingKey<bool> FileServerHttps;
    static const SettingKey<QString> FileServerPublicHost;
    static const SettingKey<QString> FileServerExternalPrefix;
    static const SettingKey<QString> FileServerCertificate; // PEM chain; empty: self-signed
    static const SettingKey<QString> FileServerKey;
    static const SettingKey<qlonglong> FileServerBandwidth; // bytes per second, 0: no cap

    QList<AcsProfile> acsProfiles() const;
    void setAcsProfiles(const QList<AcsProfile> &profiles);
    // The active profile, if one is set and exists.
    std::optional<AcsProfile> activeAcsProfile() const;

    int layoutVersion() const;
    void sync();
    QString fileName() const;
    // What sync() reported: empty when the settings could be written.
    QString lastError() const;

Q_SIGNALS:
    void changed(const QString &key);

private:
    void migrate();

    std::unique_ptr<QSettings> m_backend;
};

} // namespace fwd
