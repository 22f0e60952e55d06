#include "store.h"

#include "core/logging.h"
#include "store/migrations.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>

#include <atomic>

namespace fwd::store {

namespace {
std::atomic<int> g_connectionCounter{0};

QString tr(const char *text)
{
    return QCoreApplication::translate("fwd::store::Store", text);
}

// Checks a SQLite file before SQLite touches it, so nothing is ever written to a file that is
// not ours or not writable.
QString checkSqliteFile(const QString &path)
{
    const QFileInfo info(path);
    const QString native = QDir::toNativeSeparators(path);
    if (info.exists()) {
        if (info.isDir())
            return tr("%1 is a folder, not a database file.").arg(native);
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            return tr("The database %1 cannot be read: %2").arg(native, f.errorString());
        const QByteArray header = f.read(16);
        if (!header.isEmpty() && header != QByteArray("SQLite format 3\0", 16)) {
            return tr("%1 is not a SQLite database (it may be damaged or another kind of file). "
                      "FirmwareDesk has left it untouched: move it away or choose another file "
                      "with --database.")
                .arg(native);
        }
        if (!info.isWritable())
            return tr("The database %1 is read-only: FirmwareDesk needs to write to it.")
                .arg(native);
        return {};
    }
    const QString dir = info.absolutePath();
    if (!QDir().mkpath(dir))
        return tr("The folder %1 cannot be created.").arg(QDir::toNativeSeparators(dir));
    if (!QFileInfo(dir).isWritable())
        return tr("The folder %1 is not writable, so the database %2 cannot be created.")
            .arg(QDir::toNativeSeparators(dir), native);
    return {};
}
} // namespace

Store::Store(QObject *parent)
    : QObject(parent)
    , m_connectionName(QStringLiteral("fwd-store-%1").arg(++g_connectionCounter))
{
    m_thread.setObjectName(QStringLiteral("fwd-store"));
    m_context = new QObject;
    m_context->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_context, &QObject::deleteLater);
    m_thread.start();
}

Store::~Store()
{
    const QString name = m_connectionName;
    post([name](QSqlDatabase &db) {
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(name);
    });
    m_thread.quit();
    m_thread.wait();
}

void Store::post(std::function<void(QSqlDatabase &)> job)
{
    const QString name = m_connectionName;
    QMetaObject::invokeMethod(
        m_context,
        [name, job = std::move(job)] {
            QSqlDatabase db = QSqlDatabase::database(name, false);
            job(db);
        },
        Qt::QueuedConnection);
}

void Store::drain()
{
    run([](QSqlDatabase &) {}).waitForFinished();
}

Store::OpenResult Store::open(const DatabaseUrl &url)
{
    auto future = run([this, url](QSqlDatabase &) { return openOnWorker(url); });
    const OpenResult result = future.result();
    m_url = url;
    m_open = result.ok;
    m_schemaVersion = result.versionAfter;
    return result;
}

Store::OpenResult Store::openOnWorker(const DatabaseUrl &url)
{
    OpenResult result;
    if (!url.isValid()) {
        result.error = url.error;
        return result;
    }
    if (QSqlDatabase::contains(m_connectionName)) {
        QSqlDatabase::database(m_connectionName, false).close();
        QSqlDatabase::removeDatabase(m_connectionName);
    }
    const bool pg = url.driver == DatabaseUrl::Driver::Postgres;
    const QString driver = pg ? QStringLiteral("QPSQL") : QStringLiteral("QSQLITE");
    if (!QSqlDatabase::isDriverAvailable(driver)) {
        result.error = pg ? tr("The PostgreSQL driver (QPSQL) is not installed: install the "
                               "package libqt6sql6-psql.")
                          : tr("The SQLite driver (QSQLITE) is not installed: install the "
                               "package libqt6sql6-sqlite.");
        return result;
    }
    QSqlDatabase db = QSqlDatabase::addDatabase(driver, m_connectionName);
    auto fail = [&](const QString &error) {
        result.error = error;
        db.close();
        return result;
    };
    if (pg) {
        db.setHostName(url.host);
        db.setPort(url.port);
        db.setDatabaseName(url.database);
        db.setUserName(url.user);
        db.setPassword(url.password);
        db.setConnectOptions(url.options);
        if (!db.open()) {
            return fail(tr("Cannot connect to PostgreSQL at %1: %2")
                            .arg(url.displayString(), db.lastError().text().trimmed()));
        }
    } else {
        if (const QString problem = checkSqliteFile(url.path); !problem.isEmpty())
            return fail(problem);
        db.setDatabaseName(url.path);
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
        if (!db.open())
            return fail(tr("Cannot open the database %1: %2")
                            .arg(url.displayString(), db.lastError().text()));
        QSqlQuery q(db);
        if (!q.exec(QStringLiteral("PRAGMA quick_check")) || !q.next() ||
            q.value(0).toString() != QLatin1String("ok")) {
            const QString why =
                q.lastError().isValid() ? q.lastError().text() : q.value(0).toString();
            return fail(tr("The database %1 is damaged (%2). FirmwareDesk has left it untouched: "
                           "restore a backup or move it away to start afresh.")
                            .arg(url.displayString(), why));
        }
        q.exec(QStringLiteral("PRAGMA journal_mode=WAL"));
        q.exec(QStringLiteral("PRAGMA synchronous=NORMAL"));
        q.exec(QStringLiteral("PRAGMA foreign_keys=ON"));
    }

    QString error;
    const int version = Migrations::currentVersion(db, &error);
    if (version < 0)
        return fail(error);
    if (version > Migrations::latestVersion()) {
        return fail(tr("The database %1 was created by a newer FirmwareDesk (schema %2; this "
                       "version knows up to %3). Update FirmwareDesk.")
                        .arg(url.displayString())
                        .arg(version)
                        .arg(Migrations::latestVersion()));
    }
    result.versionBefore = version;
    int reached = version;
    if (!Migrations::migrate(db, version, &reached, &error)) {
        result.versionAfter = reached;
        return fail(error);
    }
    result.versionAfter = reached;
    result.ok = true;
    qCInfo(lcStore) << "database open:" << url.displayString() << "schema" << version << "->"
                    << reached;
    return result;
}

} // namespace fwd::store
