#include "settings.h"

#include "logging.h"

#include <QCoreApplication>

namespace fwd {

const SettingKey<QString> Settings::DatabaseUrl{"store/databaseUrl", QString()};
const SettingKey<QByteArray> Settings::WindowGeometry{"ui/windowGeometry", QByteArray()};
const SettingKey<QByteArray> Settings::WindowState{"ui/windowState", QByteArray()};
const SettingKey<QString> Settings::CurrentScreen{"ui/currentScreen", QString()};
const SettingKey<QString> Settings::ActiveProfile{"acs/activeProfile", QString()};
// 7568, not GenieACS's 7567, so that both can run on one machine.
const SettingKey<bool> Settings::FileServerEnabled{"fileserver/enabled", true};
const SettingKey<int> Settings::FileServerPort{"fileserver/port", 7568};
const SettingKey<bool> Settings::FileServerHttps{"fileserver/https", true};
const SettingKey<QString> Settings::FileServerPublicHost{"fileserver/publicHost", QString()};
const SettingKey<QString> Settings::FileServerExternalPrefix{"fileserver/externalPrefix",
                                                             QString()};
const SettingKey<QString> Settings::FileServerCertificate{"fileserver/certificate", QString()};
const SettingKey<QString> Settings::FileServerKey{"fileserver/key", QString()};
const SettingKey<qlonglong> Settings::FileServerBandwidth{"fileserver/bandwidth", 0};

namespace {
constexpr auto VersionKey = "meta/layoutVersion";
constexpr auto ProfilesGroup = "acs/profiles";
} // namespace

Settings::Settings(std::unique_ptr<QSettings> backend, QObject *parent)
    : QObject(parent)
    , m_backend(std::move(backend))
{
    Q_ASSERT(m_backend);
    migrate();
}

Settings::~Settings()
{
    m_backend->sync();
}

std::unique_ptr<QSettings> Settings::userBackend()
{
    return std::make_unique<QSettings>(QSettings::NativeFormat, QSettings::UserScope,
                                       QStringLiteral("FirmwareDesk"),
                                       QStringLiteral("FirmwareDesk"));
}

// The migration ladder: each step lifts the layout by one version, in order.
// Version 0 is the unversioned layout of the first prototype, which kept a single connection as
// "acs/url" and "acs/user"; version 1 keeps a list of named profiles.
void Settings::migrate()
{
    int version = m_backend->value(QLatin1String(VersionKey), 0).toInt();
    if (version > CurrentVersion) {
        qCWarning(lcSettings) << "settings layout" << version << "is newer than this build ("
                              << CurrentVersion << "); keys this build does not know are kept";
        return;
    }
    while (version < CurrentVersion) {
        switch (version) {
        case 0: {
            const QString url = m_backend->value(QStringLiteral("acs/url")).toString();
            if (!url.isEmpty()) {
                AcsProfile p;
                p.name = QStringLiteral("GenieACS");
                p.nbiUrl = QUrl(url);
                p.username = m_backend->value(QStringLiteral("acs/user")).toString();
                QList<AcsProfile> profiles = acsProfiles();
                profiles.append(p);
                setAcsProfiles(profiles);
                m_backend->setValue(QLatin1String(ActiveProfile.name), p.name);
            }
            m_backend->remove(QStringLiteral("acs/url"));
            m_backend->remove(QStringLiteral("acs/user"));
            break;
        }
        default:
            break;
        }
        ++version;
        m_backend->setValue(QLatin1String(VersionKey), version);
        qCInfo(lcSettings) << "settings migrated to layout" << version;
    }
}

int Settings::layoutVersion() const
{
    return m_backend->value(QLatin1String(VersionKey), 0).toInt();
}

QList<AcsProfile> Settings::acsProfiles() const
{
    QList<AcsProfile> out;
    const int n = m_backend->beginReadArray(QLatin1String(ProfilesGroup));
    for (int i = 0; i < n; ++i) {
        m_backend->setArrayIndex(i);
        AcsProfile p;
        p.name = m_backend->value(QStringLiteral("name")).toString();
        p.nbiUrl = QUrl(m_backend->value(QStringLiteral("nbiUrl")).toString());
        p.username = m_backend->value(QStringLiteral("username")).toString();
        p.trustedFingerprints =
            m_backend->value(QStringLiteral("trustedFingerprints")).toStringList();
        p.timeoutMs = m_backend->value(QStringLiteral("timeoutMs"), 15000).toInt();
        p.embeddedLab = m_backend->value(QStringLiteral("embeddedLab"), false).toBool();
        if (!p.name.isEmpty())
            out.append(p);
    }
    m_backend->endArray();
    return out;
}

void Settings::setAcsProfiles(const QList<AcsProfile> &profiles)
{
    if (profiles == acsProfiles())
        return;
    m_backend->remove(QLatin1String(ProfilesGroup));
    m_backend->beginWriteArray(QLatin1String(ProfilesGroup), int(profiles.size()));
    for (int i = 0; i < profiles.size(); ++i) {
        const AcsProfile &p = profiles.at(i);
        m_backend->setArrayIndex(i);
        m_backend->setValue(QStringLiteral("name"), p.name);
        m_backend->setValue(QStringLiteral("nbiUrl"), p.nbiUrl.toString());
        m_backend->setValue(QStringLiteral("username"), p.username);
        m_backend->setValue(QStringLiteral("trustedFingerprints"), p.trustedFingerprints);
        m_backend->setValue(QStringLiteral("timeoutMs"), p.timeoutMs);
        if (p.embeddedLab)
            m_backend->setValue(QStringLiteral("embeddedLab"), true);
    }
    m_backend->endArray();
    Q_EMIT changed(QLatin1String(ProfilesGroup));
}

std::optional<AcsProfile> Settings::activeAcsProfile() const
{
    const QString name = value(ActiveProfile);
    for (const AcsProfile &p : acsProfiles()) {
        if (p.name == name)
            return p;
    }
    return std::nullopt;
}

void Settings::sync()
{
    m_backend->sync();
}

QString Settings::fileName() const
{
    return m_backend->fileName();
}

QString Settings::lastError() const
{
    switch (m_backend->status()) {
    case QSettings::NoError:
        return {};
    case QSettings::AccessError:
        return QCoreApplication::translate("fwd::Settings",
                                           "The settings file %1 cannot be written.")
            .arg(m_backend->fileName());
    case QSettings::FormatError:
        return QCoreApplication::translate("fwd::Settings", "The settings file %1 is damaged.")
            .arg(m_backend->fileName());
    }
    return {};
}

} // namespace fwd
