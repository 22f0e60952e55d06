#pragma once

#include "firmware/filerecord.h"

#include <QFuture>
#include <QList>
#include <QString>

namespace fwd::firmware {

struct CatalogWrite
{
    bool ok = false;
    qint64 id = 0;       // the record's id (assigned by insert)
    QString errorString; // translated
};

// Where FileLibrary keeps its records. The database implementation belongs to the store
// (app/store, a QFuture from its worker thread); InMemoryFileCatalog serves tests and the lab.
// The library keeps its own cache and calls these only to load and to write through.
class FileCatalog
{
public:
    virtual ~FileCatalog() = default;
    virtual QFuture<QList<FileRecord>> loadAll() = 0;
    // Assigns the id; file names are unique (GenieACS keys files by name).
    virtual QFuture<CatalogWrite> insert(const FileRecord &record) = 0;
    virtual QFuture<CatalogWrite> update(const FileRecord &record) = 0;
    virtual QFuture<CatalogWrite> remove(qint64 id) = 0;
};

class InMemoryFileCatalog final : public FileCatalog
{
public:
    QFuture<QList<FileRecord>> loadAll() override;
    QFuture<CatalogWrite> insert(const FileRecord &record) override;
    QFuture<CatalogWrite> update(const FileRecord &record) override;
    QFuture<CatalogWrite> remove(qint64 id) override;

    QList<FileRecord> records() const { return m_records; }
    // Makes the next write fail with this message (tests of the library's rollback).
    void failNextWrite(const QString &errorString) { m_failNext = errorString; }

private:
    bool takeFailure(CatalogWrite *w);

    QList<FileRecord> m_records;
    qint64 m_nextId = 1;
    QString m_failNext;
};

} // namespace fwd::firmware
