#include "lab/fleet.h"

#include "core/clock.h"
#include "firmware/npkreader.h"
#include "firmware/upgradedescriptor.h"
#include "lab/docvalue.h"
#include "lab/lablogging.h"
#include "lab/labstore.h"

#include <QBuffer>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSslConfiguration>
#include <QTimer>

#include <algorithm>
#include <array>

namespace fwd::lab {

namespace {

quint64 splitmix(quint64 x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

QStringList eventNames(quint16 events)
{
    QStringList out;
    if (events & SimulatedCpe::Bootstrap)
        out << QStringLiteral("0 BOOTSTRAP");
    if (events & SimulatedCpe::Boot)
        out << QStringLiteral("1 BOOT");
    if (events & SimulatedCpe::Periodic)
        out << QStringLiteral("2 PERIODIC");
    if (events & SimulatedCpe::ConnectionRequest)
        out << QStringLiteral("6 CONNECTION REQUEST");
    if (events & SimulatedCpe::TransferComplete)
        out << QStringLiteral("7 TRANSFER COMPLETE");
    if (events & SimulatedCpe::MReboot)
        out << QStringLiteral("M Reboot");
    if (events & SimulatedCpe::MDownload)
        out << QStringLiteral("M Download");
    return out;
}

// The lab's image format for routers that are not MikroTik: a text header naming the version.
const QByteArray kVendorImageMagic = "FWDLAB-FIRMWARE ";

} // namespace

struct DescriptorJob
{
    quint32 index = 0;
    QList<QUrl> links;
    int next = 0;
    QList<firmware::NpkInfo> packages;
    qint64 bytes = 0;
};

Fleet::Fleet(LabStore &store, const Clock &clock, FleetProfile profile, Options options,
             QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_clock(clock)
    , m_profile(std::move(profile))
    , m_options(std::move(options))
{
    m_options.engine.roundTripMs = m_profile.cwmpRoundTripMs;
    m_engine = std::make_unique<CwmpEngine>(m_store, *this, m_options.engine);
    m_nam = new QNetworkAccessManager(this);
    m_nam->setRedirectPolicy(QNetworkRequest::NoLessSafeRedirectPolicy);
    for (const QString &file : m_profile.trustedCaFiles) {
        if (file == QLatin1String("system"))
            m_trusted += QSslConfiguration::systemCaCertificates();
        else
            m_trusted += QSslCertificate::fromPath(file, QSsl::Pem);
    }
    // Vendors by share, versions by share, architectures evenly: all from the seed.
    double totalShare = 0;
    for (const VendorProfile &v : m_profile.vendors)
        totalShare += std::max(0.0, v.share);
    const qint64 now = m_clock.nowMs();
    m_cpes.reserve(size_t(m_options.devices));
    m_index.reserve(m_options.devices);
    for (int i = 0; i < m_options.devices; ++i) {
        auto cpe = std::make_unique<SimulatedCpe>();
        cpe->index = quint32(i);
        double pick = random(quint32(i), 1) * totalShare;
        for (int v = 0; v < m_profile.vendors.size(); ++v) {
            pick -= std::max(0.0, m_profile.vendors.at(v).share);
            cpe->vendor = quint16(v);
            if (pick < 0)
                break;
        }
        const VendorProfile &vendor = m_profile.vendors.at(cpe->vendor);
        cpe->arch = quint8(quint64(random(quint32(i), 2) * vendor.architectures.size()) %
                           vendor.architectures.size());
        double versionTotal = 0;
        for (const VersionShare &vs : vendor.versions)
            versionTotal += vs.share;
        double vp = random(quint32(i), 3) * versionTotal;
        for (const VersionShare &vs : vendor.versions) {
            cpe->version = vs.version;
            vp -= vs.share;
            if (vp < 0)
                break;
        }
        const FailureProfile &f = m_profile.failures;
        if (random(quint32(i), 4) < f.offline)
            cpe->flags |= SimulatedCpe::Offline;
        if (random(quint32(i), 6) < f.corruptDownload)
            cpe->flags |= SimulatedCpe::Corrupt;
        if (random(quint32(i), 7) < f.neverReturn)
            cpe->flags |= SimulatedCpe::NeverReturn;
        if (random(quint32(i), 8) < f.slowLink)
            cpe->flags |= SimulatedCpe::SlowLink;
        double crPick = random(quint32(i), 12);
        for (const auto &[name, share] : f.connectionRequest) {
            crPick -= share;
            if (crPick >= 0)
                continue;
            static const QHash<QString, ConnectionRequestBehaviour> byName = {
                {QStringLiteral("refuse"), ConnectionRequestBehaviour::Refuse},
                {QStringLiteral("timeout"), ConnectionRequestBehaviour::Timeout},
                {QStringLiteral("busy"), ConnectionRequestBehaviour::Busy},
                {QStringLiteral("notFound"), ConnectionRequestBehaviour::NotFound},
                {QStringLiteral("basicAuth"), ConnectionRequestBehaviour::BasicAuth},
                {QStringLiteral("badCredentials"), ConnectionRequestBehaviour::BadCredentials},
                {QStringLiteral("httpsUrl"), ConnectionRequestBehaviour::HttpsUrl},
                {QStringLiteral("badUrl"), ConnectionRequestBehaviour::BadUrl},
                {QStringLiteral("noSession"), ConnectionRequestBehaviour::AcceptNoSession}};
            m_crBehaviour.insert(i, byName.value(name));
            break;
        }
        const quint64 h = splitmix(m_options.seed * 1000003ULL + quint64(i));
        cpe->serial =
            vendor.sequentialSerials
                ? vendor.serialPrefix + QStringLiteral("%1").arg(i, 6, 10, QLatin1Char('0'))
                : vendor.serialPrefix + QStringLiteral("%1%2")
                                            .arg(i, 6, 16, QLatin1Char('0'))
                                            .arg(h & 0xffffff, 6, 16, QLatin1Char('0'))
                                            .toUpper();
        cpe->bootMs = now - qint64(random(quint32(i), 9) * 86400000.0);
        m_index.insert(DeviceRecord::makeId(vendor.oui, vendor.productClass, cpe->serial), i);
        m_cpes.push_back(std::move(cpe));
    }
    m_timer = new QTimer(this);
    m_timer->setInterval(m_options.tickMs);
    connect(m_timer, &QTimer::timeout, this, &Fleet::processDue);
}

Fleet::~Fleet() = default;

double Fleet::random(quint32 index, quint64 salt) const
{
    const quint64 x = splitmix(splitmix(m_options.seed) ^ (quint64(index) << 8) ^ salt);
    return double(x >> 11) / double(1ULL << 53);
}

QString Fleet::deviceId(int index) const
{
    const SimulatedCpe &c = *m_cpes.at(size_t(index));
    const VendorProfile &v = m_profile.vendors.at(c.vendor);
    return DeviceRecord::makeId(v.oui, v.productClass, c.serial);
}

void Fleet::setFsUrlPrefix(const QString &prefix)
{
    CwmpEngine::Config c = m_engine->config();
    c.fsUrlPrefix = prefix;
    m_engine->setConfig(c);
}

void Fleet::start()
{
    quint16 first = 0;
    for (const QString &e : m_profile.registrationEvents) {
        if (e == QLatin1String("0 BOOTSTRAP"))
            first |= SimulatedCpe::Bootstrap;
        else if (e == QLatin1String("1 BOOT"))
            first |= SimulatedCpe::Boot;
        else if (e == QLatin1String("2 PERIODIC"))
            first |= SimulatedCpe::Periodic;
    }
    const qint64 start = m_clock.nowMs();
    for (auto &cpe : m_cpes)
        runSession(*cpe, first, start, true);
    // Spread the first periodic informs over one interval.
    const qint64 now = m_clock.nowMs();
    for (auto &cpe : m_cpes) {
        if (!(cpe->flags & SimulatedCpe::Offline) && cpe->state == SimulatedCpe::State::Idle)
            schedule(*cpe, now + qint64(random(cpe->index, 10) *
                                        m_profile.periodicInformIntervalSeconds * 1000.0));
    }
    m_timer->start();
}

void Fleet::stop()
{
    m_timer->stop();
}

void Fleet::schedule(SimulatedCpe &cpe, qint64 wakeMs)
{
    cpe.wakeMs = wakeMs;
    m_wake.push({wakeMs, cpe.index});
}

void Fleet::scheduleNextInform(SimulatedCpe &cpe)
{
    if (cpe.flags & SimulatedCpe::Offline)
        return;
    qint64 interval = qint64(m_profile.periodicInformIntervalSeconds) * 1000;
    if (cpe.overrides) {
        for (auto it = cpe.overrides->cbegin(); it != cpe.overrides->cend(); ++it) {
            if (it.key().endsWith(QLatin1String(".ManagementServer.PeriodicInformInterval")) &&
                it.value().toDouble() > 0)
                interval = qint64(it.value().toDouble() * 1000);
        }
    }
    const double jitter =
        (random(cpe.index, 11 + quint64(m_sessions)) * 2 - 1) * m_profile.informJitter;
    schedule(cpe,
             m_clock.nowMs() + std::max<qint64>(1000, qint64(double(interval) * (1 + jitter))));
}

void Fleet::processDue()
{
    const qint64 now = m_clock.nowMs();
    // Session ends are processed in time order up to each due router's time (runSession), so
    // that a late pass still sees the sessions in progress at that time; then up to now.
    m_store.expireLocks();
    int budget = m_options.maxSessionsPerTick;
    while (!m_wake.empty() && m_wake.top().first <= now && budget > 0) {
        const auto [when, index] = m_wake.top();
        m_wake.pop();
        SimulatedCpe &cpe = *m_cpes.at(index);
        if (cpe.wakeMs != when)
            continue; // superseded
        --budget;
        switch (cpe.state) {
        case SimulatedCpe::State::Idle: {
            const bool retry = cpe.flags & SimulatedCpe::Retry;
            cpe.flags &= ~SimulatedCpe::Retry;
            runSession(cpe, retry ? 0 : SimulatedCpe::Periodic, when);
            break;
        }
        case SimulatedCpe::State::DownloadPending:
            startDownload(cpe);
            break;
        case SimulatedCpe::State::Rebooting:
            if (cpe.flags & SimulatedCpe::NeverReturn) {
                cpe.state = SimulatedCpe::State::Dead;
                qCInfo(lcLabCpe) << deviceId(int(index)) << "never came back after its reboot";
                break;
            }
            if (cpe.transfer && cpe.transfer->faultCode == 0 && !cpe.transfer->newVersion.isEmpty())
                cpe.version = cpe.transfer->newVersion;
            cpe.bootMs = now;
            cpe.state = SimulatedCpe::State::Idle;
            runSession(cpe, SimulatedCpe::Boot, when);
            break;
        case SimulatedCpe::State::Downloading:
        case SimulatedCpe::State::Dead:
            break;
        }
    }
    finishSessions(!m_wake.empty() && m_wake.top().first <= now ? m_wake.top().first : now);
}

void Fleet::informNow(int index, quint16 events)
{
    SimulatedCpe &cpe = *m_cpes.at(size_t(index));
    if (cpe.state == SimulatedCpe::State::Idle)
        runSession(cpe, events, m_clock.nowMs());
}

void Fleet::setSessionCrash(int index, bool crash)
{
    SimulatedCpe &cpe = *m_cpes.at(size_t(index));
    if (crash)
        cpe.flags |= SimulatedCpe::CrashSessions;
    else
        cpe.flags &= ~SimulatedCpe::CrashSessions;
}

QString Fleet::templateValue(const SimulatedCpe &cpe, const QString &value) const
{
    if (!value.contains(u'{'))
        return value;
    const VendorProfile &v = m_profile.vendors.at(cpe.vendor);
    const QString ip = QStringLiteral("10.%1.%2.%3")
                           .arg((cpe.index >> 16) & 255)
                           .arg((cpe.index >> 8) & 255)
                           .arg(cpe.index & 255);
    QString out = value;
    out.replace(QLatin1String("{serial}"), cpe.serial);
    out.replace(QLatin1String("{version}"), cpe.version);
    out.replace(QLatin1String("{arch}"), v.architectures.at(cpe.arch));
    out.replace(QLatin1String("{ip}"), ip);
    out.replace(QLatin1String("{crurl}"),
                QStringLiteral("http://") + ip + QStringLiteral(":7547/") +
                    QString::number(splitmix(m_options.seed ^ cpe.index), 16));
    out.replace(QLatin1String("{uptime}"),
                QString::number(std::max<qint64>(0, (m_clock.nowMs() - cpe.bootMs) / 1000)));
    out.replace(QLatin1String("{model}"), v.modelName);
    out.replace(QLatin1String("{productClass}"), v.productClass);
    out.replace(QLatin1String("{oui}"), v.oui);
    out.replace(QLatin1String("{manufacturer}"), v.manufacturer);
    out.replace(QLatin1String("{hardware}"), v.hardwareVersion);
    return out;
}

QVariant Fleet::typedValue(const QString &text, const QString &type) const
{
    if (type == QLatin1String("xsd:boolean"))
        return text == QLatin1String("true") || text == QLatin1String("1");
    if (type == QLatin1String("xsd:unsignedInt") || type == QLatin1String("xsd:int") ||
        type == QLatin1String("xsd:long") || type == QLatin1String("xsd:unsignedLong"))
        return text.toDouble();
    if (type == QLatin1String("xsd:dateTime"))
        return docvalue::parseJsDate(text).value_or(docvalue::fromMs(0));
    return text;
}

QVariant Fleet::cpeValue(int index, const QString &path) const
{
    const SimulatedCpe &cpe = *m_cpes.at(size_t(index));
    if (cpe.overrides && cpe.overrides->contains(path))
        return cpe.overrides->value(path);
    for (const ParameterTemplate &t : m_profile.vendors.at(cpe.vendor).parameters) {
        if (t.path == path)
            return typedValue(templateValue(cpe, t.value), t.type);
    }
    return {};
}

void Fleet::runSession(SimulatedCpe &cpe, quint16 events, qint64 nominalMs, bool registration)
{
    const VendorProfile &v = m_profile.vendors.at(cpe.vendor);
    const QString id = deviceId(int(cpe.index));
    if (cpe.flags & SimulatedCpe::InSession) {
        // One session at a time: a connection request during a session opens another one after.
        cpe.pendingEvents |= events;
        return;
    }
    if (!registration) {
        finishSessions(nominalMs);
        // lib/cwmp.ts: more than MAX_CONCURRENT_REQUESTS requests in progress -> 503
        // Retry-after: 60, Connection: close; the router keeps its events and comes back.
        if (m_profile.maxConcurrentRequests > 0 &&
            m_requestsInProgress >= m_profile.maxConcurrentRequests) {
            ++m_turnedAway;
            cpe.pendingEvents |= events;
            if (cpe.state == SimulatedCpe::State::Idle) {
                cpe.flags |= SimulatedCpe::Retry;
                schedule(cpe, nominalMs + 60 * 1000);
            }
            return;
        }
        if (m_store.isInSession(id)) {
            // The lock of an earlier session is still taken: 400 "CPE already in session".
            ++m_refusedInSession;
            retrySession(cpe, events, nominalMs);
            return;
        }
        if ((cpe.flags & SimulatedCpe::CrashSessions) ||
            (m_profile.failures.sessionCrash > 0 &&
             random(cpe.index, 5000 + quint64(m_sessions) * 7919) <
                 m_profile.failures.sessionCrash)) {
            // GenieACS's worker dies after taking the lock: nothing of the session is saved,
            // the lock stays for its TTL (30 + 10 + 10 s, plus 30 s clock-skew tolerance), and
            // the router's connection drops (it retries as TR-069 says).
            ++m_crashed;
            const qint64 now = m_clock.nowMs();
            m_store.setInSession(id, true);
            m_store.holdLockUntil(id, now + 80 * 1000);
            qCInfo(lcLabCpe) << id << "session crashed GenieACS's CWMP worker";
            retrySession(cpe, events, nominalMs);
            return;
        }
    }
    cpe.flags &= ~SimulatedCpe::Retry;
    events |= cpe.pendingEvents;
    Inform inform;
    inform.manufacturer = v.manufacturer;
    inform.oui = v.oui;
    inform.productClass = v.productClass;
    inform.serial = cpe.serial;
    inform.events = eventNames(events);
    for (const ParameterTemplate &t : v.parameters) {
        if (!t.inform)
            continue;
        const QVariant value = cpe.overrides && cpe.overrides->contains(t.path)
                                   ? cpe.overrides->value(t.path)
                                   : typedValue(templateValue(cpe, t.value), t.type);
        inform.parameters.append({t.path, value, t.type});
    }
    std::unique_ptr<PendingTransfer> reported;
    if ((events & SimulatedCpe::TransferComplete) && cpe.transfer) {
        inform.transferComplete = TransferCompleteReport{
            cpe.transfer->commandKey, cpe.transfer->faultCode, cpe.transfer->faultString,
            cpe.transfer->startMs, cpe.transfer->completeMs};
        reported = std::move(cpe.transfer);
    }
    cpe.pendingEvents = 0;
    ++m_sessions;
    const QString sessionId = m_engine->runSession(inform);
    const CwmpEngine::SessionReport &report = m_engine->lastSession();
    const qint64 now = m_clock.nowMs();
    // GenieACS works on the session's requests (one request slot) for cwmpRequestMs each --
    // counted here as one block from the session's start --, also for a session already over
    // (a late scheduler pass): later Informs due in that time still find it.
    const qint64 slotMs =
        std::min(report.durationMs, qint64(report.rpcs + 2) * m_profile.cwmpRequestMs);
    if (slotMs > 0 && !registration) {
        ++m_requestsInProgress;
        m_sessionEnds.push({nominalMs + slotMs, cpe.index, SessionEnd::Slot});
    }
    if (sessionId.isEmpty() || registration || nominalMs + report.lockMs <= now) {
        // Over already (no time model, the lab's initial registration, or a late scheduler).
        if (!sessionId.isEmpty())
            m_store.setInSession(sessionId, false);
        Q_EMIT sessionFinished(sessionId);
        if (report.terminated) {
            ++m_terminated;
            retrySession(cpe, 0, nominalMs + report.durationMs);
            return;
        }
        cpe.sessionRetries = 0;
        if (cpe.state == SimulatedCpe::State::Idle)
            scheduleNextInform(cpe);
        return;
    }
    // The session takes time: the router is busy until its last exchange, and the lock lasts
    // until GenieACS ends the session.
    std::array<SessionEnd, 2> ends{};
    size_t n = 0;
    auto add = [&](qint64 at, quint8 what) {
        for (size_t i = 0; i < n; ++i) {
            if (ends[i].atMs == at) {
                ends[i].what |= what;
                return;
            }
        }
        ends[n++] = {at, cpe.index, what};
    };
    cpe.flags |= SimulatedCpe::InSession;
    ++m_activeSessions;
    add(nominalMs + report.durationMs, SessionEnd::Cpe);
    add(nominalMs + report.lockMs, SessionEnd::Lock);
    for (size_t i = 0; i < n; ++i)
        m_sessionEnds.push(ends[i]);
    if (report.terminated) {
        ++m_terminated;
        cpe.flags |= SimulatedCpe::Cut;
    }
}

void Fleet::finishSessions(qint64 untilMs)
{
    const qint64 now = m_clock.nowMs();
    while (!m_sessionEnds.empty() && m_sessionEnds.top().atMs <= std::min(untilMs, now)) {
        const SessionEnd e = m_sessionEnds.top();
        m_sessionEnds.pop();
        SimulatedCpe &cpe = *m_cpes.at(e.index);
        const QString id = deviceId(int(e.index));
        if (e.what & SessionEnd::Slot)
            --m_requestsInProgress;
        if (e.what & SessionEnd::Lock)
            m_store.setInSession(id, false); // GenieACS's endSession()
        if (!(e.what & SessionEnd::Cpe)) {
            if (e.what & SessionEnd::Lock)
                Q_EMIT sessionFinished(id);
            continue;
        }
        cpe.flags &= ~SimulatedCpe::InSession;
        --m_activeSessions;
        const bool cut = cpe.flags & SimulatedCpe::Cut;
        cpe.flags &= ~SimulatedCpe::Cut;
        if (cut) {
            // Cut off at MAX_SESSION_DURATION: the router saw its connection drop.
            retrySession(cpe, 0, e.atMs);
            continue;
        }
        cpe.sessionRetries = 0;
        Q_EMIT sessionFinished(id);
        if (cpe.pendingEvents & SimulatedCpe::ConnectionRequest) {
            runSession(cpe, 0, e.atMs); // a connection request came during the session
        } else if (cpe.state == SimulatedCpe::State::Idle) {
            scheduleNextInform(cpe);
        }
    }
}

void Fleet::retrySession(SimulatedCpe &cpe, quint16 events, qint64 fromMs)
{
    // TR-069 3.2.1.1 session retry policy: the n-th retry waits 5 s x 2^n to twice that,
    // n capped at 9 (2560-5120 s).
    cpe.pendingEvents |= events;
    if (cpe.state != SimulatedCpe::State::Idle)
        return; // its next wake (download, reboot) opens a session with these events
    const int n = std::min<int>(cpe.sessionRetries, 9);
    if (cpe.sessionRetries < 255)
        ++cpe.sessionRetries;
    const qint64 base = qint64(5000) << n;
    cpe.flags |= SimulatedCpe::Retry;
    schedule(cpe,
             fromMs + base + qint64(random(cpe.index, 3000 + quint64(m_sessions)) * double(base)));
}

void Fleet::setDownloadResponse(int index, const DownloadResponseProfile &response)
{
    m_downloadResponse.insert(index, response);
}

void Fleet::setConnectionRequestBehaviour(int index, ConnectionRequestBehaviour behaviour)
{
    if (behaviour == ConnectionRequestBehaviour::Accept)
        m_crBehaviour.remove(index);
    else
        m_crBehaviour.insert(index, behaviour);
}

void Fleet::connectionRequest(const QString &deviceId, std::function<void(const QString &)> done)
{
    const int index = indexOf(deviceId);
    if (index < 0) {
        // Not one of ours (a device document made by hand): nobody listens at its URL.
        done(QStringLiteral("Device is offline"));
        return;
    }
    SimulatedCpe &cpe = *m_cpes.at(size_t(index));
    if ((cpe.flags & SimulatedCpe::Offline) || cpe.state == SimulatedCpe::State::Rebooting ||
        cpe.state == SimulatedCpe::State::Dead) {
        done(QStringLiteral("Device is offline"));
        return;
    }
    switch (m_crBehaviour.value(index, ConnectionRequestBehaviour::Accept)) {
    case ConnectionRequestBehaviour::Accept:
        break;
    case ConnectionRequestBehaviour::AcceptNoSession:
        done(QString());
        return;
    case ConnectionRequestBehaviour::Refuse:
    case ConnectionRequestBehaviour::Busy:
        done(QStringLiteral("Device is offline"));
        return;
    case ConnectionRequestBehaviour::Timeout:
        QTimer::singleShot(m_options.connectionRequestTimeoutMs, this,
                           [done = std::move(done)] { done(QStringLiteral("Device is offline")); });
        return;
    case ConnectionRequestBehaviour::NotFound:
        done(QStringLiteral("Connection request error: Unexpected status code 404"));
        return;
    case ConnectionRequestBehaviour::BasicAuth:
        done(QStringLiteral("Basic HTTP authentication not allowed"));
        return;
    case ConnectionRequestBehaviour::BadCredentials:
        done(QStringLiteral("Connection request error: Incorrect connection request credentials"));
        return;
    case ConnectionRequestBehaviour::HttpsUrl:
        done(QStringLiteral("Invalid connection request URL or protocol"));
        return;
    case ConnectionRequestBehaviour::BadUrl:
        done(QStringLiteral("Invalid connection request URL"));
        return;
    }
    done(QString());
    // The router opens its session a moment later, as a real one does.
    QTimer::singleShot(0, this, [this, index] {
        SimulatedCpe &c = *m_cpes.at(size_t(index));
        if (c.state == SimulatedCpe::State::Idle ||
            c.state == SimulatedCpe::State::DownloadPending ||
            c.state == SimulatedCpe::State::Downloading)
            runSession(c, SimulatedCpe::ConnectionRequest, m_clock.nowMs());
    });
}

RpcResponse Fleet::rpc(const QString &deviceId, const RpcRequest &request)
{
    ++m_rpcsAnswered;
    RpcResponse r;
    const int index = indexOf(deviceId);
    auto fault = [&](const char *code, const QString &text) {
        r.fault = true;
        r.faultCode = QLatin1String(code);
        r.faultString = text;
        return r;
    };
    if (index < 0)
        return fault("9002", QStringLiteral("Internal error"));
    SimulatedCpe &cpe = *m_cpes.at(size_t(index));
    const VendorProfile &v = m_profile.vendors.at(cpe.vendor);
    const qint64 now = m_clock.nowMs();

    if (request.name == QLatin1String("GetParameterValues")) {
        QVariantList values;
        QSet<QString> objects;
        for (const QString &name : request.args.value(QStringLiteral("names")).toStringList()) {
            const QString prefix = name.isEmpty() || name.endsWith(u'.') ? name : name + u'.';
            bool found = false;
            for (const ParameterTemplate &t : v.parameters) {
                if (t.path != name && !t.path.startsWith(prefix))
                    continue;
                found = true;
                values.append(
                    QVariant(QVariantList{t.path, cpeValue(index, t.path), t.type, t.writable}));
                for (qsizetype dot = t.path.lastIndexOf(u'.'); dot > 0;
                     dot = t.path.lastIndexOf(u'.', dot - 1)) {
                    const QString obj = t.path.left(dot);
                    if (obj.size() + 1 < prefix.size())
                        break;
                    objects.insert(obj);
                }
            }
            if (!found)
                return fault("9005", QStringLiteral("Invalid parameter name"));
        }
        QVariantList objectList;
        for (const QString &o : std::as_const(objects))
            objectList.append(QVariant(QVariantList{o, false}));
        r.result.insert(QStringLiteral("values"), values);
        r.result.insert(QStringLiteral("objects"), objectList);
        return r;
    }
    if (request.name == QLatin1String("SetParameterValues")) {
        const QVariantList list = request.args.value(QStringLiteral("values")).toList();
        for (const QVariant &pv : list) {
            const QString path = pv.toList().value(0).toString();
            const auto it =
                std::find_if(v.parameters.cbegin(), v.parameters.cend(),
                             [&](const ParameterTemplate &t) { return t.path == path; });
            if (it == v.parameters.cend())
                return fault("9005", QStringLiteral("Invalid parameter name"));
            if (!it->writable)
                return fault("9008", QStringLiteral("Attempt to set a non-writable parameter"));
        }
        if (!cpe.overrides)
            cpe.overrides = std::make_unique<QVariantMap>();
        for (const QVariant &pv : list) {
            const QVariantList l = pv.toList();
            cpe.overrides->insert(l.value(0).toString(), l.value(1));
        }
        r.result.insert(QStringLiteral("status"), 0);
        return r;
    }
    if (request.name == QLatin1String("AddObject") ||
        request.name == QLatin1String("DeleteObject")) {
        const QString path = request.args.value(QStringLiteral("objectName")).toString();
        const bool known =
            std::any_of(v.parameters.cbegin(), v.parameters.cend(),
                        [&](const ParameterTemplate &t) { return t.path.startsWith(path + u'.'); });
        if (!known)
            return fault("9005", QStringLiteral("Invalid parameter name"));
        if (!cpe.overrides)
            cpe.overrides = std::make_unique<QVariantMap>();
        const QString key = QStringLiteral("#instances:") + path;
        const int n = cpe.overrides->value(key).toInt() +
                      (request.name == QLatin1String("AddObject") ? 1 : 0);
        cpe.overrides->insert(key, n);
        r.result.insert(QStringLiteral("instanceNumber"), n);
        r.result.insert(QStringLiteral("status"), 0);
        return r;
    }
    if (request.name == QLatin1String("Reboot") || request.name == QLatin1String("FactoryReset")) {
        const bool reset = request.name == QLatin1String("FactoryReset");
        if (reset)
            cpe.overrides.reset();
        cpe.state = SimulatedCpe::State::Rebooting;
        cpe.pendingEvents |=
            SimulatedCpe::Boot | (reset ? SimulatedCpe::Bootstrap : SimulatedCpe::MReboot);
        schedule(cpe, now + qint64(m_profile.rebootSeconds) * 1000);
        return r;
    }
    if (request.name == QLatin1String("Download")) {
        const DownloadResponseProfile how =
            m_downloadResponse.value(index, m_profile.downloadResponse);
        if (how.kind == DownloadResponseProfile::Kind::Fault) {
            r.fault = true;
            r.faultCode = how.faultCode;
            r.faultString = how.faultString.isEmpty()
                                ? DownloadResponseProfile::cwmpFaultString(how.faultCode)
                                : how.faultString;
            return r;
        }
        if (cpe.transfer || cpe.state != SimulatedCpe::State::Idle)
            return fault("9004", QStringLiteral("Resources exceeded"));
        cpe.transfer = std::make_unique<PendingTransfer>();
        cpe.transfer->commandKey = request.args.value(QStringLiteral("commandKey")).toString();
        cpe.transfer->fileType = request.args.value(QStringLiteral("fileType")).toString();
        cpe.transfer->url = request.args.value(QStringLiteral("url")).toString();
        cpe.transfer->fileSize = qint64(request.args.value(QStringLiteral("fileSize")).toDouble());
        cpe.state = SimulatedCpe::State::DownloadPending;
        schedule(cpe, now + qint64(m_profile.downloadDelaySeconds) * 1000);
        if (how.kind == DownloadResponseProfile::Kind::Applied) {
            // Status 0: "completed and applied"; the lab's router still fetches the file (after
            // downloadDelaySeconds, as with Status 1) and applies it without a reboot.
            cpe.transfer->appliedAtOnce = true;
            r.result.insert(QStringLiteral("status"), 0);
            r.result.insert(QStringLiteral("startTime"), docvalue::fromMs(now));
            r.result.insert(QStringLiteral("completeTime"), docvalue::fromMs(now));
            return r;
        }
        r.result.insert(QStringLiteral("status"), 1);
        r.result.insert(QStringLiteral("startTime"), docvalue::fromMs(0));
        r.result.insert(QStringLiteral("completeTime"), docvalue::fromMs(0));
        return r;
    }
    return fault("9000", QStringLiteral("Method not supported"));
}

void Fleet::startDownload(SimulatedCpe &cpe)
{
    if (!cpe.transfer) {
        cpe.state = SimulatedCpe::State::Idle;
        scheduleNextInform(cpe);
        return;
    }
    cpe.state = SimulatedCpe::State::Downloading;
    cpe.transfer->startMs = m_clock.nowMs();
    ++cpe.downloadAttempts;
    const quint32 index = cpe.index;
    const QUrl url(cpe.transfer->url);
    if (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")) {
        finishDownload(index, 9013, QStringLiteral("Unsupported protocol for file transfer"), {},
                       0);
        return;
    }
    fetch(index, url, [this, index](int code, const QString &text, const QByteArray &body) {
        if (code) {
            finishDownload(index, code, text, {}, body.size());
            return;
        }
        checkFirmware(index, body);
    });
}

void Fleet::fetch(quint32 index, const QUrl &url,
                  std::function<void(int, const QString &, QByteArray)> done)
{
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::UserAgentHeader,
                      m_profile.vendors.at(m_cpes.at(index)->vendor).manufacturer);
    request.setTransferTimeout(60000);
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    ssl.setCaCertificates(m_trusted); // the router's own trust store, nothing else
    ssl.setPeerVerifyMode(QSslSocket::VerifyPeer);
    request.setSslConfiguration(ssl);
    QNetworkReply *reply = m_nam->get(request);
    connect(reply, &QNetworkReply::finished, this, [reply, done = std::move(done)] {
        reply->deleteLater();
        const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
        const QByteArray body = reply->readAll();
        const QNetworkReply::NetworkError error = reply->error();
        if (status.isValid() && status.toInt() >= 300) {
            done(9016, QStringLiteral("Unexpected response %1").arg(status.toInt()), {});
            return;
        }
        if (error == QNetworkReply::SslHandshakeFailedError) {
            done(9015,
                 QStringLiteral("Download failure: unable to contact file server (TLS: %1)")
                     .arg(reply->errorString()),
                 {});
            return;
        }
        if (error == QNetworkReply::ProtocolUnknownError) {
            done(9013, QStringLiteral("Unsupported protocol for file transfer"), {});
            return;
        }
        if (error != QNetworkReply::NoError) {
            if (!status.isValid())
                done(9015,
                     QStringLiteral("Download failure: unable to contact file server (%1)")
                         .arg(reply->errorString()),
                     {});
            else
                done(9017,
                     QStringLiteral("Download failure: unable to complete download (%1)")
                         .arg(reply->errorString()),
                     body);
            return;
        }
        const QVariant length = reply->header(QNetworkRequest::ContentLengthHeader);
        if (length.isValid() && length.toLongLong() != body.size()) {
            done(9017, QStringLiteral("Download failure: unable to complete download"), body);
            return;
        }
        done(0, {}, body);
    });
}

void Fleet::checkFirmware(quint32 index, const QByteArray &body)
{
    SimulatedCpe &cpe = *m_cpes.at(index);
    const VendorProfile &v = m_profile.vendors.at(cpe.vendor);
    if (random(index, 1000 + cpe.downloadAttempts) < m_profile.failures.flakyDownload) {
        finishDownload(index, 9017, QStringLiteral("Download failure: unable to complete download"),
                       {}, body.size() / 2);
        return;
    }
    if (cpe.flags & SimulatedCpe::Corrupt) {
        finishDownload(index, 9018, QStringLiteral("Download failure: file corrupted"), {},
                       body.size());
        return;
    }
    if (cpe.transfer->fileType != QLatin1String("1 Firmware Upgrade Image")) {
        // Configuration and other files are stored; nothing to check, no reboot.
        finishDownload(index, 0, {}, {}, body.size());
        return;
    }
    if (!v.mikrotik) {
        if (!body.startsWith(kVendorImageMagic)) {
            finishDownload(
                index, 9018,
                QStringLiteral("Download failure: file corrupted (not a firmware image)"), {},
                body.size());
            return;
        }
        const QString version =
            QString::fromUtf8(body.mid(kVendorImageMagic.size()).split('\n').first()).trimmed();
        finishDownload(index, 0, {}, version, body.size());
        return;
    }
    const firmware::DescriptorParseResult parsed =
        firmware::UpgradeDescriptor::fromXml(body, cpe.transfer->url);
    if (!parsed.ok() || parsed.descriptor.links.isEmpty()) {
        finishDownload(index, 9018,
                       QStringLiteral("Download failure: file corrupted (upgrade descriptor: %1)")
                           .arg(parsed.ok() ? QStringLiteral("no links") : parsed.errorString),
                       {}, body.size());
        return;
    }
    auto job = std::make_shared<DescriptorJob>();
    job->index = index;
    job->links = parsed.descriptor.links;
    job->bytes = body.size();
    auto next = std::make_shared<std::function<void()>>();
    std::weak_ptr<std::function<void()>> weakNext = next;
    *next = [this, job, weakNext]() {
        SimulatedCpe &c = *m_cpes.at(job->index);
        const QString arch = m_profile.vendors.at(c.vendor).architectures.at(c.arch);
        if (job->next >= job->links.size()) {
            // Every link fetched: one version, a system package, then apply.
            QString version;
            bool system = false;
            for (const firmware::NpkInfo &p : std::as_const(job->packages)) {
                system |= p.isSystemPackage();
                if (version.isEmpty())
                    version = p.versionString();
                else if (version != p.versionString()) {
                    finishDownload(
                        job->index, 9010,
                        QStringLiteral("Download failure: packages of different versions (%1, %2)")
                            .arg(version, p.versionString()),
                        {}, job->bytes);
                    return;
                }
            }
            if (!system) {
                finishDownload(job->index, 9010,
                               QStringLiteral("Download failure: no system package"), {},
                               job->bytes);
                return;
            }
            finishDownload(job->index, 0, {}, version, job->bytes);
            return;
        }
        const QUrl link = job->links.at(job->next++);
        auto self = weakNext.lock();
        fetch(
            job->index, link,
            [this, job, link, arch, self](int code, const QString &text, QByteArray npk) {
                if (code) {
                    finishDownload(job->index, code,
                                   text + QStringLiteral(" (") + link.toString() + u')', {},
                                   job->bytes);
                    return;
                }
                job->bytes += npk.size();
                QBuffer buffer(&npk);
                buffer.open(QIODevice::ReadOnly);
                const firmware::NpkReadResult r =
                    firmware::NpkReader::read(buffer, link.fileName());
                if (!r.ok()) {
                    finishDownload(
                        job->index, 9018,
                        QStringLiteral("Download failure: file corrupted (%1)").arg(r.errorString),
                        {}, job->bytes);
                    return;
                }
                buffer.seek(0);
                if (firmware::NpkReader::verifyDigest(buffer) ==
                    firmware::NpkDigestCheck::Invalid) {
                    finishDownload(
                        job->index, 9019,
                        QStringLiteral("Download failure: file authentication failure (%1)")
                            .arg(link.fileName()),
                        {}, job->bytes);
                    return;
                }
                if (r.info.architecture() != arch) {
                    finishDownload(
                        job->index, 9010,
                        QStringLiteral("Download failure: %1 is for %2, this router is %3")
                            .arg(link.fileName(), r.info.architecture(), arch),
                        {}, job->bytes);
                    return;
                }
                job->packages.append(r.info);
                if (self)
                    (*self)();
            });
    };
    // The chain keeps itself alive through the fetch callbacks that hold `self`.
    (*next)();
}

void Fleet::finishDownload(quint32 index, int faultCode, const QString &faultString,
                           const QString &newVersion, qint64 bytes)
{
    SimulatedCpe &cpe = *m_cpes.at(index);
    if (!cpe.transfer)
        return;
    const qint64 now = m_clock.nowMs();
    qint64 transferMs = 0;
    if (cpe.flags & SimulatedCpe::SlowLink)
        transferMs = bytes * 1000 / std::max<qint64>(1, m_profile.failures.slowLinkBytesPerSecond);
    const QString id = deviceId(int(index));
    if (cpe.transfer->appliedAtOnce) {
        // GenieACS took the Status 0 as done: no TransferComplete, no reboot; the next Inform
        // carries the new version. A failure has no way to be reported (only logged).
        if (faultCode == 0 && !newVersion.isEmpty())
            cpe.version = newVersion;
        cpe.transfer.reset();
        cpe.state = SimulatedCpe::State::Idle;
        scheduleNextInform(cpe);
        qCInfo(lcLabCpe) << id << "download applied (Status 0)" << faultCode << faultString
                         << newVersion;
        Q_EMIT transferFinished(id, faultCode, faultString);
        return;
    }
    cpe.transfer->faultCode = faultCode;
    cpe.transfer->faultString = faultString;
    cpe.transfer->completeMs = now + transferMs;
    cpe.transfer->newVersion = newVersion;
    cpe.pendingEvents |= SimulatedCpe::TransferComplete | SimulatedCpe::MDownload;
    if (faultCode == 0 && !newVersion.isEmpty()) {
        cpe.state = SimulatedCpe::State::Rebooting;
        cpe.pendingEvents |= SimulatedCpe::Boot;
        schedule(cpe, cpe.transfer->completeMs + qint64(m_profile.rebootSeconds) * 1000);
    } else {
        cpe.state = SimulatedCpe::State::Idle;
        schedule(cpe, cpe.transfer->completeMs + 1000);
    }
    qCInfo(lcLabCpe) << id << "download finished" << faultCode << faultString << newVersion;
    Q_EMIT transferFinished(id, faultCode, faultString);
}

} // namespace fwd::lab
