#pragma once

#include <QHash>
#include <QJSEngine>
#include <QJSValue>
#include <QObject>
#include <QVariant>

#include <condition_variable>
#include <mutex>
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
};

// Runs GenieACS provision scripts in QJSEngine with GenieACS's sandbox (lib/sandbox.ts):
// declare(path, timestamps, values), clear(), commit(), log(), args, new Date() and Date.now() =
// the session time, Date.now(interval | "cron"[, variance]) = start of the current interval or
// cron slot with the per-device offset of lib/scheduling.ts. ext() is not available and throws.
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
    };
    Result run(const QString &name, const QString &script, const QVariantList &args,
               ScriptContext &context);

    Q_INVOKABLE QVariantList declare(const QString &path, const QVariant &timestamps,
                                     const QVariant &values);
    Q_INVOKABLE void clear(const QString &path);
    Q_INVOKABLE void log(const QString &message);
    Q_INVOKABLE double now() const;
    Q_INVOKABLE double variance(const QJSValue &variance) const;
    Q_INVOKABLE double cronPrevious(const QString &expression, double t);

    // How far back Date.now("<cron>") looks for the previous occurrence.
    static constexpr qint64 kCronLookbackSeconds = 10LL * 366 * 86400;

private:
    void watchdog();

    QJSEngine m_engine;
    int m_timeoutMs;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    quint64 m_run = 0; // the run being watched (0 = none)
    bool m_stopping = false;
    bool m_timedOut = false;
    std::thread m_watchdog;
    QHash<QString, QJSValue> m_compiled;
    QHash<QString, CronSchedule> m_crons;
    ScriptContext *m_context = nullptr;
};

} // namespace fwd::lab
