#include "lab/cwmpengine.h"

#include "lab/docvalue.h"
#include "lab/lablogging.h"
#include "lab/labstore.h"

#include <QUrl>

#include <cmath>

namespace fwd::lab {

using docvalue::Kind;

struct CwmpEngine::Session
{
    QString deviceId;
    DeviceRecord *device = nullptr;
    qint64 now = 0;
    int rpcs = 0;
    QHash<QString, int> retries; // channel -> retries of the fault being retried
    QStringList events;
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

qint64 dateMs(const QVariant &v)
{
    return docvalue::kind(v) == Kind::Date ? v.toDateTime().toMSecsSinceEpoch() : 0;
}

} // namespace

CwmpEngine::CwmpEngine(LabStore &store, CpeEndpoint &cpe, Config config)
    : m_store(store)
    , m_cpe(cpe)
    , m_config(std::move(config))
{}

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
    Session s;
    s.deviceId = DeviceRecord::makeId(inform.oui, inform.productClass, inform.serial);
    s.now = m_store.nowMs();
    s.events = inform.events;
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

    if (inform.transferComplete)
        transferComplete(s, *inform.transferComplete);
    expireOperations(s);

    // Faults: a due one is retried (its provisions run again on its channel), others block
    // their channel until due.
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
    // Faults whose task is gone (a failed TransferComplete, N4) and preset channels: the
    // fault's provisions run again.
    for (auto it = dueFaults.cbegin(); it != dueFaults.cend(); ++it) {
        m_store.faults().remove(it.value().value(QStringLiteral("_id")).toString());
        QString e;
        const QVariantList provisions =
            docvalue::parseJson(it.value().value(QStringLiteral("provisions")).toString().toUtf8(),
                                &e)
                .toList();
        runProvisions(s, it.key(), provisions, QVariant());
    }

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
        if (++s.rpcs > m_config.maxRpcs) {
            *code = QStringLiteral("too_many_rpcs");
            *message = QStringLiteral("Too many RPC requests");
            return false;
        }
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
        if (!call({QStringLiteral("GetParameterValues"),
                   {{QStringLiteral("names"), QStringList{path}}}},
                  &r))
            return false;
        for (const QVariant &v : r.result.value(QStringLiteral("values")).toList()) {
            const QVariantList l = v.toList();
            setParam(s, l.value(0).toString(), l.value(1), l.value(2).toString(),
                     l.value(3).toBool());
        }
        for (const QVariant &o : r.result.value(QStringLiteral("objects")).toList()) {
            const QVariantList l = o.toList();
            s.device->setObject(m_store.paths(), l.value(0).toString(), s.now, l.value(1).toBool());
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
        return true;
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
        return true;
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
        return true;
    }
    qCWarning(lcLab) << s.deviceId << "provision" << name << "is not available in the lab";
    return true;
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

    const QVariantMap *file = m_store.files().find(fileName);
    const QString commandKey = QString::number(quint64(s.now) * 4096 + quint64(s.rpcs), 16);
    RpcRequest request{
        QStringLiteral("Download"),
        {{QStringLiteral("commandKey"), commandKey},
         {QStringLiteral("fileType"), fileType},
         {QStringLiteral("url"), QString(m_config.fsUrlPrefix + encodeUri(fileName))},
         {QStringLiteral("username"), QString()},
         {QStringLiteral("password"), QString()},
         {QStringLiteral("fileSize"),
          file ? file->value(QStringLiteral("length")).toDouble() : 0.0},
         {QStringLiteral("targetFileName"), targetFileName},
         {QStringLiteral("delaySeconds"), 0.0},
         {QStringLiteral("successURL"), QString()},
         {QStringLiteral("failureURL"), QString()}}};
    if (++s.rpcs > m_config.maxRpcs) {
        *code = QStringLiteral("too_many_rpcs");
        *message = QStringLiteral("Too many RPC requests");
        return false;
    }
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
        return true;
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
    return true;
}

} // namespace fwd::lab
