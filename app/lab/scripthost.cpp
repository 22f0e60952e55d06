#include "lab/scripthost.h"

#include "lab/lablogging.h"

#include <QCryptographicHash>
#include <QtEndian>

#include <cmath>

namespace fwd::lab {

namespace {

const char *kPrelude = R"JS(
(function (host, global) {
  Date.now = function (interval, variance) {
    if (interval === undefined) return host.now();
    if (typeof interval === "number") return host.interval(interval, variance || 0);
    throw new Error("Date.now(cron) is not supported by the lab");
  };
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

double ScriptHost::interval(double intervalMs, double variance) const
{
    if (!m_context || intervalMs <= 0)
        return now();
    // lib/scheduling.ts: offset = md5-derived per-device variance, interval start before now.
    qint64 offset = 0;
    if (variance > 0) {
        const QByteArray d =
            QCryptographicHash::hash(m_context->deviceId().toUtf8(), QCryptographicHash::Md5);
        const quint32 h = qFromLittleEndian<quint32>(d.constData()) ^
                          qFromLittleEndian<quint32>(d.constData() + 4) ^
                          qFromLittleEndian<quint32>(d.constData() + 8) ^
                          qFromLittleEndian<quint32>(d.constData() + 12);
        offset = qint64(h % quint32(variance));
    }
    const qint64 t = m_context->sessionTime();
    const auto i = qint64(intervalMs);
    return double(((t + offset) / i) * i - offset);
}

} // namespace fwd::lab
