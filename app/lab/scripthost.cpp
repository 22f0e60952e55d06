#include "lab/scripthost.h"

#include "lab/lablogging.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QScopeGuard>
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
  global.ext = function () {
    return host.ext(Array.prototype.map.call(arguments, String));
  };
})
)JS";

} // namespace

ScriptHost::ScriptHost(int timeoutMs, QObject *parent)
    : QObject(parent)
    , m_timeoutMs(timeoutMs)
{
    m_watchdog = std::thread([this] { watchdog(); });
    m_engine.installExtensions(QJSEngine::ConsoleExtension);
    m_extEngine.installExtensions(QJSEngine::ConsoleExtension);
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
        QJSEngine *engine = m_watched;
        if (!m_wake.wait_for(lock, std::chrono::milliseconds(m_watchTimeoutMs),
                             [&] { return m_stopping || m_run != run; })) {
            m_timedOut = true;
            engine->setInterrupted(true); // thread-safe: stops the script at its next instruction
            m_wake.wait(lock, [&] { return m_stopping || m_run != run; });
        }
    }
}

void ScriptHost::beginWatch(QJSEngine *engine, int timeoutMs)
{
    {
        std::lock_guard lock(m_mutex);
        m_run = ++m_runs;
        m_watched = engine;
        m_watchTimeoutMs = timeoutMs;
        m_timedOut = false;
    }
    m_wake.notify_all();
}

bool ScriptHost::endWatch()
{
    bool timedOut = false;
    {
        std::lock_guard lock(m_mutex);
        m_run = 0;
        timedOut = m_timedOut;
        m_timedOut = false;
    }
    m_wake.notify_all();
    return timedOut;
}

void ScriptHost::setExtensions(const QString &directory, int timeoutMs)
{
    if (directory != m_extDir)
        m_extModules.clear();
    m_extDir = directory;
    m_extTimeoutMs = timeoutMs;
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
    const bool watched = !outer; // the outermost script's budget covers nested ones
    if (watched) {
        m_scriptTimedOut = false;
        m_extFault.reset();
        beginWatch(&m_engine, m_timeoutMs);
    }
    const QJSValue r = fn.call({m_engine.toScriptValue(args)});
    const bool timedOut = watched && (endWatch() || m_scriptTimedOut);
    m_context = outer;
    if (timedOut) {
        m_engine.setInterrupted(false);
        result.ok = false;
        result.errorName = QStringLiteral("Error");
        result.errorMessage =
            QStringLiteral("Script execution timed out after %1ms").arg(m_timeoutMs);
        result.stack = result.errorName + QStringLiteral(": ") + result.errorMessage +
                       QStringLiteral("\n    at ") + name;
        return result;
    }
    if (m_extFault) {
        // An extension failed: its fault, even if the script caught what ext() threw (GenieACS
        // runs the extensions after the script and returns their fault).
        result.ok = false;
        result.faultCode = m_extFault->code;
        result.errorMessage = m_extFault->message;
        result.faultDetail = m_extFault->detail;
        m_extFault.reset();
        return result;
    }
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

QJSValue ScriptHost::ext(const QJSValue &call)
{
    if (!m_context)
        return QJSValue(QJSValue::UndefinedValue);
    const QStringList args = call.toVariant().toStringList();
    const QByteArray key =
        QByteArray::number(m_context->revision()) + ": " +
        QJsonDocument(QJsonArray::fromStringList(args)).toJson(QJsonDocument::Compact);
    QHash<QString, QByteArray> &cache = m_context->extensionCache();
    auto it = cache.constFind(QString::fromUtf8(key));
    QByteArray json;
    if (it != cache.constEnd()) {
        json = it.value();
    } else {
        ExtFault fault;
        if (m_extFault || !runExtension(args, &json, &fault)) {
            if (!m_extFault)
                m_extFault = fault;
            // Stops the script; run() reports the extension's fault.
            m_engine.throwError(QJSValue::GenericError, m_extFault->message);
            return QJSValue(QJSValue::UndefinedValue);
        }
        cache.insert(QString::fromUtf8(key), json);
    }
    return m_engine.globalObject()
        .property(QStringLiteral("JSON"))
        .property(QStringLiteral("parse"))
        .call({QJSValue(QString::fromUtf8(json))});
}

ScriptHost::ExtFault ScriptHost::errorToFault(const QJSValue &error)
{
    // bin/genieacs-ext.ts errorToFault().
    ExtFault f;
    const QString name =
        error.isObject() ? error.property(QStringLiteral("name")).toString() : QString();
    if (name.isEmpty() || error.property(QStringLiteral("name")).isUndefined()) {
        f.code = QStringLiteral("ext");
        f.message = error.toString();
        return f;
    }
    f.code = QStringLiteral("ext.") + name;
    f.message = error.property(QStringLiteral("message")).toString();
    f.detail = {{QStringLiteral("name"), name}, {QStringLiteral("message"), f.message}};
    const QJSValue stack = error.property(QStringLiteral("stack"));
    if (!stack.isUndefined() && !stack.toString().isEmpty())
        f.detail.insert(QStringLiteral("stack"), stack.toString());
    return f;
}

QJSValue ScriptHost::extensionModule(const QString &file, ExtFault *fault)
{
    if (const auto it = m_extModules.constFind(file); it != m_extModules.constEnd())
        return it.value();
    // require(`${EXT_DIR}/${file}`): <file>.js or <file> itself, inside the directory only.
    const QString dir = m_extDir.isEmpty() ? QStringLiteral("config/ext") : m_extDir;
    const QString base = QDir::cleanPath(dir + u'/' + file);
    QString path;
    if (!m_extDir.isEmpty() && !file.isEmpty() && base.startsWith(QDir::cleanPath(dir) + u'/')) {
        for (const QString &candidate : {QString(base + QStringLiteral(".js")), base}) {
            if (QFileInfo(candidate).isFile()) {
                path = candidate;
                break;
            }
        }
    }
    if (path.isEmpty()) {
        fault->code = QStringLiteral("ext.Error");
        fault->message = QStringLiteral("Cannot find module '%1'").arg(base);
        fault->detail = {{QStringLiteral("name"), QStringLiteral("Error")},
                         {QStringLiteral("message"), fault->message}};
        return {};
    }
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        fault->code = QStringLiteral("ext.Error");
        fault->message = QStringLiteral("EACCES: permission denied, open '%1'").arg(path);
        fault->detail = {{QStringLiteral("name"), QStringLiteral("Error")},
                         {QStringLiteral("message"), fault->message}};
        return {};
    }
    const QJSValue wrapper = m_extEngine.evaluate(
        QStringLiteral("(function (exports, require, module, __filename, __dirname) {") +
            QString::fromUtf8(f.readAll()) + QStringLiteral("\n})"),
        path);
    if (wrapper.isError()) {
        *fault = errorToFault(wrapper);
        return {};
    }
    QJSValue module = m_extEngine.newObject();
    module.setProperty(QStringLiteral("exports"), m_extEngine.newObject());
    const QJSValue require = m_extEngine.evaluate(QStringLiteral(
        "(function (name) { throw new Error(\"require('\" + name + \"') is not available to "
        "the lab's extensions\"); })"));
    const QJSValue r = wrapper.call({module.property(QStringLiteral("exports")), require, module,
                                     QJSValue(path), QJSValue(QFileInfo(path).absolutePath())});
    if (r.isError()) {
        *fault = errorToFault(r);
        return {};
    }
    const QJSValue exports = module.property(QStringLiteral("exports"));
    m_extModules.insert(file, exports);
    return exports;
}

bool ScriptHost::runExtension(const QStringList &call, QByteArray *json, ExtFault *fault)
{
    const QString file = call.value(0);
    const QString function = call.value(1);
    // The provision's own time budget stops while the extension runs (GenieACS runs extensions
    // after the script, then runs the script again).
    const bool outerWatched = m_run != 0;
    if (outerWatched)
        m_scriptTimedOut |= endWatch();
    auto resumeOuter = qScopeGuard([&] {
        if (outerWatched)
            beginWatch(&m_engine, m_timeoutMs);
    });
    const QJSValue module = extensionModule(file, fault);
    if (module.isUndefined())
        return false;
    const QJSValue fn = module.property(function);
    if (!fn.isCallable()) {
        fault->code = QStringLiteral("ext");
        fault->message =
            QStringLiteral("No such function '%1' in extension '%2'").arg(function, file);
        return false;
    }
    const QJSValue box = m_extEngine.evaluate(QStringLiteral(
        "(function () { var box = {called: false}; box.callback = function (err, res) {"
        " if (box.called) return; box.called = true; box.err = err; box.res = res; };"
        " return box; })()"));
    QJSValue argList = m_extEngine.newArray(quint32(std::max<qsizetype>(0, call.size() - 2)));
    for (qsizetype i = 2; i < call.size(); ++i)
        argList.setProperty(quint32(i - 2), call.at(i));
    beginWatch(&m_extEngine, m_extTimeoutMs);
    const QJSValue r = fn.call({argList, box.property(QStringLiteral("callback"))});
    const bool timedOut = endWatch();
    if (timedOut) {
        m_extEngine.setInterrupted(false);
        fault->code = QStringLiteral("timeout");
        fault->message = QStringLiteral("Extension timed out");
        return false;
    }
    if (r.isError()) {
        // An uncaught exception ends genieacs-ext's process: the module is loaded afresh later.
        m_extModules.remove(file);
        *fault = errorToFault(r);
        return false;
    }
    if (!box.property(QStringLiteral("called")).toBool()) {
        // The lab's extensions have no event loop: a callback that did not come now never will.
        fault->code = QStringLiteral("timeout");
        fault->message = QStringLiteral("Extension timed out");
        return false;
    }
    const QJSValue err = box.property(QStringLiteral("err"));
    if (!err.isUndefined() && !err.isNull() && err.toBool()) {
        *fault = errorToFault(err);
        return false;
    }
    // The result crosses genieacs-ext's IPC channel as JSON (undefined arrives as null).
    const QJSValue text = m_extEngine.globalObject()
                              .property(QStringLiteral("JSON"))
                              .property(QStringLiteral("stringify"))
                              .call({box.property(QStringLiteral("res"))});
    if (text.isError()) {
        *fault = errorToFault(text);
        return false;
    }
    *json = text.isUndefined() ? QByteArray("null") : text.toString().toUtf8();
    return true;
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
