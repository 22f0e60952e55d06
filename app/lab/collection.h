#pragma once

#include <QHash>
#include <QString>
#include <QVariantMap>

#include <functional>
#include <map>

namespace fwd::lab {

// A MongoDB-like collection of documents with a string _id, kept in insertion (natural) order.
class Collection final
{
public:
    // Inserts, or replaces the document with the same _id in place (replaceOne upsert).
    void upsert(const QVariantMap &doc);
    bool remove(const QString &id);
    // Removes every document the predicate accepts; returns how many.
    qsizetype removeIf(const std::function<bool(const QVariantMap &)> &predicate);
    const QVariantMap *find(const QString &id) const;
    QVariantMap *findMutable(const QString &id);
    qsizetype size() const { return qsizetype(m_docs.size()); }
    void clear();

    template<typename F>
    void forEach(F &&f) const
    {
        for (const auto &[seq, doc] : m_docs)
            f(doc);
    }

private:
    std::map<quint64, QVariantMap> m_docs;
    QHash<QString, quint64> m_index;
    quint64 m_next = 0;
};

} // namespace fwd::lab
