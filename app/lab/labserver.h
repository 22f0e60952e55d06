#pragma once

#include "lab/fleetprofile.h"

#include <QObject>
#include <QString>

#include <memory>
#include <optional>

namespace fwd {
class Clock;
class SystemClock;
class AcceleratedClock;
} // namespace fwd

namespace fwd::lab {

class Fleet;
class LabFileServer;
class LabStore;
class NbiServer;

// The whole lab in one object: store, NBI, file server and fleet on one accelerated clock. What
// firmwaredesk-lab runs, and what integration tests and the product's embedded default use.
class LabServer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LabServer)

public:
    struct Options
    {
        int devices = 1000;
        quint16 nbiPort = 7557;
        quint16 fsPort = 7567;
        double clockFactor = 60;
        quint64 seed = 1;
        std::optional<FleetProfile> profile; // in-process users (tests) pass the profile itself
        QString profileFile; // else read from this file; neither: FleetProfile::defaultProfile()
        QString fsUrlPrefix; // empty: http(s)://127.0.0.1:<fs port>/
        QString fsCertificateFile; // PEM; with fsKeyFile the file server speaks HTTPS
        QString fsKeyFile;
        int crashCloseDelayMs = 0; // GenieACS: ~21000 (GENIEACS.md N2)
        int crashOutageMs = 0;     // GenieACS: ~21000
        // GenieACS's CWMP cache quirk: a file PUT after the cache's last refresh goes out with
        // FileSize 0 (GENIEACS.md §5). false: FileSize is always the file's length.
        bool staleFileCache = true;
        QString extDir;          // EXT_DIR of provisions' ext() (empty: no extensions)
        int extTimeoutMs = 3000; // EXT_TIMEOUT
        // MAX_CONCURRENT_REQUESTS; -1: the profile's (default 20), 0: no limit
        int maxConcurrentRequests = -1;
        int tickMs = 50;
        int statsIntervalMs = 0; // > 0: print a "stats ..." line on stdout this often (real ms)
    };

    // An external clock (tests) or, when null, an accelerated system clock with clockFactor.
    explicit LabServer(Options options, const Clock *clock = nullptr, QObject *parent = nullptr);
    ~LabServer() override;

    // Loads the profile, listens, registers the fleet. False with errorString() on failure.
    bool start();
    QString errorString() const { return m_error; }

    quint16 nbiPort() const;
    quint16 fsPort() const;
    QString fsUrlPrefix() const;
    const Clock &clock() const { return *m_clock; }
    LabStore &store() { return *m_store; }
    NbiServer &nbi() { return *m_nbi; }
    LabFileServer &fileServer() { return *m_fs; }
    Fleet &fleet() { return *m_fleet; }
    // "stats lab-time=... sessions=... devices=... tasks=... faults=... operations=...
    // in-progress=... turned-away=... crashed=... refused-in-session=... terminated=..."
    QString statsLine() const;

private:
    Options m_options;
    std::unique_ptr<SystemClock> m_system;
    std::unique_ptr<AcceleratedClock> m_accelerated;
    const Clock *m_clock = nullptr;
    std::unique_ptr<LabStore> m_store;
    std::unique_ptr<NbiServer> m_nbi;
    std::unique_ptr<LabFileServer> m_fs;
    std::unique_ptr<Fleet> m_fleet;
    QString m_error;
};

} // namespace fwd::lab
