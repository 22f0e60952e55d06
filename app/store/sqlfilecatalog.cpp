#include "sqlfilecatalog.h"

#include "store/sqlvalues.h"
#include "store/store.h"

#include <QCoreApplication>
#include <QSqlError>
#include <QSqlQuery>

namespace fwd::store {

namespace {
using firmware::CatalogWrite;
using firmware::FileRecord;

QString tr(const char *text)
{
    return QCoreApplication::translate("fwd::store::SqlFileCatalog", text);
}

void bindRecord(QSqlQuery &q, const FileRecord &r)
{
    q.bindValue(QStringLiteral(":name"), nonNull(r.fileName));
    q.bindValue(QStringLiteral(":type"), firmware::fileTypeWireString(r.fileType));
    q.bindValue(QStringLiteral(":oui"), nonNull(r.oui));
    q.bindValue(QStringLiteral(":pc"), nonNull(r.productClass));
    q.bindValue(QStringLiteral(":version"), nonNull(r.version));
    q.bindValue(QStringLiteral(":size"), r.size);
    q.bindValue(QStringLiteral(":sha"), nonNull(r.sha256));
    q.bindValue(QStringLiteral(":at"), r.uploadedAt.toMSecsSinceEpoch());
    q.bindValue(QStringLiteral(":pub"), int(r.publishedTo.toInt()));
    q.bindValue(QStringLiteral(":url"), nonNull(r.publishedUrl.toString()));
    q.bindValue(QStringLiteral(":src"), nonNull(r.sourcePath));
    q.bindValue(QStringLiteral(":stored"), nonNull(r.storedPath));
    q.bindValue(QStringLiteral(":pkg"), nonNull(r.packageName));
    q.bindValue(QStringLiteral(":arch"), nonNull(r.architecture));
}

CatalogWrite failure(const QSqlQuery &q, const FileRecord &r)
{
    CatalogWrite w;
    const QString text = q.lastError().text();
    if (text.contains(QLatin1String("UNIQUE"), Qt::CaseInsensitive) ||
        text.contains(QLatin1String("duplicate key"), Qt::CaseInsensitive))
        w.errorString = tr("The library already has a file called \"%1\".").arg(r.fileName);
    else
        w.errorString = tr("The file library cannot be written: %1").arg(text);
    return w;
}
} // namespace

SqlFileCatalog::SqlFileCatalog(Store &store)
    : m_store(store)
{}

QFuture<QList<FileRecord>> SqlFileCatalog::loadAll()
{
    return m_store.run([](QSqlDatabase &db) {
        QList<FileRecord> out;
        QSqlQuery q(db);
        q.setForwardOnly(true);
        if (!q.exec(QStringLiteral(
                "SELECT id, file_name, file_type, oui, product_class, version, size, sha256, "
                "uploaded_at_ms, published_to, published_url, source_path, stored_path, "
                "package_name, architecture FROM files ORDER BY file_name")))
            return out;
        while (q.next()) {
            FileRecord r;
            r.id = q.value(0).toLongLong();
            r.fileName = q.value(1).toString();
            r.fileType = firmware::fileTypeFromWireString(q.value(2).toString())
                             .value_or(firmware::FileType::FirmwareUpgradeImage);
            r.oui = q.value(3).toString();
            r.productClass = q.value(4).toString();
            r.version = q.value(5).toString();
            r.size = q.value(6).toLongLong();
            r.sha256 = q.value(7).toString();
            r.uploadedAt = QDateTime::fromMSecsSinceEpoch(q.value(8).toLongLong(), Qt::UTC);
            r.publishedTo = firmware::PublishTargets::fromInt(q.value(9).toInt());
            r.publishedUrl = QUrl(q.value(10).toString());
            r.sourcePath = q.value(11).toString();
            r.storedPath = q.value(12).toString();
            r.packageName = q.value(13).toString();
            r.architecture = q.value(14).toString();
            out.append(r);
        }
        return out;
    });
}

QFuture<CatalogWrite> SqlFileCatalog::insert(const FileRecord &record)
{
    return m_store.run([record](QSqlDatabase &db) {
        const bool pg = db.driverName() == QLatin1String("QPSQL");
        QSqlQuery q(db);
        q.prepare(QStringLiteral(
                      "INSERT INTO files (file_name, file_type, oui, product_class, version, size, "
                      "sha256, uploaded_at_ms, published_to, published_url, source_path, "
                      "stored_path, package_name, architecture) VALUES (:name, :type, :oui, :pc, "
                      ":version, :size, :sha, :at, :pub, :url, :src, :stored, :pkg, :arch)") +
                  (pg ? QStringLiteral(" RETURNING id") : QString()));
        bindRecord(q, record);
        if (!q.exec())
            return failure(q, record);
        CatalogWrite w;
        w.ok = true;
        w.id = pg ? (q.next() ? q.value(0).toLongLong() : 0) : q.lastInsertId().toLongLong();
        return w;
    });
}

QFuture<CatalogWrite> SqlFileCatalog::update(const FileRecord &record)
{
    return m_store.run([record](QSqlDatabase &db) {
        QSqlQuery q(db);
        q.prepare(
            QStringLiteral("UPDATE files SET file_name = :name, file_type = :type, oui = :oui, "
                           "product_class = :pc, version = :version, size = :size, sha256 = :sha, "
                           "uploaded_at_ms = :at, published_to = :pub, published_url = :url, "
                           "source_path = :src, stored_path = :stored, package_name = :pkg, "
                           "architecture = :arch WHERE id = :id"));
        bindRecord(q, record);
        q.bindValue(QStringLiteral(":id"), record.id);
        if (!q.exec())
            return failure(q, record);
        CatalogWrite w;
        w.id = record.id;
        w.ok = q.numRowsAffected() == 1;
        if (!w.ok)
            w.errorString = tr("The file \"%1\" is no longer in the library.").arg(record.fileName);
        return w;
    });
}

QFuture<CatalogWrite> SqlFileCatalog::remove(qint64 id)
{
    return m_store.run([id](QSqlDatabase &db) {
        QSqlQuery q(db);
        q.prepare(QStringLiteral("DELETE FROM files WHERE id = :id"));
        q.bindValue(QStringLiteral(":id"), id);
        CatalogWrite w;
        w.id = id;
        w.ok = q.exec();
        if (!w.ok)
            w.errorString = tr("The file library cannot be written: %1").arg(q.lastError().text());
        return w;
    });
}

} // namespace fwd::store
