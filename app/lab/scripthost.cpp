#include "lab/scripthost.h"

#include "lab/lablogging.h"

#include <QCryptographicHash>
#include <QtEndian>

#include <cmath>

namespace fwd::lab {

namespace {

const char *kPrelude = R"JS(
(function (host, global) {
  // lib/sandbox.ts's SandboxDate: new Date() and Date.now() are the session time;
  // Date.now(interval[, variance]) and Date.now(cron[, variance]) the start of the current slot,
  // shifted by a per-device offset (lib/scheduling.ts; variance defaults to the interval).
  var RealDate = Date;
  function SandboxDate() {
    if (arguments.length)
      return new (Function.prototype.bind.apply(RealDate,
                  [null].concat(Array.prototype.slice.call(arguments))))();
    return new RealDate(host.now());
  }
  SandboxDate.now = function (intervalOrCron, variance) {
    var t = host.now();
    var offset = 0;
    if (typeof intervalOrCron === "number") {
      if (variance == null) variance = intervalOrCron;
      if (variance) offset = host.variance(variance);
      return Math.trunc((t + offset) / intervalOrCron) * intervalOrCron - offset;
    } else if (typeof intervalOrCron === "string") {
      if (variance) offset = host.variance(variance);
      var prev = host.cronPrevious(intervalOrCron, t + offset);
      return prev ? prev - offset : 0;
    } else if (intervalOrCron) {
      throw new Error("Invalid Date.now() argument");
    }
    return t;
  };
  SandboxDate.parse = function (s) { return RealDate.parse(s); };
  SandboxDate.UTC = function () { return RealDate.UTC.apply(null, arguments); };
  global.Date = SandboxDate;
  function wrap(matches) {
    var w = { size: matches.length };
    if (matches.length) {
      w.path = matches[0].path;
      w.value = matches[0].value;
      w.writable = matches[0].writable;
    }
    w[Symbol.iterator] = function () { return matches[Symbol.iterator](); };
    return w;
  }
  global.declare = function (path, timestamps, values) {
    return wrap(host.declare(String(path), timestamps || null, values || null));
  };
  global.clear = function (path) { host.clear(String(path)); };
  global.commit = function () {};
  global.log = function (message) { host.log(String(message)); };
  global.ext = function () { throw new Error("ext() is not available in the lab"); };
})
)JS";

} // namespace

ScriptHost::ScriptHost(int timeoutMs, QObject *parent)
    : QObject(parent)
    , m_timeoutMs(timeoutMs)
{
    m_watchdog = std::thread([this] { watchdog(); });
    m_engine.installExtensions(QJSEngine::ConsoleExtension);
    const QJSValue prelude = m_engine.evaluate(QString::fromUtf8(kPrelude));
    const QJSValue r = prelude.call({m_engine.newQObject(this), m_engine.globalObject()});
    if (r.isError())
        qCWarning(lcLab) << "provision prelude failed:" << r.toString();
    QJSEngine::setObjectOwnership(this, QJSEngine::CppOwnership);
}

ScriptHost::~ScriptHost()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    m_watchdog.join();
}

void ScriptHost::watchdog()
{
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        if (!m_run) {
            m_wake.wait(lock);
            continue;
        }
        const quint64 run = m_run;
        if (!m_wake.wait_for(lock, std::chrono::milliseconds(m_timeoutMs),
                             [&] { return m_stopping || m_run != run; })) {
            m_timedOut = true;
            m_engine.setInterrupted(true); // thread-safe: stops the script at its next instruction
            m_wake.wait(lock, [&] { return m_stopping || m_run != run; });
        }
    }
}

ScriptHost::Result ScriptHost::run(const QString &name, const QString &script,
                                   const QVariantList &args, ScriptContext &context)
{
    Result result;
    auto it = m_compiled.find(script);
    if (it == m_compiled.end()) {
        const QJSValue fn = m_engine.evaluate(QStringLiteral("(function(args){\"use strict\";\n") +
                                                  script + QStringLiteral("\n})"),
                                              name);
        it = m_compiled.insert(script, fn);
    }
    const QJSValue fn = it.value();
    if (fn.isError()) {
        result.ok = false;
        result.errorName = fn.property(QStringLiteral("name")).toString();
        result.errorMessage = fn.property(QStringLiteral("message")).toString();
        result.stack = fn.property(QStringLiteral("stack")).toString();
        return result;
    }
    ScriptContext *outer = m_context; // a virtual parameter's script runs inside a provision's
    m_context = &context;
    static quint64 runs = 0;
    const bool watched = !outer; // the outermost script's budget covers nested ones
    if (watched) {
        std::lock_guard lock(m_mutex);
        m_run = ++runs;
        m_timedOut = false;
    }
    m_wake.notify_all();
    const QJSValue r = fn.call({m_engine.toScriptValue(args)});
    bool timedOut = false;
    if (watched) {
        std::lock_guard lock(m_mutex);
        m_run = 0;
        timedOut = m_timedOut;
    }
    m_wake.notify_all();
    if (timedOut) {
        m_engine.setInterrupted(false);
        m_context = outer;
        result.ok = false;
        result.errorName = QStringLiteral("Error");
        result.errorMessage =
            QStringLiteral("Script execution timed out after %1ms").arg(m_timeoutMs);
        result.stack = result.errorName + QStringLiteral(": ") + result.errorMessage +
                       QStringLiteral("\n    at ") + name;
        return result;
    }
    m_context = outer;
    if (!r.isError())
        result.returnValue = r.toVariant();
    if (r.isError()) {
        result.ok = false;
        result.errorName = r.property(QStringLiteral("name")).toString();
        result.errorMessage = r.property(QStringLiteral("message")).toString();
        result.stack = r.property(QStringLiteral("stack")).toString();
        if (result.stack.isEmpty())
            result.stack = result.errorName + QStringLiteral(": ") + result.errorMessage +
                           QStringLiteral("\n    at ") + name;
    }
    return result;
}

QVariantList ScriptHost::declare(const QString &path, const QVariant &timestamps,
                                 const QVariant &values)
{
    if (!m_context)
        return {};
    return m_context->declare(path, timestamps.toMap(), values.toMap());
}

void ScriptHost::clear(const QString &path)
{
    if (m_context)
        m_context->clear(path);
}

void ScriptHost::log(const QString &message)
{
    if (m_context)
        m_context->log(message);
}

double ScriptHost::now() const
{
    return m_context ? double(m_context->sessionTime()) : 0;
}

double ScriptHost::variance(const QJSValue &variance) const
{
    // lib/scheduling.ts: (md532(deviceId) >>> 0) % variance, md532 = the XOR of the four
    // little-endian 32-bit words of the MD5 of the device id.
    if (!m_context)
        return 0;
    const QByteArray d =
        QCryptographicHash::hash(m_context->deviceId().toUtf8(), QCryptographicHash::Md5);
    const quint32 h = qFromLittleEndian<quint32>(d.constData()) ^
                      qFromLittleEndian<quint32>(d.constData() + 4) ^
                      qFromLittleEndian<quint32>(d.constData() + 8) ^
                      qFromLittleEndian<quint32>(d.constData() + 12);
    return std::fmod(double(h), variance.toNumber()); // JavaScript's % on numbers
}

double ScriptHost::cronPrevious(const QString &expression, double t)
{
    // lib/scheduling.ts cron(): later.js's previous occurrence at or before t, to the second; a
    // five-field cron gets a seconds field '*' in front (N7). No occurrence: 0.
    auto it = m_crons.find(expression);
    if (it == m_crons.end()) {
        QString error;
        const auto parsed = CronSchedule::parse(expression, &error);
        if (!parsed) {
            // later.js accepts almost anything; the lab names the problem instead.
            m_engine.throwError(QJSValue::SyntaxError, QStringLiteral("Date.now(): %1").arg(error));
            return 0;
        }
        it = m_crons.insert(expression, *parsed);
    }
    if (!std::isfinite(t))
        return 0;
    const qint64 seconds = qint64(std::floor(t / 1000));
    const auto prev = it->previous(seconds, kCronLookbackSeconds);
    return prev ? double(*prev) * 1000 : 0;
}

} // namespace fwd::lab
