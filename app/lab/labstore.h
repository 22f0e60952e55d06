#pragma once

#include "lab/collection.h"
#include "lab/devicerecord.h"
#include "lab/query.h"

#include <QByteArray>
#include <QHash>
#include <QObject>
#include <QSet>
#include <QVariantList>

#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace fwd {
class Clock;
}

namespace fwd::lab {

// The lab's database: what GenieACS keeps in MongoDB (devices, tasks, faults, presets,
// provisions, virtual parameters, files with their content, operations, ...) and the session
// locks, in memory. Devices are compact records materialised on demand.
class LabStore final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LabStore)

public:
    using DeviceMap = std::map<QString, std::unique_ptr<DeviceRecord>>;

    explicit LabStore(const Clock &clock, QObject *parent = nullptr);
    ~LabStore() override;

    const Clock &clock() const { return m_clock; }
    qint64 nowMs() const;
    PathTable &paths() { return m_paths; }
    const PathTable &paths() const { return m_paths; }

    DeviceRecord *device(const QString &id);
    const DeviceRecord *device(const QString &id) const;
    DeviceRecord &insertDevice(std::unique_ptr<DeviceRecord> device);
    // DELETE /devices/<id>: the device, its tasks, faults and operations.
    void deleteDevice(const QString &id);
    const DeviceMap &devices() const { return m_devices; }

    // Collections by GenieACS's (camel-case) name: devices is not one of them (see devices()).
    Collection *collection(const QString &name);
    const Collection *collection(const QString &name) const;
    static bool isQueryable(const QString &name); // a name GET /<name>/ accepts
    Collection &tasks() { return m_collections[QStringLiteral("tasks")]; }
    Collection &faults() { return m_collections[QStringLiteral("faults")]; }
    Collection &presets() { return m_collections[QStringLiteral("presets")]; }
    Collection &provisions() { return m_collections[QStringLiteral("provisions")]; }
    Collection &operations() { return m_collections[QStringLiteral("operations")]; }
    Collection &files() { return m_collections[QStringLiteral("files")]; }

    // A new 24-hex ObjectId (seconds from the lab clock, process random, counter).
    QString newObjectId();

    // GridFS: PUT /files/<name> (replaces), content for the file server.
    void putFile(const QString &name, const QByteArray &content, const QVariantMap &metadata);
    bool deleteFile(const QString &name);
    const QByteArray *fileContent(const QString &name) const;

    // cwmp_session_<id> locks, also documents of the locks collection (GET /locks/):
    // {_id: "cwmp_session_<device id>", value: <token>, expire, timestamp}. A lock taken by
    // setInSession(true) lasts until setInSession(false); one left by a crashed session until its
    // expire (holdLockUntil). isInSession() is what the NBI's acquireLock() sees.
    bool isInSession(const QString &deviceId) const;
    void setInSession(const QString &deviceId, bool inSession);
    // A session that crashed keeps its lock until expireMs (GENIEACS.md N11).
    void holdLockUntil(const QString &deviceId, qint64 expireMs);
    // Drops expired locks (MongoDB's TTL index); the lab calls it as time passes.
    void expireLocks();
    // How many sessions the device has started: the NBI's "has a session started since the
    // connection request" check (GenieACS compares _lastInform, which an accelerated or manual
    // clock cannot be trusted to move).
    quint32 sessionsStarted(const QString &deviceId) const
    {
        return m_sessionsStarted.value(deviceId);
    }

    // Presets, objects, provisions or virtual parameters changed through the NBI: deletes the
    // cache collection's "cwmp-local-cache-hash" (nbi.ts's cache.del), so that the CWMP side
    // rebuilds its cache at its next look (GENIEACS.md §5; PUT /files does not call this).
    void notifyConfigChanged();

    struct FindOptions
    {
        SortSpec sort;
        std::optional<qint64> skip;
        std::optional<qint64> limit;
        std::optional<Projection> projection;
        bool countOnly = false;
    };
    struct FindResult
    {
        qint64 total = 0;
        QVariantList docs;
    };
    FindResult find(const QString &collection, const Query &query,
                    const FindOptions &options) const;

Q_SIGNALS:
    void sessionStateChanged(const QString &deviceId, bool inSession);
    void configChanged();
    void deviceDeleted(const QString &deviceId);

private:
    // The devices in _id order, contiguous (paging walks it; rebuilt after inserts/deletes).
    const std::vector<const DeviceRecord *> &orderedDevices() const;

    const Clock &m_clock;
    PathTable m_paths;
    DeviceMap m_devices;
    mutable std::vector<const DeviceRecord *> m_order;
    mutable bool m_orderDirty = true;
    QHash<QString, Collection> m_collections;
    QHash<QString, QByteArray> m_fileContent;
    QSet<QString> m_inSession;
    quint64 m_lockCounter = 0;
    QHash<QString, qint64> m_lockExpiry; // locks that only their expiry ends (crashed sessions)
    QHash<QString, quint32> m_sessionsStarted;
    quint32 m_objectIdCounter = 0;
    QByteArray m_objectIdRandom;
};

} // namespace fwd::lab
