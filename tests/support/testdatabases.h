#pragma once

#include "store/databaseurl.h"

#include <QStringList>
#include <QTemporaryDir>

// Fresh, empty databases for engine-parametrised store tests: a SQLite file in a temporary
// folder, or a new database on the disposable PostgreSQL server named by FWD_TEST_PG_URL (which
// the README's test command starts). Databases it made on PostgreSQL are dropped at the end.
class TestDatabases final
{
public:
    TestDatabases();
    ~TestDatabases();

    bool hasPostgres() const { return !m_pgAdminUrl.isEmpty(); }
    static constexpr const char *NoPostgresReason =
        "FWD_TEST_PG_URL is not set: no PostgreSQL server was started for this run (the README "
        "test command starts one on 127.0.0.1)";

    // engine: "sqlite" or "postgresql". An invalid URL when it cannot be made.
    fwd::store::DatabaseUrl fresh(const QString &engine);
    QString tempPath(const QString &name) const { return m_dir.filePath(name); }

    // Runs SQL on a side connection (not the store's); false at the first failure.
    static bool execDirect(const fwd::store::DatabaseUrl &url, const QStringList &sql);

private:
    QTemporaryDir m_dir;
    QString m_pgAdminUrl;
    QStringList m_pgDatabases;
    int m_counter = 0;
};

// Declares the engine column of a data-driven store test.
void addEngineRows();

// In a test function of a data-driven engine test: skips the PostgreSQL row, with the reason,
// when no server was started.
#define FWD_SKIP_WITHOUT_POSTGRES(databases)                                                       \
    do {                                                                                           \
        QFETCH(QString, engine);                                                                   \
        if (engine == QLatin1String("postgresql") && !(databases).hasPostgres())                   \
            QSKIP(TestDatabases::NoPostgresReason);                                                \
    } while (false)
