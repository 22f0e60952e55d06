#pragma once

#include <QString>

#include <memory>

namespace fwd {
class Settings;
namespace lab {
class LabServer;
}

// The lab as the embedded default: when no GenieACS connection is configured, FirmwareDesk starts
// a simulated GenieACS with 1,000 routers on 127.0.0.1 and connects to it, so that an engineer can
// try everything (and rehearse a rollout) before touching real routers. The profile it creates,
// "Lab (embedded)", is marked as such; while it is the active profile, the lab is started at each
// start and the profile's URL follows the lab's port.
class EmbeddedLab final
{
public:
    static QString profileName();

    explicit EmbeddedLab(Settings &settings);
    ~EmbeddedLab();

    // Starts the lab if the settings want it (no profile at all, or the embedded profile active).
    // False with *error when it was wanted but could not start.
    bool startIfWanted(QString *error);
    bool isRunning() const { return m_lab != nullptr; }
    lab::LabServer *server() const { return m_lab.get(); }

private:
    Settings &m_settings;
    std::unique_ptr<lab::LabServer> m_lab;
};

} // namespace fwd
