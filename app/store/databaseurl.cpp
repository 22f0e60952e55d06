#include "databaseurl.h"

#include <QCoreApplication>
#include <QDir>
#include <QUrl>
#include <QUrlQuery>

namespace fwd::store {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("fwd::store::DatabaseUrl", text);
}
} // namespace

DatabaseUrl DatabaseUrl::parse(const QString &input, const QString &defaultSqlitePath)
{
    DatabaseUrl out;
    const QString text = input.trimmed();
    if (text.isEmpty()) {
        out.driver = Driver::Sqlite;
        out.path = defaultSqlitePath;
        return out;
    }
    if (text.startsWith(QLatin1String("postgresql://")) ||
        text.startsWith(QLatin1String("postgres://"))) {
        const QUrl url(text, QUrl::StrictMode);
        if (!url.isValid() || url.host().isEmpty()) {
            out.error = tr("The PostgreSQL URL \"%1\" is not valid: expected "
                           "postgresql://user:password@host:port/database.")
                            .arg(QUrl(text).toString(QUrl::RemovePassword));
            return out;
        }
        const QString db = url.path().mid(1);
        if (db.isEmpty() || db.contains(QLatin1Char('/'))) {
            out.error = tr("The PostgreSQL URL names no database: add /<database> after the host.");
            return out;
        }
        out.driver = Driver::Postgres;
        out.host = url.host();
        out.port = url.port(5432);
        out.database = db;
        out.user = url.userName();
        out.password = url.password();
        QStringList opts;
        bool hasTimeout = false;
        const auto items = QUrlQuery(url).queryItems(QUrl::FullyDecoded);
        for (const auto &[key, value] : items) {
            static const QStringList allowed = {
                QStringLiteral("connect_timeout"), QStringLiteral("sslmode"),
                QStringLiteral("sslrootcert"), QStringLiteral("application_name")};
            if (!allowed.contains(key)) {
                out.driver = Driver::Invalid;
                out.error = tr("The PostgreSQL URL has an unknown option \"%1\".").arg(key);
                return out;
            }
            hasTimeout = hasTimeout || key == QLatin1String("connect_timeout");
            opts << key + QLatin1Char('=') + value;
        }
        if (!hasTimeout)
            opts << QStringLiteral("connect_timeout=5");
        out.options = opts.join(QLatin1Char(';'));
        return out;
    }
    QString path = text;
    if (path.startsWith(QLatin1String("sqlite://")))
        path = path.mid(9);
    else if (path.startsWith(QLatin1String("sqlite:")))
        path = path.mid(7);
    else if (path.contains(QLatin1String("://"))) {
        out.error = tr("\"%1\" is not a database URL FirmwareDesk knows: use a SQLite file path "
                       "or postgresql://user:password@host:port/database.")
                        .arg(QUrl(text).toString(QUrl::RemovePassword));
        return out;
    }
    if (path.isEmpty()) {
        out.error = tr("The SQLite URL names no file.");
        return out;
    }
    out.driver = Driver::Sqlite;
    out.path = QDir::cleanPath(QDir::current().absoluteFilePath(path));
    return out;
}

QString DatabaseUrl::displayString() const
{
    switch (driver) {
    case Driver::Sqlite:
        return QDir::toNativeSeparators(path);
    case Driver::Postgres: {
        QString s = QStringLiteral("postgresql://");
        if (!user.isEmpty())
            s += user + QLatin1Char('@');
        return s + host + QLatin1Char(':') + QString::number(port) + QLatin1Char('/') + database;
    }
    case Driver::Invalid:
        break;
    }
    return tr("(invalid)");
}

} // namespace fwd::store
