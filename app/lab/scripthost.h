#pragma once

#include <QHash>
#include <QJSEngine>
#include <QJSValue>
#include <QObject>
#include <QVariant>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "lab/cronschedule.h"

namespace fwd::lab {

// What a provision script reaches through declare(), clear() and log() during one session.
class ScriptContext
{
public:
    virtual ~ScriptContext() = default;
    // The parameters matching a path after the declaration, each as
    // {path, value: [value, type] (dates as ms), writable}.
    virtual QVariantList declare(const QString &path, const QVariantMap &timestamps,
                                 const QVariantMap &values) = 0;
    virtual void clear(const QString &path) = 0;
    virtual void log(const QString &message) = 0;
    virtual qint64 sessionTime() const = 0;
    virtual QString deviceId() const = 0;
    // The session's extension results (sessionContext.extensionsCache): "<revision>: <JSON of
    // the call>" -> the result as JSON.
    virtual QHash<QString, QByteArray> &extensionCache() = 0;
    // Which re-run of the script this is (GenieACS's declaration revision).
    virtual int revision() const = 0;
};

// Runs GenieACS provision scripts in QJSEngine with GenieACS's sandbox (lib/sandbox.ts):
// declare(path, timestamps, values), clear(), commit(), log(), args, new Date() and Date.now() =
// the session time, Date.now(interval | "cron"[, variance]) = start of the current interval or
// cron slot with the per-device offset of lib/scheduling.ts, and ext(file, fn, ...args): the
// extension <extDir>/<file>.js (a Node-style module, exports.fn = function (args, callback))
// runs in a QJSEngine of its own and must call back before it returns (the lab gives extensions
// no event loop); results are cached per session, revision and arguments (lib/sandbox.ts), and
// failures become GenieACS's faults (bin/genieacs-ext.ts, lib/extensions.ts): ext.<Error name>,
// "ext" (no such function, or a non-Error passed to the callback), timeout "Extension timed out".
class ScriptHost final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ScriptHost)

public:
    // GenieACS stops a script after 50 ms; the lab allows more by default, as it shares a loaded
    // machine, and reports the same fault (script.Error "Script execution timed out after ...").
    explicit ScriptHost(int timeoutMs = 1000, QObject *parent = nullptr);
    ~ScriptHost() override;

    struct Result
    {
        bool ok = true;
        QString errorName; // "Error", "TypeError", ...
        QString errorMessage;
        QString stack;
        QVariant returnValue; // what the script returned (virtual parameters)
        // Set for an extension's fault: the fault's code and detail as they are (errorMessage
        // holds the message); otherwise the fault is "script." + errorName.
        QString faultCode;
        QVariantMap faultDetail;
    };
    // EXT_DIR (empty: none, every ext() call then fails as a missing module) and EXT_TIMEOUT.
    void setExtensions(const QString &directory, int timeoutMs);
    Result run(const QString &name, const QString &script, const QVariantList &args,
               ScriptContext &context);

    Q_INVOKABLE QVariantList declare(const QString &path, const QVariant &timestamps,
                                     const QVariant &values);
    Q_INVOKABLE void clear(const QString &path);
    Q_INVOKABLE void log(const QString &message);
    Q_INVOKABLE double now() const;
    Q_INVOKABLE double variance(const QJSValue &variance) const;
    Q_INVOKABLE double cronPrevious(const QString &expression, double t);
    Q_INVOKABLE QJSValue ext(const QJSValue &call);

    // How far back Date.now("<cron>") looks for the previous occurrence.
    static constexpr qint64 kCronLookbackSeconds = 10LL * 366 * 86400;

private:
    struct ExtFault
    {
        QString code;
        QString message;
        QVariantMap detail;
    };
    void watchdog();
    void beginWatch(QJSEngine *engine, int timeoutMs);
    bool endWatch(); // true when the watched run timed out
    bool runExtension(const QStringList &call, QByteArray *json, ExtFault *fault);
    QJSValue extensionModule(const QString &file, ExtFault *fault);
    static ExtFault errorToFault(const QJSValue &error);

    QJSEngine m_engine;
    QJSEngine m_extEngine; // extensions: separate globals, like genieacs-ext's own process
    int m_timeoutMs;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    quint64 m_run = 0; // the run being watched (0 = none)
    quint64 m_runs = 0;
    QJSEngine *m_watched = nullptr;
    int m_watchTimeoutMs = 0;
    bool m_stopping = false;
    bool m_timedOut = false;
    bool m_scriptTimedOut = false; // the provision's budget ran out just before an ext() call
    std::thread m_watchdog;
    QHash<QString, QJSValue> m_compiled;
    QHash<QString, CronSchedule> m_crons;
    QString m_extDir;
    int m_extTimeoutMs = 3000;
    QHash<QString, QJSValue> m_extModules;
    std::optional<ExtFault> m_extFault;
    ScriptContext *m_context = nullptr;
};

} // namespace fwd::lab
