#pragma once

#include "acs/genieacsversion.h"
#include "acs/nbiresult.h"
#include "core/settings.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QList>
#include <QNetworkRequest>
#include <QObject>
#include <QSslError>
#include <QTimer>

#include <deque>
#include <memory>
#include <utility>

class QNetworkAccessManager;
class QNetworkReply;

namespace fwd::acs {

class NbiJob;
class QueryJob;
class CountJob;
class DeviceListJob;
class ActionJob;
class TaskJob;
class FaultSweepJob;
class DeviceFilter;
struct QueryOptions;
struct TaskSpec;
struct TaskOptions;
struct Preset;
enum class Collection;

// The metadata headers of PUT /files/<name> (GenieACS stores them unchecked).
struct FileMetadata
{
    QString fileType; // e.g. "1 Firmware Upgrade Image"
    QString oui;
    QString productClass;
    QString version;
};

// One HTTP call to the NBI, described before it is sent.
struct NbiRequest
{
    QByteArray method = "GET"; // GET, HEAD, POST, PUT, DELETE
    QByteArray path;           // percent-encoded, below the profile's URL, e.g. "/devices/"
    // Query items; a null value gives a bare flag ("?connection_request").
    QList<std::pair<QByteArray, QString>> query;
    QByteArray body;
    QString uploadFile; // PUT the contents of this file instead of `body`
    QList<std::pair<QByteArray, QByteArray>> headers;
    bool idempotent = true;         // may be re-sent after a transport error or 502/503/504
    bool connectionRequest = false; // paced: it makes GenieACS send a connection request
    bool longCall = false;          // may take minutes (task + connection request)
    bool requireGenieAcs = false;   // an answer without GenieACS-Version is NotGenieAcs
    int timeoutMs = 0;              // no progress for this long → Timeout; 0 = the profile's
    int maxAttempts = 0;            // 0 = the client's default (always 1 when not idempotent)
};

// The GenieACS NBI client of one ACS profile (STYLE.md, Network): it owns the profile's
// QNetworkAccessManager, builds every request in one place (User-Agent, Accept, X-Request-ID,
// Basic auth, no HTTP/2 because GenieACS's reason phrases matter, manual redirects), admits at
// most `maxInFlight` calls at a time with a queue behind them, paces connection requests, and
// decides TLS trust per certificate by SHA-256 fingerprint. Calls are NbiJob objects.
class NbiClient final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NbiClient)

public:
    struct Options
    {
        int maxInFlight = 8;
        // Task calls with a connection request can hold a connection for minutes; Qt 6.4 opens
        // at most 6 HTTP/1.1 connections per host, so at most this many may run at once and
        // the rest of the application keeps connections for its own calls.
        int maxLongCallsInFlight = 4;
        int maxAttempts = 4; // for idempotent calls
        int retryBaseDelayMs = 500;
        int retryMaxDelayMs = 30000;
        double connectionRequestsPerSecond = 10.0; // 0 = not paced
        qint64 maxBodyBytes = qint64(256) * 1024 * 1024;
        // How long GenieACS waits for the device's session after a connection request
        // (the task's `timeout` query parameter); GenieACS's own default is 4000 ms.
        int connectionRequestWaitMs = 4000;
        // An idempotent call whose connection closes without an answer this soon after it was
        // sent went out on a keep-alive connection the server was closing (Node closes idle
        // ones after 5 s; the FIN crosses the request): it is sent again. A request that
        // crashes GenieACS's NBI worker is dropped only after about 21 s (N2) and is never
        // sent again. The same holds for a reverse proxy's 502/504: re-sent only when it came
        // this soon (nothing listened behind the proxy). 0 = never re-send after a dropped
        // connection or a proxy's 502/504.
        int staleConnectionWindowMs = 1000;
    };

    NbiClient(fwd::AcsProfile profile, QString password, QObject *parent = nullptr);
    // For tests and the composition root: an injected access manager (e.g. a fake one; null =
    // a new one) and options. The client takes ownership of the manager.
    NbiClient(fwd::AcsProfile profile, QString password,
              std::unique_ptr<QNetworkAccessManager> manager, Options options,
              QObject *parent = nullptr);
    ~NbiClient() override;

    const fwd::AcsProfile &profile() const;
    // After the engineer approved a certificate: takes effect for the next connection.
    void setTrustedFingerprints(const QStringList &fingerprints);
    const Options &options() const { return m_options; }
    QNetworkAccessManager &networkAccessManager() const { return *m_manager; }

    // Empty when the profile's URL is usable, else one translated sentence.
    QString checkUrl() const;
    QUrl urlFor(const NbiRequest &request) const;

    // The version seen in the last GenieACS-Version header.
    const GenieAcsVersion &serverVersion() const { return m_serverVersion; }
    GenieAcsVersion::Generation generation() const { return m_serverVersion.generation(); }

    int inFlight() const { return m_inFlight; }
    int queued() const { return int(m_queue.size()); }

    // A call's timeout: the request's own, else the profile's.
    int timeoutFor(const NbiRequest &request) const;

    // The calls. Each returns a job owned by this client: connect to its `finished` signal with
    // a context object, then call start(). Input GenieACS cannot take (it would crash, hang or
    // misbehave) makes the job finish with NbiError::InvalidInput without sending anything.

    // Any collection of the generic query endpoint.
    QueryJob *query(Collection collection, const QueryOptions &options);
    CountJob *count(Collection collection, const QJsonObject &query);

    // Devices. `options.query` is replaced by the filter.
    CountJob *countDevices(const DeviceFilter &filter);
    QueryJob *queryDevices(const DeviceFilter &filter, const QueryOptions &options);
    DeviceListJob *listDevices(const DeviceFilter &filter, const QStringList &projection,
                               int pageSize = 2000, qint64 maxDevices = 0);
    ActionJob *addTag(const QString &deviceId, const QString &tag);
    ActionJob *removeTag(const QString &deviceId, const QString &tag);
    ActionJob *deleteDevice(const QString &deviceId);

    // Tasks.
    TaskJob *createTask(const QString &deviceId, const TaskSpec &task, const TaskOptions &options);
    TaskJob *connectionRequest(const QString &deviceId, int waitMs = 0);
    QueryJob *listTasks(const QueryOptions &options);
    ActionJob *deleteTask(const QString &taskId);
    ActionJob *retryTask(const QString &taskId);

    // Faults and pending downloads.
    QueryJob *listFaults(const QueryOptions &options);
    ActionJob *deleteFault(const QString &faultId);
    // Deletes the faults of tasks sent with an expiry (at most `limit` per run), which GenieACS
    // would otherwise re-send at every session until they expire (W5; FaultSweepJob). Run it at
    // start and every minute or so.
    FaultSweepJob *clearExpiringFaults(int limit = 500);
    QueryJob *listOperations(const QueryOptions &options);

    // Files. putFile streams the local file (progress through NbiJob::uploadProgress).
    // Both refresh GenieACS's CWMP cache after a change, unless told not to (several files in a
    // row: refresh after the last one, or call refreshCwmpCache()); otherwise Download RPCs
    // carry FileSize 0, or a replaced file's old size, for up to 5.5 minutes (GENIEACS.md §5).
    // ActionOutcome::cacheRefresh says how it went; a failed refresh is a warning, the file call
    // itself stays ok.
    ActionJob *putFile(const QString &name, const QString &localPath, const FileMetadata &metadata,
                       bool refreshCwmpCache = true);
    QueryJob *listFiles(const QueryOptions &options);
    // Only sends DELETE when the file exists (W2).
    ActionJob *deleteFile(const QString &name, bool refreshCwmpCache = true);
    // Makes GenieACS's CWMP side reload presets, provisions and files within 5 s
    // (ActionJob::cacheRefreshRequest()).
    ActionJob *refreshCwmpCache();

    // Presets, provisions, virtual parameters.
    ActionJob *putPreset(const QString &name, const Preset &preset);
    QueryJob *listPresets(const QueryOptions &options);
    ActionJob *deletePreset(const QString &name);
    ActionJob *putProvision(const QString &name, const QString &script);
    QueryJob *listProvisions(const QueryOptions &options);
    ActionJob *deleteProvision(const QString &name);
    ActionJob *putVirtualParameter(const QString &name, const QString &script);
    QueryJob *listVirtualParameters(const QueryOptions &options);
    ActionJob *deleteVirtualParameter(const QString &name);

Q_SIGNALS:
    void serverVersionChanged(const fwd::acs::GenieAcsVersion &version);

private:
    friend class NbiJob;

    void init();
    QNetworkRequest buildRequest(const NbiRequest &request, const QString &requestId) const;
    QString nextRequestId();
    void enqueue(NbiJob *job);
    void dequeue(NbiJob *job);
    void release(NbiJob *job, const NbiReply &reply);
    void dispatch();
    // Returns true when the certificate is approved and its errors were ignored.
    bool handleSslErrors(QNetworkReply *reply, const QList<QSslError> &errors);

    fwd::AcsProfile m_profile;
    QString m_password;
    Options m_options;
    std::unique_ptr<QNetworkAccessManager> m_manager;
    GenieAcsVersion m_serverVersion;
    std::deque<NbiJob *> m_queue;
    int m_inFlight = 0;
    int m_longInFlight = 0;
    quint64 m_requestCounter = 0;
    QString m_idPrefix;
    // Pacing runs on a monotonic timer: it limits real network sends, whatever the app's clock.
    QElapsedTimer m_monotonic;
    qint64 m_nextConnectionRequestMs = 0;
    QTimer m_paceTimer;
};

} // namespace fwd::acs
