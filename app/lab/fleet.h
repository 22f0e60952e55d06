#pragma once

#include "lab/connectionrequester.h"
#include "lab/cwmpengine.h"
#include "lab/fleetprofile.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QSslCertificate>

#include <memory>
#include <queue>
#include <vector>

class QNetworkAccessManager;
class QTimer;

namespace fwd {
class Clock;
}

namespace fwd::lab {

class LabStore;

// What a router will report in its next TransferComplete.
struct PendingTransfer
{
    QString commandKey;
    QString fileType;
    QString url;
    qint64 fileSize = 0; // the Download RPC's FileSize (informational: routers ignore it)
    int faultCode = 0;
    QString faultString;
    qint64 startMs = 0;
    qint64 completeMs = 0;
    QString newVersion; // applied at the reboot when not empty
    // Answered DownloadResponse Status 0: the file is fetched and applied without a reboot and
    // without a TransferComplete (GenieACS recorded the download as done already).
    bool appliedAtOnce = false;
};

// How a router's connection-request endpoint answers (GENIEACS.md §3; transcripts T042-T055).
enum class ConnectionRequestBehaviour : quint8 {
    Accept,          // 200, then a "6 CONNECTION REQUEST" session
    AcceptNoSession, // 200, but the router never informs (T046)
    Refuse,          // connection refused: "Device is offline" (T042, T048)
    Timeout,   // accepts TCP, never answers: "Device is offline" after the CR timeout (T043, T049)
    Busy,      // answers 503: "Device is offline" (T053)
    NotFound,  // answers 404 (T044, T050)
    BasicAuth, // asks for Basic authentication (T051)
    BadCredentials, // rejects the Digest credentials (T052)
    HttpsUrl,       // its ConnectionRequestURL is https: (T054)
    BadUrl          // its ConnectionRequestURL does not parse (T055)
};

// One simulated router, kept small (100,000 of them live in one process): its identity comes from
// the profile and the seed, its data model from the vendor's templates.
struct SimulatedCpe
{
    enum Flag : quint8 {
        Offline = 1,
        InSession = 2, // the router is in a CWMP session (it holds a request slot)
        Corrupt = 4,
        NeverReturn = 8,
        SlowLink = 16,
        CrashSessions = 32, // every session of this router crashes GenieACS's worker (test hook)
        Retry = 64,         // its next wake retries a session that did not happen
        Cut = 128           // its session in progress was cut off at MAX_SESSION_DURATION
    };
    enum class State : quint8 { Idle, DownloadPending, Downloading, Rebooting, Dead };
    enum Event : quint16 {
        Bootstrap = 1,
        Boot = 2,
        Periodic = 4,
        ConnectionRequest = 8,
        TransferComplete = 16,
        MDownload = 32,
        MReboot = 64
    };

    quint32 index = 0;
    quint16 vendor = 0;
    quint8 arch = 0;
    quint8 flags = 0;
    State state = State::Idle;
    quint16 pendingEvents = 0;
    quint16 downloadAttempts = 0;
    quint8 sessionRetries = 0; // failed session attempts in a row (TR-069 session retry policy)
    QString serial;
    QString version; // shared with the profile's string until an upgrade
    qint64 wakeMs = 0;
    qint64 bootMs = 0;
    std::unique_ptr<PendingTransfer> transfer;
    std::unique_ptr<QVariantMap> overrides; // values written by SetParameterValues
};

// The simulated fleet: N routers from a profile, periodic informs with jitter and boots on the
// lab's clock, connection requests answered only by online routers, RPCs answered from each
// router's data model, and real downloads: a router fetches the Download URL over HTTP(S) from
// whatever server it names, trusting only its own CA list, checks what it got (MikroTik XML
// descriptor and every NPK's architecture and version, or a vendor image), applies it, reboots
// and informs with 1 BOOT, M Download, 7 TRANSFER COMPLETE and the new SoftwareVersion, or
// reports a TransferComplete fault (9010, 9013, 9015-9019).
class Fleet final : public QObject, public ConnectionRequester, public CpeEndpoint
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Fleet)

public:
    struct Options
    {
        int devices = 1000;
        quint64 seed = 1;
        int tickMs = 50;                       // real milliseconds between scheduler passes
        int maxSessionsPerTick = 2000;         // keeps the event loop responsive at scale
        int connectionRequestTimeoutMs = 2000; // CONNECTION_REQUEST_TIMEOUT (real time)
        CwmpEngine::Config engine;
    };

    Fleet(LabStore &store, const Clock &clock, FleetProfile profile, Options options,
          QObject *parent = nullptr);
    ~Fleet() override;

    // Registers every online router (an Inform with 0 BOOTSTRAP and 1 BOOT), then runs the
    // scheduler.
    void start();
    void stop();
    // One scheduler pass: every router whose time has come informs (or starts its download).
    void processDue();

    int size() const { return int(m_cpes.size()); }
    const SimulatedCpe &cpe(int index) const { return *m_cpes.at(size_t(index)); }
    QString deviceId(int index) const;
    int indexOf(const QString &deviceId) const { return m_index.value(deviceId, -1); }
    const FleetProfile &profile() const { return m_profile; }
    CwmpEngine &engine() { return *m_engine; }
    void setFsUrlPrefix(const QString &prefix);
    // Makes one router's connection-request endpoint misbehave (or behave again).
    void setConnectionRequestBehaviour(int index, ConnectionRequestBehaviour behaviour);
    // Makes every session of one router crash GenieACS's CWMP worker (or not any more): the
    // session's lock stays until it expires, ~80 s after the Inform (GENIEACS.md N11).
    void setSessionCrash(int index, bool crash);
    // How one router answers Download RPCs from now on (the profile's downloadResponse otherwise):
    // Status 1, Status 0, or a SOAP fault.
    void setDownloadResponse(int index, const DownloadResponseProfile &response);
    // A router opens a session now (tests and the CLI).
    void informNow(int index, quint16 events);
    // The value the router itself holds for a parameter (invalid when it has none).
    QVariant cpeValue(int index, const QString &path) const;
    int sessionsRun() const { return m_sessions; }
    // Informs answered 503 Retry-after: 60 because MAX_CONCURRENT_REQUESTS sessions were in
    // progress (the router tries again 60 s later).
    int sessionsTurnedAway() const { return m_turnedAway; }
    // Sessions that crashed (failure injection), and Informs refused with "CPE already in
    // session" (400) because the device's lock was still taken.
    int sessionsCrashed() const { return m_crashed; }
    int sessionsRefusedInSession() const { return m_refusedInSession; }
    // Sessions cut off at MAX_SESSION_DURATION.
    int sessionsTerminated() const { return m_terminated; }
    // Sessions in progress, CWMP requests GenieACS is working on (what MAX_CONCURRENT_REQUESTS
    // limits), and RPCs the routers answered.
    int sessionsInProgress() const { return m_activeSessions; }
    int requestsInProgress() const { return m_requestsInProgress; }
    qint64 rpcsAnswered() const { return m_rpcsAnswered; }

    void connectionRequest(const QString &deviceId,
                           std::function<void(const QString &)> done) override;
    RpcResponse rpc(const QString &deviceId, const RpcRequest &request) override;

Q_SIGNALS:
    void sessionFinished(const QString &deviceId);
    void transferFinished(const QString &deviceId, int faultCode, const QString &faultString);

private:
    // A router starts a session at nominalMs (the time it was due): turned away when the limit
    // of sessions in progress is reached, refused while its device is locked, or run.
    void runSession(SimulatedCpe &cpe, quint16 events, qint64 nominalMs, bool registration = false);
    void finishSessions(qint64 untilMs);
    void retrySession(SimulatedCpe &cpe, quint16 events, qint64 fromMs);
    void schedule(SimulatedCpe &cpe, qint64 wakeMs);
    void scheduleNextInform(SimulatedCpe &cpe);
    void startDownload(SimulatedCpe &cpe);
    void fetch(quint32 index, const QUrl &url,
               std::function<void(int code, const QString &, QByteArray)> done);
    void finishDownload(quint32 index, int faultCode, const QString &faultString,
                        const QString &newVersion, qint64 bytes);
    void checkFirmware(quint32 index, const QByteArray &body);
    double random(quint32 index, quint64 salt) const;
    QString templateValue(const SimulatedCpe &cpe, const QString &value) const;
    QVariant typedValue(const QString &text, const QString &type) const;

    LabStore &m_store;
    const Clock &m_clock;
    FleetProfile m_profile;
    Options m_options;
    std::unique_ptr<CwmpEngine> m_engine;
    std::vector<std::unique_ptr<SimulatedCpe>> m_cpes;
    QHash<QString, int> m_index;
    QHash<int, ConnectionRequestBehaviour> m_crBehaviour;
    QHash<int, DownloadResponseProfile> m_downloadResponse;
    using WakeEntry = std::pair<qint64, quint32>;
    std::priority_queue<WakeEntry, std::vector<WakeEntry>, std::greater<>> m_wake;
    // Ends in sessions in progress: GenieACS done with its requests (a request slot free), the
    // router done (its session over), the lock released.
    struct SessionEnd
    {
        enum : quint8 { Slot = 1, Cpe = 2, Lock = 4 };
        qint64 atMs;
        quint32 index;
        quint8 what;
        bool operator>(const SessionEnd &o) const { return atMs > o.atMs; }
    };
    std::priority_queue<SessionEnd, std::vector<SessionEnd>, std::greater<>> m_sessionEnds;
    int m_activeSessions = 0;
    int m_requestsInProgress = 0;
    int m_turnedAway = 0;
    int m_crashed = 0;
    int m_refusedInSession = 0;
    int m_terminated = 0;
    qint64 m_rpcsAnswered = 0;
    QTimer *m_timer = nullptr;
    QNetworkAccessManager *m_nam = nullptr;
    QList<QSslCertificate> m_trusted;
    int m_sessions = 0;
};

} // namespace fwd::lab
