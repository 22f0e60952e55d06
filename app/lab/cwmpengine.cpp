#include "lab/cwmpengine.h"

#include "lab/cronschedule.h"
#include "lab/docvalue.h"
#include "lab/expression.h"
#include "lab/lablogging.h"
#include "lab/labstore.h"
#include "lab/scripthost.h"

#include <QCryptographicHash>
#include <QRegularExpression>
#include <QUrl>

#include <limits>

#include <cmath>

namespace fwd::lab {

using docvalue::Kind;

struct CwmpEngine::Session
{
    QString deviceId;
    DeviceRecord *device = nullptr;
    qint64 now = 0;
    int rpcs = 0; // the whole session (its duration, SessionReport::rpcs)
    // lib/session.ts sessionContext.cycle, .rpcCount: the provisioning cycle and its RPCs;
    // cycleUsed: the cycle got as far as running its provisions (GenieACS: its iteration moved
    // on), so the next addProvisions()/clearProvisions() starts a new one.
    int cycle = 0;
    int cycleRpcs = 0;
    bool cycleUsed = false;
    QHash<QString, int> retries; // channel -> retries of the fault being retried
    QStringList events;
    QHash<QString, QByteArray> extensionsCache; // ext() results of this session
    bool terminated = false; // past MAX_SESSION_DURATION: GenieACS destroyed the connection
};

namespace {

const QString kDownloads = QStringLiteral("Downloads");

QVariantList taskProvisions(const QVariantMap &task, LabStore &store)
{
    const QString name = task.value(QStringLiteral("name")).toString();
    QVariantList out;
    if (name == QLatin1String("getParameterValues")) {
        for (const QVariant &p : task.value(QStringLiteral("parameterNames")).toList())
            out.append(QVariant(QVariantList{QStringLiteral("refresh"), p}));
    } else if (name == QLatin1String("setParameterValues")) {
        for (const QVariant &pv : task.value(QStringLiteral("parameterValues")).toList()) {
            const QVariantList l = pv.toList();
            QVariantList p{QStringLiteral("value"), l.value(0), l.value(1)};
            if (l.size() > 2 && docvalue::kind(l.at(2)) == Kind::String)
                p.append(l.at(2));
            out.append(QVariant(p));
        }
    } else if (name == QLatin1String("refreshObject")) {
        out.append(QVariant(
            QVariantList{QStringLiteral("refresh"), task.value(QStringLiteral("objectName"))}));
    } else if (name == QLatin1String("reboot")) {
        out.append(QVariant(QVariantList{QStringLiteral("reboot")}));
    } else if (name == QLatin1String("factoryReset")) {
        out.append(QVariant(QVariantList{QStringLiteral("reset")}));
    } else if (name == QLatin1String("download")) {
        QString fileType = task.value(QStringLiteral("fileType")).toString();
        QString fileName = task.value(QStringLiteral("fileName")).toString();
        const QVariant legacy = task.value(QStringLiteral("file"));
        if (legacy.isValid() && docvalue::kind(legacy) != Kind::Null) {
            // genieacs-gui's {file: <fs.files _id>}: type and name come from the file document.
            if (const QVariantMap *f = store.files().find(legacy.toString())) {
                fileType = f->value(QStringLiteral("metadata"))
                               .toMap()
                               .value(QStringLiteral("fileType"))
                               .toString();
                fileName = f->value(QStringLiteral("filename")).toString();
            }
        }
        out.append(QVariant(QVariantList{QStringLiteral("download"), fileType, fileName,
                                         task.value(QStringLiteral("targetFileName")).toString()}));
    } else if (name == QLatin1String("addObject")) {
        out.append(
            QVariant(QVariantList{QStringLiteral("instances"),
                                  task.value(QStringLiteral("objectName")), QStringLiteral("+1")}));
    } else if (name == QLatin1String("deleteObject")) {
        out.append(QVariant(QVariantList{QStringLiteral("instances"),
                                         task.value(QStringLiteral("objectName")), 0.0}));
    } else if (name == QLatin1String("provisions")) {
        out = task.value(QStringLiteral("provisions")).toList();
    }
    return out;
}

bool truthyValue(const QVariant &v)
{
    switch (docvalue::kind(v)) {
    case Kind::Bool:
        return v.toBool();
    case Kind::Number:
        return v.toDouble() != 0;
    case Kind::String:
        return !v.toString().isEmpty();
    case Kind::Missing:
    case Kind::Null:
        return false;
    default:
        return true;
    }
}

qint64 dateMs(const QVariant &v)
{
    return docvalue::kind(v) == Kind::Date ? v.toDateTime().toMSecsSinceEpoch() : 0;
}

} // namespace

CwmpEngine::CwmpEngine(LabStore &store, CpeEndpoint &cpe, Config config)
    : m_store(store)
    , m_cpe(cpe)
    , m_config(std::move(config))
    , m_scripts(std::make_unique<ScriptHost>())
{
    m_scripts->setExtensions(m_config.extDir, m_config.extTimeoutMs);
}

void CwmpEngine::setConfig(const Config &config)
{
    m_config = config;
    m_scripts->setExtensions(m_config.extDir, m_config.extTimeoutMs);
}

CwmpEngine::~CwmpEngine() = default;

const QString CwmpEngine::kLocalCacheHashKey = QStringLiteral("cwmp-local-cache-hash");

QByteArray CwmpEngine::localCacheHash() const
{
    // lib/cwmp/local-cache.ts hashes presets+objects, provisions, virtual parameters, files and
    // config, each sorted by _id: any change there makes a new revision.
    QCryptographicHash h(QCryptographicHash::Md5);
    for (const char *name :
         {"presets", "objects", "provisions", "virtualParameters", "files", "config"}) {
        QList<QVariantMap> docs;
        m_store.collection(QLatin1String(name))->forEach([&](const QVariantMap &d) {
            docs.append(d);
        });
        std::sort(docs.begin(), docs.end(), [](const QVariantMap &a, const QVariantMap &b) {
            return a.value(QStringLiteral("_id")).toString() <
                   b.value(QStringLiteral("_id")).toString();
        });
        h.addData(name);
        for (const QVariantMap &d : std::as_const(docs))
            h.addData(docvalue::toJsonBytes(d));
    }
    return h.result().toHex();
}

void CwmpEngine::refreshLocalCache(qint64 now)
{
    // LocalCache.getRevision(): at most one look at the database per 5-second slot
    // (nextRefresh = the next multiple of 5 s), and a rebuild only when the cache collection's
    // hash is gone or differs. NBI writes to presets, objects, provisions and virtual
    // parameters delete it; PUT /files does not. The hash is written with a 300 s TTL plus the
    // 30 s clock-skew tolerance (lib/cache.ts), after which MongoDB's TTL index removes it
    // (GenieACS: at the TTL monitor's next pass, up to 60 s later; the lab: at once).
    constexpr qint64 kRefreshMs = 5000;
    if (now <= m_cacheNextRefreshMs)
        return;
    Collection &cache = *m_store.collection(QStringLiteral("cache"));
    const QVariantMap *entry = cache.find(kLocalCacheHashKey);
    if (entry && dateMs(entry->value(QStringLiteral("expire"))) <= now) {
        cache.remove(kLocalCacheHashKey);
        entry = nullptr;
    }
    const QByteArray dbHash =
        entry ? entry->value(QStringLiteral("value")).toString().toLatin1() : QByteArray();
    m_cacheNextRefreshMs = now + (kRefreshMs - now % kRefreshMs);
    if (!m_cacheRevision.isEmpty() && dbHash == m_cacheRevision)
        return;
    m_cacheFiles.clear();
    m_store.files().forEach([&](const QVariantMap &f) {
        const QString name = f.value(QStringLiteral("filename")).toString();
        m_cacheFiles.insert(name.isEmpty() ? f.value(QStringLiteral("_id")).toString() : name,
                            qint64(f.value(QStringLiteral("length")).toDouble()));
    });
    m_cacheRevision = localCacheHash();
    if (m_cacheRevision != dbHash) {
        cache.upsert({{QStringLiteral("_id"), kLocalCacheHashKey},
                      {QStringLiteral("value"), QString::fromLatin1(m_cacheRevision)},
                      {QStringLiteral("expire"), docvalue::fromMs(now + 30000 + 300 * 1000)},
                      {QStringLiteral("timestamp"), docvalue::fromMs(now)}});
    }
}

QString CwmpEngine::encodeUri(const QString &s)
{
    // encodeURI leaves A-Z a-z 0-9 ; , / ? : @ & = + $ - _ . ! ~ * ' ( ) #
    return QString::fromLatin1(s.toUtf8().toPercentEncoding(";,/?:@&=+$-_.!~*'()#"));
}

void CwmpEngine::setParam(Session &s, const QString &path, const QVariant &value,
                          const QString &type, bool writable)
{
    s.device->setParameter(m_store.paths(), path, value, type, s.now);
    s.device->setWritable(m_store.paths(), path, writable);
}

QString CwmpEngine::runSession(const Inform &inform)
{
    if (presetsBroken()) {
        // GenieACS 1.2.16 (N3): the CWMP worker dies loading the presets, before the Inform.
        qCWarning(lcLab) << "session aborted: a preset has no usable configurations (GenieACS's "
                            "cwmp worker crashes)";
        m_last = SessionReport{};
        return {};
    }
    Session s;
    s.deviceId = DeviceRecord::makeId(inform.oui, inform.productClass, inform.serial);
    s.now = m_store.nowMs();
    s.events = inform.events;
    refreshLocalCache(s.now); // the session keeps this revision (cacheSnapshot) to its end
    m_store.setInSession(s.deviceId, true);

    s.device = m_store.device(s.deviceId);
    if (!s.device) {
        auto d = std::make_unique<DeviceRecord>();
        d->id = s.deviceId;
        d->manufacturer = inform.manufacturer;
        d->oui = inform.oui;
        d->productClass = inform.productClass;
        d->serial = inform.serial;
        d->registered = s.now;
        s.device = &m_store.insertDevice(std::move(d));
        s.events.append(QStringLiteral("Registered"));
    }
    s.device->lastInform = s.now;
    if (inform.events.contains(QStringLiteral("1 BOOT")))
        s.device->lastBoot = s.now;
    if (inform.events.contains(QStringLiteral("0 BOOTSTRAP")))
        s.device->lastBootstrap = s.now;
    for (const InformParameter &p : inform.parameters)
        s.device->setParameter(m_store.paths(), p.path, p.value, p.type, s.now);

    // Faults as loaded at session start: a due one is retried (its provisions run again on its
    // channel), others block their channel until due.
    QHash<QString, QVariantMap> dueFaults;
    QSet<QString> blocked;
    const QString prefix = s.deviceId + u':';
    QList<QVariantMap> deviceFaults;
    m_store.faults().forEach([&](const QVariantMap &f) {
        if (f.value(QStringLiteral("_id")).toString().startsWith(prefix))
            deviceFaults.append(f);
    });
    for (const QVariantMap &f : deviceFaults) {
        const QString channel = f.value(QStringLiteral("channel")).toString();
        const int retries = f.value(QStringLiteral("retries")).toInt();
        const QVariant expiry = f.value(QStringLiteral("expiry"));
        if (expiry.isValid() && docvalue::kind(expiry) == Kind::Date) {
            // GenieACS 1.2.16 (W5): a fault with an expiry is dropped at every session start, so
            // the task runs again at once and retries stays 0.
            m_store.faults().remove(f.value(QStringLiteral("_id")).toString());
            continue;
        }
        const qint64 due = dateMs(f.value(QStringLiteral("timestamp"))) +
                           qint64(double(m_config.retryDelayMs) * std::pow(2.0, retries));
        if (due <= s.now) {
            dueFaults.insert(channel, f);
            s.retries.insert(channel, retries + 1);
        } else {
            blocked.insert(channel);
        }
    }

    // TransferComplete and expired operations come after that load (GenieACS reads the faults
    // when the session opens): faults they record wait for a later session.
    QSet<QString> loaded;
    for (const QVariantMap &f : std::as_const(deviceFaults))
        loaded.insert(f.value(QStringLiteral("_id")).toString());
    if (inform.transferComplete)
        transferComplete(s, *inform.transferComplete);
    expireOperations(s);
    m_store.faults().forEach([&](const QVariantMap &f) {
        if (f.value(QStringLiteral("_id")).toString().startsWith(prefix) &&
            !loaded.contains(f.value(QStringLiteral("_id")).toString()))
            blocked.insert(f.value(QStringLiteral("channel")).toString());
    });

    // Due tasks, in timestamp order, one by one on channel task_<id>.
    QList<QVariantMap> tasks;
    m_store.tasks().forEach([&](const QVariantMap &t) {
        if (t.value(QStringLiteral("device")).toString() == s.deviceId)
            tasks.append(t);
    });
    std::stable_sort(tasks.begin(), tasks.end(), [](const QVariantMap &a, const QVariantMap &b) {
        return dateMs(a.value(QStringLiteral("timestamp"))) <
               dateMs(b.value(QStringLiteral("timestamp")));
    });
    for (const QVariantMap &task : tasks) {
        if (s.terminated)
            break;
        const QString id = task.value(QStringLiteral("_id")).toString();
        const QString channel = QStringLiteral("task_") + id;
        if (dateMs(task.value(QStringLiteral("timestamp"))) > s.now)
            continue; // not due yet (T029)
        const QVariant expiry = task.value(QStringLiteral("expiry"));
        if (docvalue::kind(expiry) == Kind::Date && dateMs(expiry) < s.now) {
            qCDebug(lcLab) << s.deviceId << "Task expired" << id;
            m_store.tasks().remove(id);
            continue;
        }
        if (blocked.contains(channel))
            continue;
        if (dueFaults.contains(channel))
            m_store.faults().remove(
                dueFaults.take(channel).value(QStringLiteral("_id")).toString());
        if (runProvisions(s, channel, taskProvisions(task, m_store), expiry))
            m_store.tasks().remove(id);
    }
    // Faults whose task is gone (a failed TransferComplete, N4): the fault's provisions run
    // again. Due faults of preset channels are dropped and the channel's presets run below.
    for (auto it = dueFaults.cbegin(); it != dueFaults.cend() && !s.terminated; ++it) {
        m_store.faults().remove(it.value().value(QStringLiteral("_id")).toString());
        if (!it.key().startsWith(QLatin1String("task_")))
            continue;
        QString e;
        const QVariantList provisions =
            docvalue::parseJson(it.value().value(QStringLiteral("provisions")).toString().toUtf8(),
                                &e)
                .toList();
        runProvisions(s, it.key(), provisions, QVariant());
    }
    if (!s.terminated)
        runPresets(s, blocked);

    // How long the session took on the wire: one round trip for the Inform, one per RPC, one for
    // the closing empty POST. A terminated one lost its connection at MAX_SESSION_DURATION; its
    // lock goes when endSession() runs: at once if the last activity is older than the 30 s
    // session timeout, else 1 s after that timeout (lib/cwmp.ts onConnection()).
    m_last = SessionReport{};
    m_last.deviceId = s.deviceId;
    m_last.rpcs = s.rpcs;
    m_last.cycles = s.cycle + (s.cycleUsed ? 1 : 0);
    m_last.terminated = s.terminated;
    if (s.terminated) {
        const qint64 lastActivity = qint64(s.rpcs + 1) * m_config.roundTripMs;
        m_last.durationMs = m_config.maxSessionMs;
        m_last.lockMs = lastActivity + m_config.sessionTimeoutMs <= m_config.maxSessionMs
                            ? m_config.maxSessionMs
                            : lastActivity + m_config.sessionTimeoutMs + 1000;
    } else {
        m_last.durationMs = qint64(s.rpcs + 2) * m_config.roundTripMs;
        m_last.lockMs = m_last.durationMs;
    }
    if (m_last.lockMs == 0)
        m_store.setInSession(s.deviceId, false);
    return s.deviceId;
}

void CwmpEngine::transferComplete(Session &s, const TransferCompleteReport &tc)
{
    const QString opId = s.deviceId + u':' + tc.commandKey;
    const QVariantMap *found = m_store.operations().find(opId);
    if (!found) {
        qCInfo(lcLab) << s.deviceId << "Unrecognized command key" << tc.commandKey;
        return;
    }
    const QVariantMap op = *found;
    m_store.operations().remove(opId);
    QString e;
    const QVariantMap args =
        docvalue::parseJson(op.value(QStringLiteral("args")).toString().toUtf8(), &e).toMap();
    const QVariantMap channels =
        docvalue::parseJson(op.value(QStringLiteral("channels")).toString().toUtf8(), &e).toMap();
    const QVariantMap retries =
        docvalue::parseJson(op.value(QStringLiteral("retries")).toString().toUtf8(), &e).toMap();
    const QString base =
        kDownloads + u'.' + args.value(QStringLiteral("instance")).toString() + u'.';
    const qint64 opTime = dateMs(op.value(QStringLiteral("timestamp")));
    if (tc.faultCode == 0) {
        auto set = [&](const char *name, const QVariant &v, const char *type) {
            setParam(s, base + QLatin1String(name), v, QLatin1String(type), false);
        };
        set("LastDownload", docvalue::fromMs(opTime), "xsd:dateTime");
        set("LastFileType", args.value(QStringLiteral("fileType")), "xsd:string");
        set("LastFileName", args.value(QStringLiteral("fileName")), "xsd:string");
        set("LastTargetFileName", args.value(QStringLiteral("targetFileName")), "xsd:string");
        set("StartTime", docvalue::fromMs(tc.startTimeMs), "xsd:dateTime");
        set("CompleteTime", docvalue::fromMs(tc.completeTimeMs), "xsd:dateTime");
        return;
    }
    // Failed: Download goes back to LastDownload so that a declaration fires again, and the
    // fault lands on the original channel even though its task is gone (T059, T067).
    const QVariant last =
        s.device->parameterValue(m_store.paths(), base + QStringLiteral("LastDownload"));
    setParam(s, base + QStringLiteral("Download"),
             docvalue::kind(last) == Kind::Date ? last : QVariant(docvalue::fromMs(0)),
             QStringLiteral("xsd:dateTime"), true);
    const QString code = QString::number(tc.faultCode);
    const QVariantMap detail = {{QStringLiteral("faultCode"), code},
                                {QStringLiteral("faultString"), tc.faultString},
                                {QStringLiteral("setParameterValuesFault"), docvalue::null()}};
    const QVariantList provisions =
        docvalue::parseJson(op.value(QStringLiteral("provisions")).toString().toUtf8(), &e)
            .toList();
    for (auto it = channels.cbegin(); it != channels.cend(); ++it) {
        s.retries.insert(it.key(), retries.value(it.key()).toInt());
        recordFault(s, it.key(), QStringLiteral("cwmp.") + code, tc.faultString, detail, provisions,
                    opTime, QVariant());
    }
}

void CwmpEngine::expireOperations(Session &s)
{
    const QString prefix = s.deviceId + u':';
    QList<QVariantMap> expired;
    m_store.operations().forEach([&](const QVariantMap &op) {
        if (op.value(QStringLiteral("_id")).toString().startsWith(prefix) &&
            dateMs(op.value(QStringLiteral("timestamp"))) + m_config.downloadTimeoutMs < s.now)
            expired.append(op);
    });
    for (const QVariantMap &op : expired) {
        m_store.operations().remove(op.value(QStringLiteral("_id")).toString());
        QString e;
        const QVariantMap channels =
            docvalue::parseJson(op.value(QStringLiteral("channels")).toString().toUtf8(), &e)
                .toMap();
        const QVariantMap retries =
            docvalue::parseJson(op.value(QStringLiteral("retries")).toString().toUtf8(), &e)
                .toMap();
        const QVariantList provisions =
            docvalue::parseJson(op.value(QStringLiteral("provisions")).toString().toUtf8(), &e)
                .toList();
        for (auto it = channels.cbegin(); it != channels.cend(); ++it) {
            s.retries.insert(it.key(), retries.value(it.key()).toInt());
            recordFault(s, it.key(), QStringLiteral("timeout"),
                        QStringLiteral("Download operation timed out"), {}, provisions,
                        dateMs(op.value(QStringLiteral("timestamp"))), QVariant());
        }
    }
}

void CwmpEngine::recordFault(Session &s, const QString &channel, const QString &code,
                             const QString &message, const QVariantMap &detail,
                             const QVariantList &provisions, qint64 timestampMs,
                             const QVariant &expiry)
{
    QVariantMap f;
    f.insert(QStringLiteral("_id"), QString(s.deviceId + u':' + channel));
    f.insert(QStringLiteral("device"), s.deviceId);
    f.insert(QStringLiteral("channel"), channel);
    f.insert(QStringLiteral("timestamp"), docvalue::fromMs(timestampMs));
    f.insert(QStringLiteral("code"), code);
    f.insert(QStringLiteral("message"), message);
    if (!detail.isEmpty())
        f.insert(QStringLiteral("detail"), detail);
    f.insert(QStringLiteral("retries"), double(s.retries.value(channel, 0)));
    f.insert(QStringLiteral("provisions"), QString::fromUtf8(docvalue::toJsonBytes(provisions)));
    if (docvalue::kind(expiry) == Kind::Date)
        f.insert(QStringLiteral("expiry"), expiry);
    m_store.faults().upsert(f);
    qCDebug(lcLab) << s.deviceId << "fault" << channel << code << message;
}

bool CwmpEngine::runProvisions(Session &s, const QString &channel, const QVariantList &provisions,
                               const QVariant &expiry)
{
    // One provisioning cycle: a task (lib/cwmp.ts nextRpc() adds its provisions after
    // clearProvisions() ended the previous one), or a faulted channel run again alone
    // (applyPresets()'s whiteList).
    newCycle(s);
    if (!provisions.isEmpty()) {
        QString code, message;
        if (!beginCycle(s, &code, &message)) {
            recordFault(s, channel, code, message, {}, provisions, s.now, expiry);
            return false;
        }
    }
    for (const QVariant &p : provisions) {
        QString code, message;
        QVariantMap detail;
        if (!runProvision(s, channel, p.toList(), &code, &message, &detail)) {
            recordFault(s, channel, code, message, detail, provisions, s.now, expiry);
            return false;
        }
    }
    m_store.faults().remove(s.deviceId + u':' + channel);
    return true;
}

bool CwmpEngine::runProvision(Session &s, const QString &channel, const QVariantList &provision,
                              QString *code, QString *message, QVariantMap *detail)
{
    const QString name = provision.value(0).toString();
    auto call = [&](const RpcRequest &request, RpcResponse *response) {
        if (!admitRpc(s, code, message))
            return false;
        *response = m_cpe.rpc(s.deviceId, request);
        if (response->fault) {
            *code = QStringLiteral("cwmp.") + response->faultCode;
            *message = response->faultString;
            *detail = {{QStringLiteral("faultCode"), response->faultCode},
                       {QStringLiteral("faultString"), response->faultString},
                       {QStringLiteral("setParameterValuesFault"), docvalue::null()}};
            return false;
        }
        return true;
    };
    RpcResponse r;
    if (name == QLatin1String("refresh")) {
        const QString path = provision.value(1).toString();
        if (provision.size() > 2) {
            // ["refresh", path, age]: only when the stored value is older than age seconds.
            const ParamNode *n = s.device->node(m_store.paths(), path);
            if (n && n->timestamp != ParamNode::kNoTime &&
                n->timestamp >= s.now - qint64(provision.value(2).toDouble() * 1000))
                return true;
        }
        return refresh(s, path, code, message, detail);
    }
    if (name == QLatin1String("tag")) {
        const QString tag = provision.value(1).toString();
        if (provision.value(2).toBool()) {
            s.device->hasTags = true;
            if (!s.device->tags.contains(tag))
                s.device->tags.append(tag);
        } else {
            s.device->tags.removeAll(tag);
        }
        return true;
    }
    if (name == QLatin1String("value")) {
        const QString path = provision.value(1).toString();
        const QVariant value = provision.value(2);
        QString type = provision.value(3).toString();
        if (type.isEmpty()) {
            const ParamNode *n = s.device->node(m_store.paths(), path);
            type = n ? DeviceRecord::typeName(n->type)
                     : (docvalue::kind(value) == Kind::Bool     ? QStringLiteral("xsd:boolean")
                        : docvalue::kind(value) == Kind::Number ? QStringLiteral("xsd:int")
                                                                : QStringLiteral("xsd:string"));
        }
        if (!call({QStringLiteral("SetParameterValues"),
                   {{QStringLiteral("values"),
                     QVariantList{QVariant(QVariantList{path, value, type})}}}},
                  &r))
            return false;
        setParam(s, path, value, type, true);
        return rpcsLeft(s, code, message);
    }
    if (name == QLatin1String("reboot") || name == QLatin1String("reset")) {
        const bool reboot = name == QLatin1String("reboot");
        if (!call({reboot ? QStringLiteral("Reboot") : QStringLiteral("FactoryReset"),
                   {{QStringLiteral("commandKey"), QString()}}},
                  &r))
            return false;
        s.device->setParameter(m_store.paths(),
                               reboot ? QStringLiteral("Reboot") : QStringLiteral("FactoryReset"),
                               docvalue::fromMs(s.now), QStringLiteral("xsd:dateTime"), s.now);
        return rpcsLeft(s, code, message);
    }
    if (name == QLatin1String("download"))
        return download(s, channel, provision.value(1).toString(), provision.value(2).toString(),
                        provision.value(3).toString(), s.now, code, message, detail);
    if (name == QLatin1String("instances")) {
        const QString path = provision.value(1).toString();
        const bool add = provision.value(2).toString() == QLatin1String("+1");
        if (!call({add ? QStringLiteral("AddObject") : QStringLiteral("DeleteObject"),
                   {{QStringLiteral("objectName"), path}}},
                  &r))
            return false;
        if (add)
            s.device->setObject(m_store.paths(),
                                path + u'.' +
                                    r.result.value(QStringLiteral("instanceNumber")).toString(),
                                s.now, true);
        else
            s.device->removeSubtree(m_store.paths(), path);
        return rpcsLeft(s, code, message);
    }
    return runScript(s, channel, name, provision.mid(1), code, message, detail);
}

void CwmpEngine::newCycle(Session &s)
{
    // lib/session.ts addProvisions() and clearProvisions(): when the current cycle's iteration
    // moved on (its provisions ran), cycle += 1 and rpcCount = 0. lib/cwmp.ts calls them for
    // each task (nextRpc()), for the presets' batch and for each re-run of a channel
    // (applyPresets()), and after each fault (recordFault()). A cycle whose provisions never ran
    // (none, or too_many_cycles at once) is not counted, and the next one reuses it.
    if (!s.cycleUsed)
        return;
    ++s.cycle;
    s.cycleRpcs = 0;
    s.cycleUsed = false;
}

bool CwmpEngine::beginCycle(Session &s, QString *code, QString *message) const
{
    // lib/session.ts rpcRequest(), its first call in a cycle with provisions: too_many_cycles
    // when sessionContext.cycle >= 255 (cycles 0 to 254 run); this check comes before the
    // iteration moves on, so the cycle stays where it is and every later task or batch of the
    // session faults the same way.
    if (s.cycle >= m_config.maxCycles) {
        *code = QStringLiteral("too_many_cycles");
        *message = QStringLiteral("Too many provision cycles");
        return false;
    }
    s.cycleUsed = true;
    return true;
}

bool CwmpEngine::admitRpc(Session &s, QString *code, QString *message)
{
    // lib/cwmp.ts onConnection(): the connection is destroyed MAX_SESSION_DURATION (300 s) after
    // it opened; endSession() then records session_terminated on the channels whose provisions
    // were still pending, and nothing else of the session runs.
    if (s.terminated || (m_config.roundTripMs > 0 &&
                         qint64(s.rpcs + 2) * m_config.roundTripMs > m_config.maxSessionMs)) {
        s.terminated = true;
        *code = QStringLiteral("session_terminated");
        *message = QStringLiteral("The TR-069 session was unsuccessfully terminated");
        return false;
    }
    if (!rpcsLeft(s, code, message))
        return false;
    ++s.rpcs;
    ++s.cycleRpcs; // rpcResponse()/rpcFault(): ++rpcCount for every answer, fault or not
    return true;
}

bool CwmpEngine::rpcsLeft(const Session &s, QString *code, QString *message) const
{
    // lib/session.ts rpcRequest(): too_many_rpcs once sessionContext.rpcCount >= 255. It is
    // checked on every call, and lib/cwmp.ts calls rpcRequest() (nextRpc()) after every answer:
    // the answer to the cycle's 255th RPC is applied, then the cycle faults even if it needed
    // nothing more, so a cycle completes with at most 254 RPCs. The fault goes on the channels
    // running (recordFault()), the cycle ends (clearProvisions()) and the session goes on: the
    // next task or batch is a new cycle with rpcCount 0.
    if (s.cycleRpcs >= m_config.maxRpcs) {
        *code = QStringLiteral("too_many_rpcs");
        *message = QStringLiteral("Too many RPC requests");
        return false;
    }
    return true;
}

bool CwmpEngine::refresh(Session &s, const QString &path, QString *code, QString *message,
                         QVariantMap *detail)
{
    if (path == QLatin1String("VirtualParameters") ||
        path.startsWith(QLatin1String("VirtualParameters."))) {
        QStringList names;
        const QString name = path.mid(18);
        if (name.isEmpty() || name == QLatin1String("*")) {
            m_store.collection(QStringLiteral("virtualParameters"))
                ->forEach([&](const QVariantMap &vp) {
                    names.append(vp.value(QStringLiteral("_id")).toString());
                });
        } else {
            names.append(name);
        }
        for (const QString &n : std::as_const(names)) {
            if (!virtualParameter(s, QStringLiteral("default"), n, {}, {}, code, message, detail))
                return false;
        }
        return true;
    }
    if (!admitRpc(s, code, message))
        return false;
    const RpcResponse r = m_cpe.rpc(s.deviceId, {QStringLiteral("GetParameterValues"),
                                                 {{QStringLiteral("names"), QStringList{path}}}});
    if (r.fault) {
        *code = QStringLiteral("cwmp.") + r.faultCode;
        *message = r.faultString;
        *detail = {{QStringLiteral("faultCode"), r.faultCode},
                   {QStringLiteral("faultString"), r.faultString},
                   {QStringLiteral("setParameterValuesFault"), docvalue::null()}};
        return false;
    }
    for (const QVariant &v : r.result.value(QStringLiteral("values")).toList()) {
        const QVariantList l = v.toList();
        setParam(s, l.value(0).toString(), l.value(1), l.value(2).toString(), l.value(3).toBool());
    }
    for (const QVariant &o : r.result.value(QStringLiteral("objects")).toList()) {
        const QVariantList l = o.toList();
        s.device->setObject(m_store.paths(), l.value(0).toString(), s.now, l.value(1).toBool());
    }
    return rpcsLeft(s, code, message);
}

bool CwmpEngine::download(Session &s, const QString &channel, const QString &fileType,
                          const QString &fileName, const QString &targetFileName,
                          qint64 declaredDownloadMs, QString *code, QString *message,
                          QVariantMap *detail)
{
    // Downloads.[FileType:..,FileName:..,TargetFileName:..]: match an instance or create one.
    const PathTable &paths = m_store.paths();
    int instance = 0;
    int maxInstance = 0;
    for (int i = 1; i < 1000; ++i) {
        const QString base = kDownloads + u'.' + QString::number(i) + u'.';
        const QVariant ft = s.device->parameterValue(paths, base + QStringLiteral("FileType"));
        if (!ft.isValid()) {
            if (!s.device->node(paths, kDownloads + u'.' + QString::number(i)))
                break;
            continue;
        }
        maxInstance = i;
        if (ft.toString() == fileType &&
            s.device->parameterValue(paths, base + QStringLiteral("FileName")).toString() ==
                fileName &&
            s.device->parameterValue(paths, base + QStringLiteral("TargetFileName")).toString() ==
                targetFileName) {
            instance = i;
            break;
        }
    }
    const QDateTime epoch = docvalue::fromMs(0);
    if (!instance) {
        instance = maxInstance + 1;
        const QString obj = kDownloads + u'.' + QString::number(instance);
        s.device->setObject(m_store.paths(), obj, s.now, true);
        const QString base = obj + u'.';
        setParam(s, base + QStringLiteral("FileType"), fileType, QStringLiteral("xsd:string"),
                 true);
        setParam(s, base + QStringLiteral("FileName"), fileName, QStringLiteral("xsd:string"),
                 true);
        setParam(s, base + QStringLiteral("TargetFileName"), targetFileName,
                 QStringLiteral("xsd:string"), true);
        setParam(s, base + QStringLiteral("Download"), epoch, QStringLiteral("xsd:dateTime"), true);
        for (const char *n : {"LastFileType", "LastFileName", "LastTargetFileName"})
            setParam(s, base + QLatin1String(n), QString(), QStringLiteral("xsd:string"), false);
        for (const char *n : {"LastDownload", "StartTime", "CompleteTime"})
            setParam(s, base + QLatin1String(n), epoch, QStringLiteral("xsd:dateTime"), false);
    }
    const QString base = kDownloads + u'.' + QString::number(instance) + u'.';
    const qint64 stored =
        dateMs(s.device->parameterValue(paths, base + QStringLiteral("Download")));
    if (!(declaredDownloadMs > stored && declaredDownloadMs <= s.now))
        return true; // already done: nothing to send

    // FileSize from the session's cache snapshot: 0 for a file the cache does not know yet.
    qint64 fileSize = 0;
    if (m_config.staleFileCache) {
        fileSize = m_cacheFiles.value(fileName, 0);
    } else if (const QVariantMap *file = m_store.files().find(fileName)) {
        fileSize = qint64(file->value(QStringLiteral("length")).toDouble());
    }
    // lib/session.ts generateRpcId(): the session's timestamp in hex, then the cycle and the
    // cycle's rpcCount, two hex digits each.
    const QString commandKey = QString::number(
        quint64(s.now) * 65536 + quint64(s.cycle & 0xff) * 256 + quint64(s.cycleRpcs & 0xff), 16);
    RpcRequest request{
        QStringLiteral("Download"),
        {{QStringLiteral("commandKey"), commandKey},
         {QStringLiteral("fileType"), fileType},
         {QStringLiteral("url"), QString(m_config.fsUrlPrefix + encodeUri(fileName))},
         {QStringLiteral("username"), QString()},
         {QStringLiteral("password"), QString()},
         {QStringLiteral("fileSize"), double(fileSize)},
         {QStringLiteral("targetFileName"), targetFileName},
         {QStringLiteral("delaySeconds"), 0.0},
         {QStringLiteral("successURL"), QString()},
         {QStringLiteral("failureURL"), QString()}}};
    if (!admitRpc(s, code, message))
        return false;
    const RpcResponse r = m_cpe.rpc(s.deviceId, request);
    if (r.fault) {
        *code = QStringLiteral("cwmp.") + r.faultCode;
        *message = r.faultString;
        *detail = {{QStringLiteral("faultCode"), r.faultCode},
                   {QStringLiteral("faultString"), r.faultString},
                   {QStringLiteral("setParameterValuesFault"), docvalue::null()}};
        return false;
    }
    setParam(s, base + QStringLiteral("Download"), docvalue::fromMs(s.now),
             QStringLiteral("xsd:dateTime"), true);
    if (r.result.value(QStringLiteral("status")).toInt() == 0) {
        // Applied at once. GenieACS 1.2.x bug (T068): LastFileName and LastTargetFileName get the
        // FileType string.
        setParam(s, base + QStringLiteral("LastDownload"), docvalue::fromMs(s.now),
                 QStringLiteral("xsd:dateTime"), false);
        setParam(s, base + QStringLiteral("LastFileType"), fileType, QStringLiteral("xsd:string"),
                 false);
        setParam(s, base + QStringLiteral("LastFileName"), fileType, QStringLiteral("xsd:string"),
                 false);
        setParam(s, base + QStringLiteral("LastTargetFileName"), fileType,
                 QStringLiteral("xsd:string"), false);
        setParam(s, base + QStringLiteral("StartTime"), r.result.value(QStringLiteral("startTime")),
                 QStringLiteral("xsd:dateTime"), false);
        setParam(s, base + QStringLiteral("CompleteTime"),
                 r.result.value(QStringLiteral("completeTime")), QStringLiteral("xsd:dateTime"),
                 false);
        return rpcsLeft(s, code, message);
    }
    QVariantMap retries;
    if (s.retries.value(channel))
        retries.insert(channel, double(s.retries.value(channel)));
    QVariantMap op;
    op.insert(QStringLiteral("_id"), QString(s.deviceId + u':' + commandKey));
    op.insert(QStringLiteral("name"), QStringLiteral("Download"));
    op.insert(QStringLiteral("timestamp"), docvalue::fromMs(s.now));
    op.insert(QStringLiteral("channels"),
              QString::fromUtf8(docvalue::toJsonBytes(QVariantMap{{channel, 1.0}})));
    op.insert(QStringLiteral("provisions"),
              QString::fromUtf8(docvalue::toJsonBytes(QVariantList{QVariant(
                  QVariantList{QStringLiteral("download"), fileType, fileName, targetFileName})})));
    op.insert(QStringLiteral("retries"), QString::fromUtf8(docvalue::toJsonBytes(retries)));
    op.insert(QStringLiteral("args"), QString::fromUtf8(docvalue::toJsonBytes(QVariantMap{
                                          {QStringLiteral("instance"), QString::number(instance)},
                                          {QStringLiteral("fileType"), fileType},
                                          {QStringLiteral("fileName"), fileName},
                                          {QStringLiteral("targetFileName"), targetFileName}})));
    m_store.operations().upsert(op);
    return rpcsLeft(s, code, message);
}

} // namespace fwd::lab

namespace fwd::lab {

namespace {

QVariant scriptValue(const QVariant &v)
{
    // The sandbox sees dates as milliseconds since the epoch.
    return docvalue::kind(v) == Kind::Date ? QVariant(double(v.toDateTime().toMSecsSinceEpoch()))
                                           : v;
}

qint64 timestampFrom(const QVariantMap &timestamps)
{
    qint64 t = std::numeric_limits<qint64>::min();
    for (const char *k : {"value", "path", "writable", "object"}) {
        const QVariant v = timestamps.value(QLatin1String(k));
        if (v.isValid() && docvalue::isNumber(v))
            t = std::max(t, qint64(v.toDouble()));
    }
    return t;
}

QRegularExpression patternFor(const QString &path)
{
    QString re = QStringLiteral("^");
    for (const QString &seg : path.split(u'.')) {
        if (re.size() > 1)
            re += QStringLiteral("\\.");
        re += seg == QLatin1String("*") ? QStringLiteral("[^.]+") : QRegularExpression::escape(seg);
    }
    return QRegularExpression(re + u'$');
}

} // namespace

// declare() and friends for one provision run, over the session's device and CPE.
class SessionScriptContext final : public ScriptContext
{
public:
    SessionScriptContext(CwmpEngine &engine, CwmpEngine::Session &session, QString channel,
                         int revision = 0)
        : m_engine(engine)
        , m_s(session)
        , m_channel(std::move(channel))
        , m_revision(revision)
    {}

    QVariantList declare(const QString &path, const QVariantMap &timestamps,
                         const QVariantMap &values) override
    {
        if (failed)
            return {};
        if (path.startsWith(QLatin1String("Tags.")))
            return declareTag(path.mid(5), values);
        if (path.startsWith(QLatin1String("DeviceID.")))
            return declareDeviceId(path);
        if (path.startsWith(QLatin1String("Downloads.")))
            return declareDownloads(path, timestamps, values);
        if (path.startsWith(QLatin1String("VirtualParameters.")) && !path.contains(u'*'))
            return declareVirtual(path, timestamps, values);
        return declareParameter(path, timestamps, values);
    }

    void clear(const QString &path) override
    {
        m_s.device->removeSubtree(m_engine.m_store.paths(), path);
    }
    void log(const QString &message) override
    {
        qCInfo(lcLab) << m_s.deviceId << "Script:" << message;
        m_engine.m_scriptLog.append(m_s.deviceId + QStringLiteral(": ") + message);
        if (m_engine.m_scriptLog.size() > 1000)
            m_engine.m_scriptLog.removeFirst();
    }
    qint64 sessionTime() const override { return m_s.now; }
    QString deviceId() const override { return m_s.deviceId; }
    QHash<QString, QByteArray> &extensionCache() override { return m_s.extensionsCache; }
    int revision() const override { return m_revision; }

    // Applies what the run declared: values (SetParameterValues) and downloads. Returns how many
    // RPCs that took, or -1 on a fault.
    int apply()
    {
        const int before = m_s.rpcs;
        for (const QVariantList &v : std::as_const(m_values)) {
            if (!m_engine.runProvision(
                    m_s, m_channel,
                    QVariantList{QStringLiteral("value"), v.value(0), v.value(1), v.value(2)},
                    &code, &message, &detail))
                return -1;
        }
        const PathTable &paths = m_engine.m_store.paths();
        for (auto it = m_downloads.cbegin(); it != m_downloads.cend(); ++it) {
            const QString base = QStringLiteral("Downloads.") + QString::number(it.key()) + u'.';
            if (!m_engine.download(
                    m_s, m_channel,
                    m_s.device->parameterValue(paths, base + QStringLiteral("FileType")).toString(),
                    m_s.device->parameterValue(paths, base + QStringLiteral("FileName")).toString(),
                    m_s.device->parameterValue(paths, base + QStringLiteral("TargetFileName"))
                        .toString(),
                    it.value(), &code, &message, &detail))
                return -1;
        }
        m_values.clear();
        m_downloads.clear();
        return m_s.rpcs - before;
    }

    bool failed = false;
    QString code;
    QString message;
    QVariantMap detail;

private:
    static QVariantMap match(const QString &path, const QVariant &value, const QString &type,
                             bool writable)
    {
        return {{QStringLiteral("path"), path},
                {QStringLiteral("value"),
                 value.isValid() ? QVariant(QVariantList{scriptValue(value), type}) : QVariant()},
                {QStringLiteral("writable"), writable}};
    }

    QVariantList declareTag(const QString &tag, const QVariantMap &values)
    {
        DeviceRecord &d = *m_s.device;
        if (values.contains(QStringLiteral("value"))) {
            QVariant v = values.value(QStringLiteral("value"));
            if (docvalue::kind(v) == Kind::Array)
                v = v.toList().value(0);
            if (v.toBool()) {
                d.hasTags = true;
                if (!d.tags.contains(tag))
                    d.tags.append(tag);
            } else {
                d.tags.removeAll(tag);
            }
        }
        if (!d.tags.contains(tag))
            return {};
        return {match(QStringLiteral("Tags.") + tag, true, QStringLiteral("xsd:boolean"), true)};
    }

    QVariantList declareDeviceId(const QString &path)
    {
        const DeviceRecord &d = *m_s.device;
        const QString f = path.mid(9);
        const QString v = f == QLatin1String("ID")             ? d.id
                          : f == QLatin1String("OUI")          ? d.oui
                          : f == QLatin1String("ProductClass") ? d.productClass
                          : f == QLatin1String("SerialNumber") ? d.serial
                          : f == QLatin1String("Manufacturer") ? d.manufacturer
                                                               : QString();
        if (v.isNull())
            return {};
        return {match(path, v, QStringLiteral("xsd:string"), false)};
    }

    QList<int> instances() const
    {
        QList<int> out;
        const PathTable &paths = m_engine.m_store.paths();
        for (int i = 1; i < 1000; ++i) {
            if (!m_s.device->node(paths, QStringLiteral("Downloads.") + QString::number(i)) &&
                !m_s.device->parameterValue(paths, QStringLiteral("Downloads.%1.FileType").arg(i))
                     .isValid())
                break;
            out.append(i);
        }
        return out;
    }

    QVariantList declareDownloads(const QString &path, const QVariantMap &timestamps,
                                  const QVariantMap &values)
    {
        const PathTable &paths = m_engine.m_store.paths();
        QString rest = path.mid(10);
        QList<QPair<QString, QString>> alias;
        QString selector;
        if (rest.startsWith(u'[')) {
            const qsizetype close = rest.indexOf(u']');
            if (close < 0)
                return {};
            for (const QString &kv : rest.mid(1, close - 1).split(u',', Qt::SkipEmptyParts)) {
                const qsizetype colon = kv.indexOf(u':');
                QString value = kv.mid(colon + 1);
                if (value.startsWith(u'"') && value.endsWith(u'"') && value.size() >= 2)
                    value = value.mid(1, value.size() - 2);
                alias.append({kv.left(colon), value});
            }
            rest = rest.mid(close + 1);
        } else {
            const qsizetype dot = rest.indexOf(u'.');
            selector = dot < 0 ? rest : rest.left(dot);
            rest = dot < 0 ? QString() : rest.mid(dot);
        }
        const QString attribute = rest.startsWith(u'.') ? rest.mid(1) : rest;
        QList<int> matched;
        for (int i : instances()) {
            bool ok = true;
            if (!alias.isEmpty()) {
                for (const auto &[k, v] : alias)
                    ok &=
                        m_s.device
                            ->parameterValue(paths, QStringLiteral("Downloads.%1.%2").arg(i).arg(k))
                            .toString() == v;
            } else if (selector != QLatin1String("*")) {
                ok = selector == QString::number(i);
            }
            if (ok)
                matched.append(i);
        }
        if (matched.isEmpty() && !alias.isEmpty() &&
            (timestamps.contains(QStringLiteral("path")) ||
             values.contains(QStringLiteral("path")))) {
            const int n = instances().isEmpty() ? 1 : instances().last() + 1;
            const QString obj = QStringLiteral("Downloads.") + QString::number(n);
            m_s.device->setObject(m_engine.m_store.paths(), obj, m_s.now, true);
            const QDateTime epoch = docvalue::fromMs(0);
            for (const char *f : {"FileType", "FileName", "TargetFileName"}) {
                QString v;
                for (const auto &[k, val] : alias) {
                    if (k == QLatin1String(f))
                        v = val;
                }
                m_engine.setParam(m_s, obj + u'.' + QLatin1String(f), v,
                                  QStringLiteral("xsd:string"), true);
            }
            m_engine.setParam(m_s, obj + QStringLiteral(".Download"), epoch,
                              QStringLiteral("xsd:dateTime"), true);
            for (const char *f : {"LastFileType", "LastFileName", "LastTargetFileName"})
                m_engine.setParam(m_s, obj + u'.' + QLatin1String(f), QString(),
                                  QStringLiteral("xsd:string"), false);
            for (const char *f : {"LastDownload", "StartTime", "CompleteTime"})
                m_engine.setParam(m_s, obj + u'.' + QLatin1String(f), epoch,
                                  QStringLiteral("xsd:dateTime"), false);
            matched.append(n);
        }
        QVariantList out;
        for (int i : std::as_const(matched)) {
            const QString obj = QStringLiteral("Downloads.") + QString::number(i);
            if (attribute.isEmpty()) {
                out.append(match(obj, QVariant(), QString(), true));
                continue;
            }
            const QString p = obj + u'.' + attribute;
            if (values.contains(QStringLiteral("value"))) {
                QVariant v = values.value(QStringLiteral("value"));
                if (docvalue::kind(v) == Kind::Array)
                    v = v.toList().value(0);
                if (attribute == QLatin1String("Download"))
                    m_downloads.insert(i, docvalue::isNumber(v)
                                              ? qint64(v.toDouble())
                                              : docvalue::parseJsDate(v.toString())
                                                    .value_or(QDateTime())
                                                    .toMSecsSinceEpoch());
                else if (attribute == QLatin1String("FileType") ||
                         attribute == QLatin1String("FileName") ||
                         attribute == QLatin1String("TargetFileName"))
                    m_engine.setParam(m_s, p, v.toString(), QStringLiteral("xsd:string"), true);
            }
            const ParamNode *n = m_s.device->node(paths, p);
            if (n)
                out.append(match(p, n->value, DeviceRecord::typeName(n->type),
                                 bool(n->flags & ParamNode::Writable)));
        }
        return out;
    }

    QVariantList declareVirtual(const QString &path, const QVariantMap &timestamps,
                                const QVariantMap &values)
    {
        const qint64 wanted = timestampFrom(timestamps);
        const ParamNode *n = m_s.device->node(m_engine.m_store.paths(), path);
        if (values.contains(QStringLiteral("value")) ||
            (wanted != std::numeric_limits<qint64>::min() && (!n || n->timestamp < wanted))) {
            if (!m_engine.virtualParameter(m_s, m_channel, path.mid(18), timestamps, values, &code,
                                           &message, &detail)) {
                failed = true;
                return {};
            }
        }
        return collect(path);
    }

    QVariantList collect(const QString &path) const
    {
        QVariantList out;
        const PathTable &paths = m_engine.m_store.paths();
        if (!path.contains(u'*')) {
            const ParamNode *n = m_s.device->node(paths, path);
            if (n && !(n->flags & ParamNode::Object))
                out.append(match(path, n->value, DeviceRecord::typeName(n->type),
                                 bool(n->flags & ParamNode::Writable)));
            return out;
        }
        const QRegularExpression re = patternFor(path);
        for (const ParamNode &n : m_s.device->nodes()) {
            if (!(n.flags & ParamNode::Object) && re.match(paths.path(n.path)).hasMatch())
                out.append(match(paths.path(n.path), n.value, DeviceRecord::typeName(n.type),
                                 bool(n.flags & ParamNode::Writable)));
        }
        return out;
    }

    QVariantList declareParameter(const QString &path, const QVariantMap &timestamps,
                                  const QVariantMap &values)
    {
        QVariantList found = collect(path);
        const qint64 wanted = timestampFrom(timestamps);
        if (wanted != std::numeric_limits<qint64>::min()) {
            bool stale = found.isEmpty();
            for (const QVariant &f : std::as_const(found)) {
                const ParamNode *n = m_s.device->node(
                    m_engine.m_store.paths(), f.toMap().value(QStringLiteral("path")).toString());
                stale |= !n || n->timestamp < wanted;
            }
            if (stale) {
                const qsizetype star = path.indexOf(QLatin1String(".*"));
                const QString fetch = star < 0 ? path : path.left(star + 1);
                QString c, m;
                QVariantMap d;
                if (!m_engine.refresh(m_s, fetch, &c, &m, &d) && c != QLatin1String("cwmp.9005")) {
                    failed = true;
                    code = c;
                    message = m;
                    detail = d;
                    return {};
                }
                found = collect(path);
            }
        }
        if (values.contains(QStringLiteral("value"))) {
            QVariant v = values.value(QStringLiteral("value"));
            QString type;
            if (docvalue::kind(v) == Kind::Array) {
                type = v.toList().value(1).toString();
                v = v.toList().value(0);
            }
            for (const QVariant &f : std::as_const(found)) {
                const QVariantMap fm = f.toMap();
                const QVariantList cur = fm.value(QStringLiteral("value")).toList();
                if (!docvalue::equals(cur.value(0), v))
                    m_values.append(QVariantList{fm.value(QStringLiteral("path")), v,
                                                 type.isEmpty() ? cur.value(1).toString() : type});
            }
        }
        return found;
    }

    CwmpEngine &m_engine;
    CwmpEngine::Session &m_s;
    QString m_channel;
    int m_revision = 0;
    QList<QVariantList> m_values;
    QMap<int, qint64> m_downloads;
};

void CwmpEngine::scriptFault(const ScriptHost::Result &r, QString *code, QString *message,
                             QVariantMap *detail)
{
    if (!r.faultCode.isEmpty()) { // an extension's fault, as genieacs-ext reports it
        *code = r.faultCode;
        *message = r.errorMessage;
        *detail = r.faultDetail;
        return;
    }
    *code = QStringLiteral("script.") + r.errorName;
    *message = r.errorMessage;
    *detail = {{QStringLiteral("name"), r.errorName},
               {QStringLiteral("message"), r.errorMessage},
               {QStringLiteral("stack"), r.stack}};
}

bool CwmpEngine::runScript(Session &s, const QString &channel, const QString &name,
                           const QVariantList &args, QString *code, QString *message,
                           QVariantMap *detail)
{
    const QVariantMap *provision = m_store.provisions().find(name);
    if (!provision) {
        qCWarning(lcLab) << s.deviceId << "no provision named" << name;
        return true;
    }
    const QString script = provision->value(QStringLiteral("script")).toString();
    // GenieACS runs a script again until it declares nothing new (bounded here).
    for (int run = 0; run < 8; ++run) {
        SessionScriptContext context(*this, s, channel, run);
        const ScriptHost::Result r = m_scripts->run(name, script, args, context);
        if (!r.ok) {
            scriptFault(r, code, message, detail);
            return false;
        }
        if (context.failed) {
            *code = context.code;
            *message = context.message;
            *detail = context.detail;
            return false;
        }
        const int rpcs = context.apply();
        if (rpcs < 0) {
            *code = context.code;
            *message = context.message;
            *detail = context.detail;
            return false;
        }
        if (rpcs == 0)
            return true;
    }
    *code = QStringLiteral("too_many_commits");
    *message = QStringLiteral("Too many commit iterations");
    return false;
}

bool CwmpEngine::virtualParameter(Session &s, const QString &channel, const QString &name,
                                  const QVariantMap &timestamps, const QVariantMap &values,
                                  QString *code, QString *message, QVariantMap *detail)
{
    const QVariantMap *vp = m_store.collection(QStringLiteral("virtualParameters"))->find(name);
    if (!vp)
        return true; // no such virtual parameter: nothing to declare
    // The script gets the declared timestamps and values and returns {writable, value: [v, type]}.
    SessionScriptContext context(*this, s, channel);
    const ScriptHost::Result r = m_scripts->run(QStringLiteral("VirtualParameters.") + name,
                                                vp->value(QStringLiteral("script")).toString(),
                                                QVariantList{timestamps, values}, context);
    if (!r.ok) {
        scriptFault(r, code, message, detail);
        return false;
    }
    if (context.failed) {
        *code = context.code;
        *message = context.message;
        *detail = context.detail;
        return false;
    }
    if (context.apply() < 0) {
        *code = context.code;
        *message = context.message;
        *detail = context.detail;
        return false;
    }
    const QVariantMap ret = r.returnValue.toMap();
    const QVariantList value = ret.value(QStringLiteral("value")).toList();
    if (value.isEmpty()) {
        *code = QStringLiteral("script");
        *message = QStringLiteral("Invalid virtual parameter value attribute");
        return false;
    }
    setParam(s, QStringLiteral("VirtualParameters.") + name, value.value(0),
             value.value(1).toString().isEmpty() ? QStringLiteral("xsd:string")
                                                 : value.value(1).toString(),
             ret.value(QStringLiteral("writable")).toBool());
    return true;
}

bool CwmpEngine::presetsBroken() const
{
    bool broken = false;
    m_store.collection(QStringLiteral("presets"))->forEach([&](const QVariantMap &p) {
        if (docvalue::kind(p.value(QStringLiteral("configurations"))) != Kind::Array)
            broken = true;
        const QString pre = p.value(QStringLiteral("precondition")).toString();
        if (!pre.isEmpty() && !Expression::parse(pre, nullptr)) {
            QString e;
            if (docvalue::kind(docvalue::parseJson(pre.toUtf8(), &e)) != Kind::Object)
                broken = true; // JSON.parse throws inside the cache refresh
        }
    });
    return broken;
}

void CwmpEngine::runPresets(Session &s, const QSet<QString> &blocked)
{
    QList<QVariantMap> presets;
    m_store.presets().forEach([&](const QVariantMap &p) { presets.append(p); });
    std::stable_sort(presets.begin(), presets.end(),
                     [](const QVariantMap &a, const QVariantMap &b) {
                         const double wa = a.value(QStringLiteral("weight")).toDouble();
                         const double wb = b.value(QStringLiteral("weight")).toDouble();
                         if (wa != wb)
                             return wa < wb;
                         return a.value(QStringLiteral("_id")).toString() <
                                b.value(QStringLiteral("_id")).toString();
                     });
    const PathTable &paths = m_store.paths();
    const DeviceRecord &d = *s.device;
    auto resolve = [&](const QString &name) -> QVariant {
        if (name.startsWith(QLatin1String("Tags.")))
            return d.tags.contains(name.mid(5)) ? QVariant(true) : QVariant();
        if (name == QLatin1String("DeviceID.ID"))
            return d.id;
        if (name == QLatin1String("DeviceID.OUI"))
            return d.oui;
        if (name == QLatin1String("DeviceID.ProductClass"))
            return d.productClass;
        if (name == QLatin1String("DeviceID.SerialNumber"))
            return d.serial;
        if (name == QLatin1String("DeviceID.Manufacturer"))
            return d.manufacturer;
        auto ms = [](qint64 t) {
            return t == DeviceRecord::kAbsent ? QVariant() : QVariant(double(t));
        };
        if (name == QLatin1String("Events.Inform"))
            return ms(d.lastInform);
        if (name == QLatin1String("Events.Registered"))
            return ms(d.registered);
        if (name == QLatin1String("Events.1_BOOT"))
            return ms(d.lastBoot);
        if (name == QLatin1String("Events.0_BOOTSTRAP"))
            return ms(d.lastBootstrap);
        const QVariant v = d.parameterValue(paths, name);
        return scriptValue(v);
    };
    // lib/cwmp.ts applyPresets(): the provisions of every matching preset go into one list, in
    // weight order whatever their channel (session.addProvisions() per preset), and run together;
    // lib/session.ts addProvisions() removes a provision equal (JSON.stringify) to one already
    // listed and appends it again for both channels.
    struct Item
    {
        QVariantList provision;
        QByteArray key;
        QStringList channels;
    };
    QList<Item> batch;
    QStringList channels; // sessionContext.channels: every channel with a matching preset
    auto add = [&](const QString &channel, const QVariantList &provision) {
        Item item{provision, docvalue::toJsonBytes(QVariant(provision)), {channel}};
        for (qsizetype i = 0; i < batch.size(); ++i) {
            if (batch.at(i).key == item.key) {
                for (const QString &c : batch.at(i).channels) {
                    if (!item.channels.contains(c))
                        item.channels.append(c);
                }
                batch.removeAt(i);
                break;
            }
        }
        batch.append(item);
    };
    for (const QVariantMap &p : std::as_const(presets)) {
        const QString channel = p.value(QStringLiteral("channel")).toString().isEmpty()
                                    ? QStringLiteral("default")
                                    : p.value(QStringLiteral("channel")).toString();
        if (blocked.contains(channel))
            continue;
        // events: every entry must hold (true = present in this session, false = absent).
        const QVariant events = p.value(QStringLiteral("events"));
        bool ok = true;
        if (docvalue::kind(events) == Kind::Object) {
            const QVariantMap em = events.toMap();
            for (auto it = em.cbegin(); it != em.cend() && ok; ++it)
                ok = s.events.contains(it.key()) == truthyValue(it.value());
        } else if (docvalue::kind(events) == Kind::String && !events.toString().isEmpty()) {
            ok = false; // Object.entries("...") requires events named "0", "1", ...
        }
        if (!ok)
            continue;
        const QString schedule = p.value(QStringLiteral("schedule")).toString();
        if (!schedule.trimmed().isEmpty() && !PresetSchedule::parse(schedule).isActive(s.now))
            continue;
        const QString pre = p.value(QStringLiteral("precondition")).toString();
        if (!pre.isEmpty()) {
            if (const auto x = Expression::parse(pre, nullptr)) {
                if (!x->holds(resolve, s.now))
                    continue;
            } else {
                QString e;
                const auto expanded =
                    Query::expandDeviceQuery(docvalue::parseJson(pre.toUtf8(), &e).toMap(), &e);
                const auto q = expanded ? Query::compile(*expanded, &e) : std::nullopt;
                if (!q || !q->matches(DeviceView(d, paths)))
                    continue;
            }
        }
        if (!channels.contains(channel))
            channels.append(channel);
        for (const QVariant &cv : p.value(QStringLiteral("configurations")).toList()) {
            const QVariantMap c = cv.toMap();
            const QString type = c.value(QStringLiteral("type")).toString();
            if (type == QLatin1String("provision")) {
                QVariantList prov{c.value(QStringLiteral("name"))};
                prov.append(c.value(QStringLiteral("args")).toList());
                add(channel, prov);
            } else if (type == QLatin1String("value")) {
                add(channel, QVariantList{QStringLiteral("value"), c.value(QStringLiteral("name")),
                                          c.value(QStringLiteral("value"))});
            } else if (type == QLatin1String("age")) {
                add(channel,
                    QVariantList{QStringLiteral("refresh"), c.value(QStringLiteral("name")),
                                 c.value(QStringLiteral("age")).toDouble()});
            } else if (type == QLatin1String("add_tag") || type == QLatin1String("delete_tag")) {
                add(channel, QVariantList{QStringLiteral("tag"), c.value(QStringLiteral("tag")),
                                          type == QLatin1String("add_tag")});
            }
        }
    }
    auto provisionsOf = [&](const QString &channel) {
        QVariantList out;
        for (const Item &item : std::as_const(batch)) {
            if (item.channels.contains(channel))
                out.append(QVariant(item.provision));
        }
        return out;
    };
    // The batch is one provisioning cycle (applyPresets(): clearProvisions(), then
    // addProvisions() per preset), with its own 255 RPCs; too_many_cycles faults every channel
    // of the batch, as recordFault() does with sessionContext.channels.
    newCycle(s);
    if (!batch.isEmpty()) {
        QString code, message;
        if (!beginCycle(s, &code, &message)) {
            for (const QString &c : std::as_const(channels))
                recordFault(s, c, code, message, {}, provisionsOf(c), s.now, QVariant());
            return;
        }
    }
    // One pass in list order. GenieACS's recordFault() first faults every channel of the batch
    // and applyPresets() then re-runs each of them alone at once (retryNow), so a fault ends up
    // on the channels of the provision that caused it; the lab attributes it directly: those
    // channels' later provisions are skipped, the other channels go on.
    QSet<QString> faulted;
    for (const Item &item : std::as_const(batch)) {
        QStringList open;
        for (const QString &c : item.channels) {
            if (!faulted.contains(c))
                open.append(c);
        }
        if (open.isEmpty())
            continue;
        QString code, message;
        QVariantMap detail;
        if (runProvision(s, open.first(), item.provision, &code, &message, &detail))
            continue;
        if (s.terminated) {
            // endSession(): session_terminated on every channel of the batch (its provisions
            // were all still pending), including those whose provisions already ran.
            for (const QString &c : std::as_const(channels)) {
                if (!faulted.contains(c))
                    recordFault(s, c, code, message, detail, provisionsOf(c), s.now, QVariant());
            }
            return;
        }
        for (const QString &c : std::as_const(open)) {
            recordFault(s, c, code, message, detail, provisionsOf(c), s.now, QVariant());
            faulted.insert(c);
        }
    }
    for (const QString &c : std::as_const(channels)) {
        if (!faulted.contains(c))
            m_store.faults().remove(s.deviceId + u':' + c);
    }
}

} // namespace fwd::lab
