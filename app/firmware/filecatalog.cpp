#include "filecatalog.h"

#include <QCoreApplication>

namespace fwd::firmware {

namespace {

const char *const kContext = "fwd::firmware::FileCatalog";

} // namespace

bool InMemoryFileCatalog::takeFailure(CatalogWrite *w)
{
    if (m_failNext.isEmpty())
        return false;
    w->ok = false;
    w->errorString = m_failNext;
    m_failNext.clear();
    return true;
}

QFuture<QList<FileRecord>> InMemoryFileCatalog::loadAll()
{
    return QtFuture::makeReadyFuture(m_records);
}

QFuture<CatalogWrite> InMemoryFileCatalog::insert(const FileRecord &record)
{
    CatalogWrite w;
    if (takeFailure(&w))
        return QtFuture::makeReadyFuture(w);
    for (const FileRecord &r : std::as_const(m_records)) {
        if (r.fileName == record.fileName) {
            w.errorString =
                QCoreApplication::translate(kContext, "A file named %1 is already in the catalog.")
                    .arg(record.fileName);
            return QtFuture::makeReadyFuture(w);
        }
    }
    FileRecord stored = record;
    stored.id = m_nextId++;
    m_records << stored;
    w.ok = true;
    w.id = stored.id;
    return QtFuture::makeReadyFuture(w);
}

QFuture<CatalogWrite> InMemoryFileCatalog::update(const FileRecord &record)
{
    CatalogWrite w;
    if (takeFailure(&w))
        return QtFuture::makeReadyFuture(w);
    for (FileRecord &r : m_records) {
        if (r.id == record.id) {
            r = record;
            w.ok = true;
            w.id = record.id;
            return QtFuture::makeReadyFuture(w);
        }
    }
    w.errorString = QCoreApplication::translate(kContext, "File %1 is not in the catalog.")
                        .arg(record.fileName);
    return QtFuture::makeReadyFuture(w);
}

QFuture<CatalogWrite> InMemoryFileCatalog::remove(qint64 id)
{
    CatalogWrite w;
    if (takeFailure(&w))
        return QtFuture::makeReadyFuture(w);
    for (qsizetype i = 0; i < m_records.size(); ++i) {
        if (m_records.at(i).id == id) {
            m_records.removeAt(i);
            w.ok = true;
            w.id = id;
            return QtFuture::makeReadyFuture(w);
        }
    }
    w.errorString =
        QCoreApplication::translate(kContext, "File #%1 is not in the catalog.").arg(id);
    return QtFuture::makeReadyFuture(w);
}

} // namespace fwd::firmware
