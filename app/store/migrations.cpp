#include "migrations.h"

#include "core/logging.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QSqlError>
#include <QSqlQuery>

namespace fwd::store {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("fwd::store::Migrations", text);
}
} // namespace

const QList<Migration> &Migrations::all()
{
    // Append only: a released migration is never edited, a new step is added at the end.
    static const QList<Migration> migrations = {
        {1,
         "schema table and audit log",
         {QStringLiteral("CREATE TABLE fwd_schema (version INTEGER PRIMARY KEY, "
                         "description TEXT NOT NULL, applied_at_ms BIGINT NOT NULL)"),
          QStringLiteral("CREATE TABLE audit_log (id {{id}}, at_ms BIGINT NOT NULL, "
                         "operator TEXT NOT NULL, action TEXT NOT NULL, object TEXT NOT NULL, "
                         "details TEXT NOT NULL DEFAULT '')")}},
        {2,
         "audit log: workstation column and indexes for the Activity screen",
         {QStringLiteral("ALTER TABLE audit_log ADD COLUMN host TEXT NOT NULL DEFAULT ''"),
          QStringLiteral("CREATE INDEX audit_log_at ON audit_log (at_ms)"),
          QStringLiteral("CREATE INDEX audit_log_action ON audit_log (action, at_ms)")}},
        {3,
         "file library and the file server's access log",
         {QStringLiteral(
              "CREATE TABLE files (id {{id}}, file_name TEXT NOT NULL UNIQUE, "
              "file_type TEXT NOT NULL, oui TEXT NOT NULL DEFAULT '', "
              "product_class TEXT NOT NULL DEFAULT '', version TEXT NOT NULL DEFAULT '', "
              "size BIGINT NOT NULL, sha256 TEXT NOT NULL, uploaded_at_ms BIGINT NOT NULL, "
              "published_to INTEGER NOT NULL DEFAULT 0, "
              "published_url TEXT NOT NULL DEFAULT '', "
              "source_path TEXT NOT NULL DEFAULT '', stored_path TEXT NOT NULL, "
              "package_name TEXT NOT NULL DEFAULT '', "
              "architecture TEXT NOT NULL DEFAULT '')"),
          QStringLiteral(
              "CREATE TABLE file_access_log (id {{id}}, at_ms BIGINT NOT NULL, "
              "client_address TEXT NOT NULL, client_port INTEGER NOT NULL, "
              "method TEXT NOT NULL, file TEXT NOT NULL, "
              "byte_range TEXT NOT NULL DEFAULT '', status INTEGER NOT NULL, "
              "bytes_sent BIGINT NOT NULL, bytes_expected BIGINT NOT NULL, "
              "duration_ms BIGINT NOT NULL, completed INTEGER NOT NULL, "
              "user_name TEXT NOT NULL DEFAULT '', user_agent TEXT NOT NULL DEFAULT '')"),
          QStringLiteral("CREATE INDEX file_access_log_file ON file_access_log (file, at_ms)"),
          QStringLiteral("CREATE INDEX file_access_log_client ON file_access_log "
                         "(client_address, at_ms)")}},
    };
    return migrations;
}

int Migrations::latestVersion()
{
    return all().constLast().version;
}

QString Migrations::dialectSql(const QString &sql, const QString &driverName)
{
    const bool pg = driverName == QLatin1String("QPSQL");
    QString out = sql;
    out.replace(QLatin1String("{{id}}"), pg ? QLatin1String("BIGSERIAL PRIMARY KEY")
                                            : QLatin1String("INTEGER PRIMARY KEY AUTOINCREMENT"));
    out.replace(QLatin1String("{{blob}}"), pg ? QLatin1String("BYTEA") : QLatin1String("BLOB"));
    return out;
}

int Migrations::currentVersion(QSqlDatabase &db, QString *error)
{
    const QStringList tables = db.tables(QSql::Tables);
    if (!tables.contains(QLatin1String("fwd_schema"))) {
        if (!tables.isEmpty()) {
            *error = tr("The database already holds tables of another application (%1); "
                        "FirmwareDesk leaves it untouched. Choose an empty database.")
                         .arg(tables.mid(0, 3).join(QLatin1String(", ")));
            return -1;
        }
        return 0;
    }
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT MAX(version) FROM fwd_schema")) || !q.next()) {
        *error = tr("The schema version cannot be read: %1").arg(q.lastError().text());
        return -1;
    }
    return q.value(0).toInt();
}

bool Migrations::migrate(QSqlDatabase &db, int from, int *reached, QString *error)
{
    *reached = from;
    for (const Migration &m : all()) {
        if (m.version <= from)
            continue;
        if (!db.transaction()) {
            *error = tr("Cannot start a transaction: %1").arg(db.lastError().text());
            return false;
        }
        QSqlQuery q(db);
        auto fail = [&](const QString &what) {
            *error = tr("Migration %1 (%2) failed, the database stays at version %3: %4")
                         .arg(m.version)
                         .arg(QString::fromUtf8(m.description))
                         .arg(*reached)
                         .arg(what);
            db.rollback();
            return false;
        };
        for (const QString &statement : m.statements) {
            if (!q.exec(dialectSql(statement, db.driverName())))
                return fail(q.lastError().text());
        }
        q.prepare(QStringLiteral("INSERT INTO fwd_schema (version, description, applied_at_ms) "
                                 "VALUES (:v, :d, :t)"));
        q.bindValue(QStringLiteral(":v"), m.version);
        q.bindValue(QStringLiteral(":d"), QString::fromUtf8(m.description));
        q.bindValue(QStringLiteral(":t"), QDateTime::currentMSecsSinceEpoch());
        if (!q.exec())
            return fail(q.lastError().text());
        if (!db.commit())
            return fail(db.lastError().text());
        *reached = m.version;
        qCInfo(lcStore) << "applied migration" << m.version << m.description;
    }
    return true;
}

} // namespace fwd::store
