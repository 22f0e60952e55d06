#pragma once

#include "store/databaseurl.h"

#include <QFuture>
#include <QObject>
#include <QPromise>
#include <QSqlDatabase>
#include <QThread>

#include <functional>
#include <memory>
#include <type_traits>

namespace fwd::store {

// The database. All SQL runs on one worker thread that owns the connection (one named connection
// per thread, STYLE.md), so the GUI thread never waits for the disk or for PostgreSQL; callers get
// a QFuture and continue with .then(context, ...).
class Store final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Store)

public:
    struct OpenResult
    {
        bool ok = false;
        QString error;         // one translated sentence; the database was left untouched
        int versionBefore = 0; // schema version found
        int versionAfter = 0;  // schema version after the migrations
    };

    explicit Store(QObject *parent = nullptr);
    ~Store() override;

    // Opens the database and applies the pending migrations, each in its own transaction.
    // Blocks the caller until done: call it at start-up, before the window shows, or from a
    // worker. Refuses (and never writes to) a file that is not SQLite, a damaged database, a
    // database of another application or of a newer FirmwareDesk.
    OpenResult open(const DatabaseUrl &url);
    bool isOpen() const { return m_open; }
    const DatabaseUrl &url() const { return m_url; }
    int schemaVersion() const { return m_schemaVersion; }

    // Runs fn(QSqlDatabase &) on the store's thread.
    template<typename Fn>
    auto run(Fn fn) -> QFuture<std::invoke_result_t<Fn, QSqlDatabase &>>
    {
        using R = std::invoke_result_t<Fn, QSqlDatabase &>;
        auto promise = std::make_shared<QPromise<R>>();
        QFuture<R> future = promise->future();
        promise->start();
        post([promise, fn = std::move(fn)](QSqlDatabase &db) mutable {
            if constexpr (std::is_void_v<R>) {
                fn(db);
            } else {
                promise->addResult(fn(db));
            }
            promise->finish();
        });
        return future;
    }

    // Waits until everything posted so far has run (tests, shutdown).
    void drain();

private:
    void post(std::function<void(QSqlDatabase &)> job);
    OpenResult openOnWorker(const DatabaseUrl &url);

    QThread m_thread;
    QObject *m_context = nullptr; // lives on m_thread
    QString m_connectionName;
    DatabaseUrl m_url;
    bool m_open = false;
    int m_schemaVersion = 0;
};

} // namespace fwd::store
