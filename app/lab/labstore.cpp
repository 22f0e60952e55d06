#include "lab/labstore.h"

#include "core/clock.h"
#include "lab/docvalue.h"

#include <QRandomGenerator>

#include <algorithm>

namespace fwd::lab {

namespace {

const QStringList &collectionNames()
{
    static const QStringList names = {
        QStringLiteral("tasks"),      QStringLiteral("faults"),
        QStringLiteral("presets"),    QStringLiteral("objects"),
        QStringLiteral("provisions"), QStringLiteral("virtualParameters"),
        QStringLiteral("files"),      QStringLiteral("operations"),
        QStringLiteral("users"),      QStringLiteral("permissions"),
        QStringLiteral("config"),     QStringLiteral("cache"),
        QStringLiteral("locks")};
    return names;
}

} // namespace

LabStore::LabStore(const Clock &clock, QObject *parent)
    : QObject(parent)
    , m_clock(clock)
{
    for (const QString &n : collectionNames())
        m_collections.insert(n, Collection());
    m_objectIdRandom.resize(5);
    for (char &c : m_objectIdRandom)
        c = char(QRandomGenerator::global()->bounded(256));
    m_objectIdCounter = QRandomGenerator::global()->bounded(1u << 24);
}

LabStore::~LabStore() = default;

qint64 LabStore::nowMs() const
{
    return m_clock.nowMs();
}

DeviceRecord *LabStore::device(const QString &id)
{
    auto it = m_devices.find(id);
    return it == m_devices.end() ? nullptr : it->second.get();
}

const DeviceRecord *LabStore::device(const QString &id) const
{
    auto it = m_devices.find(id);
    return it == m_devices.end() ? nullptr : it->second.get();
}

DeviceRecord &LabStore::insertDevice(std::unique_ptr<DeviceRecord> device)
{
    const QString id = device->id;
    auto &slot = m_devices[id];
    slot = std::move(device);
    m_orderDirty = true;
    return *slot;
}

void LabStore::deleteDevice(const QString &id)
{
    if (m_devices.erase(id))
        m_orderDirty = true;
    const QString prefix = id + u':';
    tasks().removeIf(
        [&](const QVariantMap &t) { return t.value(QStringLiteral("device")).toString() == id; });
    faults().removeIf([&](const QVariantMap &f) {
        return f.value(QStringLiteral("_id")).toString().startsWith(prefix);
    });
    operations().removeIf([&](const QVariantMap &o) {
        return o.value(QStringLiteral("_id")).toString().startsWith(prefix);
    });
    Q_EMIT deviceDeleted(id);
}

Collection *LabStore::collection(const QString &name)
{
    auto it = m_collections.find(name);
    return it == m_collections.end() ? nullptr : &it.value();
}

const Collection *LabStore::collection(const QString &name) const
{
    auto it = m_collections.constFind(name);
    return it == m_collections.cend() ? nullptr : &it.value();
}

bool LabStore::isQueryable(const QString &name)
{
    return name == QLatin1String("devices") || collectionNames().contains(name);
}

QString LabStore::newObjectId()
{
    QByteArray raw(12, '\0');
    const auto secs = quint32(m_clock.nowMs() / 1000);
    raw[0] = char(secs >> 24);
    raw[1] = char(secs >> 16);
    raw[2] = char(secs >> 8);
    raw[3] = char(secs);
    for (int i = 0; i < 5; ++i)
        raw[4 + i] = m_objectIdRandom.at(i);
    const quint32 c = (m_objectIdCounter++) & 0xffffff;
    raw[9] = char(c >> 16);
    raw[10] = char(c >> 8);
    raw[11] = char(c);
    return QString::fromLatin1(raw.toHex());
}

void LabStore::putFile(const QString &name, const QByteArray &content, const QVariantMap &metadata)
{
    QVariantMap doc;
    doc.insert(QStringLiteral("_id"), name);
    doc.insert(QStringLiteral("length"), double(content.size()));
    doc.insert(QStringLiteral("chunkSize"), 261120.0);
    doc.insert(QStringLiteral("uploadDate"), docvalue::fromMs(nowMs()));
    doc.insert(QStringLiteral("filename"), name);
    doc.insert(QStringLiteral("metadata"), metadata);
    files().remove(name);
    files().upsert(doc);
    m_fileContent.insert(name, content);
}

bool LabStore::deleteFile(const QString &name)
{
    m_fileContent.remove(name);
    return files().remove(name);
}

const QByteArray *LabStore::fileContent(const QString &name) const
{
    auto it = m_fileContent.constFind(name);
    return it == m_fileContent.cend() ? nullptr : &it.value();
}

void LabStore::notifyConfigChanged()
{
    m_collections[QStringLiteral("cache")].remove(QStringLiteral("cwmp-local-cache-hash"));
    Q_EMIT configChanged();
}

bool LabStore::isInSession(const QString &deviceId) const
{
    if (!m_inSession.contains(deviceId))
        return false;
    const auto it = m_lockExpiry.constFind(deviceId);
    return it == m_lockExpiry.cend() || it.value() > nowMs();
}

void LabStore::setInSession(const QString &deviceId, bool inSession)
{
    const QString lockId = QStringLiteral("cwmp_session_") + deviceId;
    if (m_lockExpiry.contains(deviceId) && !isInSession(deviceId)) {
        // An expired lock of a crashed session: gone now.
        m_lockExpiry.remove(deviceId);
        m_inSession.remove(deviceId);
        m_collections[QStringLiteral("locks")].remove(lockId);
    }
    const bool was = m_inSession.contains(deviceId);
    if (was == inSession)
        return;
    Collection &locks = m_collections[QStringLiteral("locks")];
    if (inSession) {
        m_inSession.insert(deviceId);
        ++m_sessionsStarted[deviceId];
        // lib/cwmp.ts: TTL sessionTimeout (30 s) + LOCK_REFRESH_INTERVAL (10 s) +
        // REQUEST_TIMEOUT (10 s), plus lib/lock.ts's 30 s clock-skew tolerance.
        const qint64 now = nowMs();
        locks.upsert({{QStringLiteral("_id"), lockId},
                      {QStringLiteral("value"), QString(QStringLiteral("cwmp_session_") +
                                                        QString::number(++m_lockCounter, 36))},
                      {QStringLiteral("expire"), docvalue::fromMs(now + 80 * 1000)},
                      {QStringLiteral("timestamp"), docvalue::fromMs(now)}});
    } else {
        m_inSession.remove(deviceId);
        m_lockExpiry.remove(deviceId);
        locks.remove(lockId);
    }
    Q_EMIT sessionStateChanged(deviceId, inSession);
}

void LabStore::holdLockUntil(const QString &deviceId, qint64 expireMs)
{
    if (!m_inSession.contains(deviceId))
        setInSession(deviceId, true);
    m_lockExpiry.insert(deviceId, expireMs);
    if (QVariantMap *lock = m_collections[QStringLiteral("locks")].findMutable(
            QStringLiteral("cwmp_session_") + deviceId))
        lock->insert(QStringLiteral("expire"), docvalue::fromMs(expireMs));
}

void LabStore::expireLocks()
{
    if (m_lockExpiry.isEmpty())
        return;
    const qint64 now = nowMs();
    QStringList expired;
    for (auto it = m_lockExpiry.cbegin(); it != m_lockExpiry.cend(); ++it) {
        if (it.value() <= now)
            expired.append(it.key());
    }
    for (const QString &id : std::as_const(expired)) {
        m_lockExpiry.remove(id);
        setInSession(id, false);
    }
}

namespace {

bool sortIsIdOnly(const SortSpec &sort, int *direction)
{
    if (sort.size() != 1 || sort.front().path != QLatin1String("_id"))
        return false;
    *direction = sort.front().direction;
    return true;
}

template<typename T, typename ValueOf>
void sortItems(std::vector<T> &items, const SortSpec &sort, ValueOf valueOf)
{
    if (sort.empty())
        return;
    std::vector<std::pair<T, QVariantList>> keyed;
    keyed.reserve(items.size());
    for (const T &item : items) {
        QVariantList keys;
        for (const SortKey &k : sort)
            keys.append(sortValue(valueOf(item, k.path), k.direction));
        keyed.emplace_back(item, keys);
    }
    std::stable_sort(keyed.begin(), keyed.end(), [&](const auto &a, const auto &b) {
        for (size_t i = 0; i < sort.size(); ++i) {
            const int c = docvalue::compare(a.second.at(qsizetype(i)), b.second.at(qsizetype(i)));
            if (c)
                return sort[i].direction >= 0 ? c < 0 : c > 0;
        }
        return false;
    });
    for (size_t i = 0; i < items.size(); ++i)
        items[i] = keyed[i].first;
}

void page(qint64 total, const LabStore::FindOptions &o, qint64 *begin, qint64 *end)
{
    qint64 b = o.skip.value_or(0);
    if (b < 0)
        b = 0;
    qint64 e = total;
    if (o.limit && *o.limit != 0)
        e = b + std::abs(*o.limit);
    *begin = std::min(b, total);
    *end = std::min(e, total);
}

} // namespace

const std::vector<const DeviceRecord *> &LabStore::orderedDevices() const
{
    if (m_orderDirty) {
        m_order.clear();
        m_order.reserve(m_devices.size());
        for (const auto &[id, d] : m_devices)
            m_order.push_back(d.get());
        m_orderDirty = false;
    }
    return m_order;
}

LabStore::FindResult LabStore::find(const QString &name, const Query &query,
                                    const FindOptions &o) const
{
    FindResult result;
    if (name == QLatin1String("devices")) {
        const std::vector<const DeviceRecord *> &order = orderedDevices();
        bool all = query.matchesEverything();
        // Keyset paging ({"_id":{"$gt":last}}, ANDed at the top level) starts from the key
        // instead of scanning every device.
        auto begin = order.cbegin();
        const QVariantMap idCondition = query.filter().value(QStringLiteral("_id")).toMap();
        const auto byId = [](const DeviceRecord *d, const QString &id) {
            return d->id < id;
        };
        if (idCondition.value(QStringLiteral("$gt")).typeId() == QMetaType::QString) {
            const QString key = idCondition.value(QStringLiteral("$gt")).toString();
            begin = std::lower_bound(order.cbegin(), order.cend(), key, byId);
            while (begin != order.cend() && (*begin)->id == key)
                ++begin;
        } else if (idCondition.value(QStringLiteral("$gte")).typeId() == QMetaType::QString) {
            begin = std::lower_bound(order.cbegin(), order.cend(),
                                     idCondition.value(QStringLiteral("$gte")).toString(), byId);
        }
        if (begin != order.cbegin() && query.filter().size() == 1 && idCondition.size() == 1)
            all = true; // the range is the whole condition
        int idDirection = 1;
        const bool idOrder = o.sort.empty() || sortIsIdOnly(o.sort, &idDirection);
        if (all && idOrder) {
            // Everything from `begin` matches, already in order: no copy of the index.
            result.total = qint64(order.cend() - begin);
            if (o.countOnly)
                return result;
            qint64 b = 0, e = 0;
            page(result.total, o, &b, &e);
            result.docs.reserve(e - b);
            for (qint64 i = b; i < e; ++i) {
                const DeviceRecord *d = idDirection < 0 ? *(order.cend() - 1 - i) : *(begin + i);
                result.docs.append(o.projection ? o.projection->apply(d->toDocument(
                                                      m_paths, &o.projection->paths()))
                                                : d->toDocument(m_paths));
            }
            return result;
        }
        std::vector<const DeviceRecord *> hits;
        for (auto it = begin; it != order.cend(); ++it) {
            if (all || query.matches(DeviceView(**it, m_paths)))
                hits.push_back(*it);
        }
        result.total = qint64(hits.size());
        if (o.countOnly)
            return result;
        if (sortIsIdOnly(o.sort, &idDirection)) {
            if (idDirection < 0)
                std::reverse(hits.begin(), hits.end());
        } else {
            sortItems(hits, o.sort, [this](const DeviceRecord *d, const QString &path) {
                return d->value(m_paths, path);
            });
        }
        qint64 b = 0, e = 0;
        page(result.total, o, &b, &e);
        result.docs.reserve(e - b);
        for (qint64 i = b; i < e; ++i) {
            const DeviceRecord *d = hits[size_t(i)];
            if (o.projection)
                result.docs.append(
                    o.projection->apply(d->toDocument(m_paths, &o.projection->paths())));
            else
                result.docs.append(d->toDocument(m_paths));
        }
        return result;
    }

    const Collection *c = collection(name);
    if (!c)
        return result;
    std::vector<const QVariantMap *> hits;
    c->forEach([&](const QVariantMap &doc) {
        if (query.matches(VariantDocumentView(doc)))
            hits.push_back(&doc);
    });
    result.total = qint64(hits.size());
    if (o.countOnly)
        return result;
    sortItems(hits, o.sort, [](const QVariantMap *d, const QString &path) {
        return docvalue::getPath(*d, path);
    });
    qint64 b = 0, e = 0;
    page(result.total, o, &b, &e);
    for (qint64 i = b; i < e; ++i) {
        const QVariantMap *d = hits[size_t(i)];
        result.docs.append(o.projection ? o.projection->apply(*d) : *d);
    }
    return result;
}

} // namespace fwd::lab
