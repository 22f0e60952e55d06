#pragma once

#include <QSqlDatabase>
#include <QString>
#include <QStringList>

namespace fwd::store {

// One step of the schema. The SQL is written once for both engines; the tokens {{id}} (an
// auto-increment primary key) and {{blob}} are replaced per engine.
struct Migration
{
    int version;
    const char *description;
    QStringList statements;
};

class Migrations
{
public:
    static const QList<Migration> &all();
    static int latestVersion();

    // Reads the schema version; -1 when the database holds tables but no FirmwareDesk schema.
    static int currentVersion(QSqlDatabase &db, QString *error);
    // Applies every migration above the current version, each in one transaction; stops at the
    // first failure, rolls that step back and says which step failed.
    static bool migrate(QSqlDatabase &db, int from, int *reached, QString *error);

    static QString dialectSql(const QString &sql, const QString &driverName);
};

} // namespace fwd::store
