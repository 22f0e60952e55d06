#pragma once

#include <QHash>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QVariant>
#include <QVariantList>

#include <memory>
#include <optional>

#include "lab/scripthost.h"

namespace fwd::lab {

class LabStore;
class DeviceRecord;

// One CWMP RPC from the ACS to a CPE, and the CPE's answer (the SOAP layer is not simulated).
struct RpcRequest
{
    QString name; // GetParameterValues, SetParameterValues, AddObject, DeleteObject, Reboot,
                  // FactoryReset, Download
    QVariantMap args;
};

struct RpcResponse
{
    bool fault = false;
    QString faultCode; // "9000"
    QString faultString;
    QVariantMap result;
};

// The CPE side of a session: the simulated router answers RPCs.
class CpeEndpoint
{
public:
    virtual ~CpeEndpoint() = default;
    virtual RpcResponse rpc(const QString &deviceId, const RpcRequest &request) = 0;
};

struct InformParameter
{
    QString path;
    QVariant value;
    QString type;
};

struct TransferCompleteReport
{
    QString commandKey;
    int faultCode = 0;
    QString faultString;
    qint64 startTimeMs = 0;
    qint64 completeTimeMs = 0;
};

struct Inform
{
    QString manufacturer;
    QString oui;
    QString productClass;
    QString serial;
    QStringList
        events; // "0 BOOTSTRAP", "1 BOOT", "2 PERIODIC", "6 CONNECTION REQUEST", "M Download", ...
    QList<InformParameter> parameters;
    std::optional<TransferCompleteReport> transferComplete;
};

// GenieACS's CWMP side (lib/cwmp.ts, lib/session.ts) for the lab's in-process sessions: device
// registration and lifecycle fields, TransferComplete and the operations collection, the
// Downloads virtual tree, due tasks run one by one on channel task_<id>, then the presets that
// match (events, precondition, schedule) by weight, each channel's provisions (built-in ones and
// scripts run in QJSEngine), faults with RETRY_DELAY x 2^retries automatic retries (no cap), and
// the limits of lib/session.ts rpcRequest(): 255 RPCs per provisioning cycle, 255 cycles per
// session. A preset without a usable configurations list breaks every session (N3).
class CwmpEngine final
{
public:
    struct Config
    {
        QString fsUrlPrefix;                    // FS_URL_PREFIX, must end in '/'
        qint64 retryDelayMs = 300 * 1000;       // cwmp.retryDelay
        qint64 downloadTimeoutMs = 3600 * 1000; // cwmp.downloadTimeout
        // lib/session.ts rpcRequest(): too_many_rpcs once a provisioning cycle (one task, the
        // presets' batch, one re-run of a faulted channel) has had this many RPCs, and
        // too_many_cycles when a session reaches this many cycles.
        int maxRpcs = 255;
        int maxCycles = 255;
        qint64 roundTripMs = 0;              // one HTTP exchange of a session (0: no time)
        qint64 maxSessionMs = 300 * 1000;    // MAX_SESSION_DURATION
        qint64 sessionTimeoutMs = 30 * 1000; // cwmp.sessionTimeout
        // GenieACS's CWMP-side cache of presets, provisions and files (lib/local-cache.ts): the
        // Download's FileSize comes from it, and PUT /files does not invalidate it (GENIEACS.md
        // §5). false: FileSize is always the stored file's length.
        bool staleFileCache = true;
        QString extDir;          // EXT_DIR: ext(file, ...) runs <extDir>/<file>.js
        int extTimeoutMs = 3000; // EXT_TIMEOUT
    };

    CwmpEngine(LabStore &store, CpeEndpoint &cpe, Config config);
    ~CwmpEngine();
    void setConfig(const Config &config);
    const Config &config() const { return m_config; }

    // One whole session opened by this Inform. Returns the device id, or an empty string when the
    // session broke before it started (a preset GenieACS cannot load, N3). The session's effects
    // happen at once; when it takes time (roundTripMs > 0) the device's lock stays taken and the
    // caller releases it after lastSession().lockMs.
    QString runSession(const Inform &inform);
    struct SessionReport
    {
        QString deviceId;
        int rpcs = 0;            // RPCs the CPE answered (the whole session)
        int cycles = 0;          // provisioning cycles that ran (sessionContext.cycle + 1)
        qint64 durationMs = 0;   // until the CPE is done (a CWMP request slot is held meanwhile)
        qint64 lockMs = 0;       // until GenieACS releases the device's session lock
        bool terminated = false; // cut off at maxSessionMs (fault session_terminated)
    };
    const SessionReport &lastSession() const { return m_last; }
    // Messages that provision scripts passed to log() (most recent last, bounded).
    const QStringList &scriptLog() const { return m_scriptLog; }

    // GenieACS's encodeURI() for the Download URL.
    static QString encodeUri(const QString &s);
    // The key of the cache collection's entry that PUT/DELETE of presets, objects, provisions
    // and virtual parameters delete (and that expires 330 s after the CWMP side wrote it).
    static const QString kLocalCacheHashKey;

private:
    struct Session;
    friend class SessionScriptContext;
    bool presetsBroken() const;
    static void newCycle(Session &s);
    bool beginCycle(Session &s, QString *code, QString *message) const;
    bool admitRpc(Session &s, QString *code, QString *message);
    bool rpcsLeft(const Session &s, QString *code, QString *message) const;
    void refreshLocalCache(qint64 now);
    QByteArray localCacheHash() const;
    void runPresets(Session &s, const QSet<QString> &blocked);
    static void scriptFault(const ScriptHost::Result &r, QString *code, QString *message,
                            QVariantMap *detail);
    bool runScript(Session &s, const QString &channel, const QString &name,
                   const QVariantList &args, QString *code, QString *message, QVariantMap *detail);
    bool refresh(Session &s, const QString &path, QString *code, QString *message,
                 QVariantMap *detail);
    bool virtualParameter(Session &s, const QString &channel, const QString &name,
                          const QVariantMap &timestamps, const QVariantMap &values, QString *code,
                          QString *message, QVariantMap *detail);
    void transferComplete(Session &s, const TransferCompleteReport &tc);
    void expireOperations(Session &s);
    bool runProvisions(Session &s, const QString &channel, const QVariantList &provisions,
                       const QVariant &expiry);
    bool runProvision(Session &s, const QString &channel, const QVariantList &provision,
                      QString *code, QString *message, QVariantMap *detail);
    bool download(Session &s, const QString &channel, const QString &fileType,
                  const QString &fileName, const QString &targetFileName, qint64 declaredDownloadMs,
                  QString *code, QString *message, QVariantMap *detail);
    void recordFault(Session &s, const QString &channel, const QString &code,
                     const QString &message, const QVariantMap &detail,
                     const QVariantList &provisions, qint64 timestampMs, const QVariant &expiry);
    void setParam(Session &s, const QString &path, const QVariant &value, const QString &type,
                  bool writable);

    LabStore &m_store;
    CpeEndpoint &m_cpe;
    Config m_config;
    std::unique_ptr<ScriptHost> m_scripts;
    QStringList m_scriptLog;
    SessionReport m_last;
    // The CWMP worker's local cache (lib/local-cache.ts, lib/cwmp/local-cache.ts).
    QByteArray m_cacheRevision;
    QHash<QString, qint64> m_cacheFiles;
    qint64 m_cacheNextRefreshMs = 1;
};

} // namespace fwd::lab
