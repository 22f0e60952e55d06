#include "embeddedlab.h"

#include "core/logging.h"
#include "core/settings.h"
#include "lab/labserver.h"

#include <QCoreApplication>

namespace fwd {

QString EmbeddedLab::profileName()
{
    return QCoreApplication::translate("fwd::EmbeddedLab", "Lab (embedded)");
}

EmbeddedLab::EmbeddedLab(Settings &settings)
    : m_settings(settings)
{}

EmbeddedLab::~EmbeddedLab() = default;

bool EmbeddedLab::startIfWanted(QString *error)
{
    QList<AcsProfile> profiles = m_settings.acsProfiles();
    const auto active = m_settings.activeAcsProfile();
    const bool wanted = profiles.isEmpty() || (active && active->embeddedLab);
    if (!wanted)
        return true;

    lab::LabServer::Options options;
    options.devices = 1000;
    options.nbiPort = 0; // any free port on 127.0.0.1: never collides with a local GenieACS
    options.fsPort = 0;
    options.clockFactor = 60;
    auto server = std::make_unique<lab::LabServer>(options);
    if (!server->start()) {
        *error =
            QCoreApplication::translate("fwd::EmbeddedLab", "The embedded lab could not start: %1")
                .arg(server->errorString());
        return false;
    }
    const QUrl url(QStringLiteral("http://127.0.0.1:%1/").arg(server->nbiPort()));
    qCInfo(lcApp) << "embedded lab:" << options.devices << "routers, NBI" << url.toString();

    auto it = std::find_if(profiles.begin(), profiles.end(),
                           [](const AcsProfile &p) { return p.embeddedLab; });
    if (it == profiles.end()) {
        AcsProfile p;
        p.name = profileName();
        p.embeddedLab = true;
        p.timeoutMs = 15000;
        profiles.append(p);
        it = profiles.end() - 1;
    }
    it->nbiUrl = url;
    const QString name = it->name;
    m_settings.setAcsProfiles(profiles);
    m_settings.setValue(Settings::ActiveProfile, name);
    m_lab = std::move(server);
    return true;
}

} // namespace fwd
