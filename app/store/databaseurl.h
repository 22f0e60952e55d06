#pragma once

#include <QString>

namespace fwd::store {

// Where the database lives. Accepted forms:
//   (empty)                                  SQLite file in the user's data folder
//   /path/to/file.sqlite, sqlite:/path, sqlite:///path
//   postgresql://user:password@host:port/dbname[?connect_timeout=5&sslmode=require]
//   postgres://...                           the same
struct DatabaseUrl
{
    enum class Driver { Invalid, Sqlite, Postgres };

    Driver driver = Driver::Invalid;
    QString path; // SQLite
    QString host; // PostgreSQL
    int port = 5432;
    QString database;
    QString user;
    QString password;
    QString options; // QPSQL connect options, e.g. "connect_timeout=5;sslmode=require"
    QString error;   // why it is Invalid

    static DatabaseUrl parse(const QString &text, const QString &defaultSqlitePath);
    bool isValid() const { return driver != Driver::Invalid; }
    // For messages and logs: never shows the password.
    QString displayString() const;
};

} // namespace fwd::store
