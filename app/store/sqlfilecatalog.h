#pragma once

#include "firmware/filecatalog.h"

namespace fwd::store {

class Store;

// The file library's records in the database (table `files`), on the store's thread.
class SqlFileCatalog final : public firmware::FileCatalog
{
public:
    explicit SqlFileCatalog(Store &store);

    QFuture<QList<firmware::FileRecord>> loadAll() override;
    QFuture<firmware::CatalogWrite> insert(const firmware::FileRecord &record) override;
    QFuture<firmware::CatalogWrite> update(const firmware::FileRecord &record) override;
    QFuture<firmware::CatalogWrite> remove(qint64 id) override;

private:
    Store &m_store;
};

} // namespace fwd::store
