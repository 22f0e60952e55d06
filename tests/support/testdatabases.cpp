#include "testdatabases.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTest>
#include <QUuid>

using fwd::store::DatabaseUrl;

TestDatabases::TestDatabases()
    : m_pgAdminUrl(qEnvironmentVariable("FWD_TEST_PG_URL"))
{}

TestDatabases::~TestDatabases()
{
    if (m_pgDatabases.isEmpty())
        return;
    QStringList drops;
    for (const QString &name : std::as_const(m_pgDatabases))
        drops << QStringLiteral("DROP DATABASE IF EXISTS ") + name;
    execDirect(DatabaseUrl::parse(m_pgAdminUrl, QString()), drops);
}

DatabaseUrl TestDatabases::fresh(const QString &engine)
{
    ++m_counter;
    if (engine == QLatin1String("sqlite"))
        return DatabaseUrl::parse(m_dir.filePath(QStringLiteral("db%1.sqlite").arg(m_counter)), {});
    if (m_pgAdminUrl.isEmpty())
        return {};
    const DatabaseUrl admin = DatabaseUrl::parse(m_pgAdminUrl, QString());
    const QString name = QStringLiteral("fwd_test_%1_%2")
                             .arg(m_counter)
                             .arg(QUuid::createUuid().toString(QUuid::Id128).left(8));
    if (!execDirect(admin, {QStringLiteral("CREATE DATABASE ") + name}))
        return {};
    m_pgDatabases << name;
    DatabaseUrl url = admin;
    url.database = name;
    return url;
}

bool TestDatabases::execDirect(const DatabaseUrl &url, const QStringList &sql)
{
    const QString connection = QStringLiteral("fwd-test-direct");
    bool ok = true;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(url.driver == DatabaseUrl::Driver::Postgres
                                                        ? QStringLiteral("QPSQL")
                                                        : QStringLiteral("QSQLITE"),
                                                    connection);
        if (url.driver == DatabaseUrl::Driver::Postgres) {
            db.setHostName(url.host);
            db.setPort(url.port);
            db.setDatabaseName(url.database);
            db.setUserName(url.user);
            db.setPassword(url.password);
        } else {
            db.setDatabaseName(url.path);
        }
        ok = db.open();
        if (!ok)
            qWarning() << "direct connection failed:" << db.lastError().text();
        for (const QString &s : sql) {
            QSqlQuery q(db);
            if (ok && !q.exec(s)) {
                qWarning() << s << q.lastError().text();
                ok = false;
            }
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(connection);
    return ok;
}

void addEngineRows()
{
    QTest::addColumn<QString>("engine");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("postgresql") << QStringLiteral("postgresql");
}
