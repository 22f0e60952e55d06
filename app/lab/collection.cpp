#include "lab/collection.h"

namespace fwd::lab {

void Collection::upsert(const QVariantMap &doc)
{
    const QString id = doc.value(QStringLiteral("_id")).toString();
    auto it = m_index.constFind(id);
    if (it != m_index.cend()) {
        m_docs[it.value()] = doc;
        return;
    }
    const quint64 seq = m_next++;
    m_docs.emplace(seq, doc);
    m_index.insert(id, seq);
}

bool Collection::remove(const QString &id)
{
    auto it = m_index.find(id);
    if (it == m_index.end())
        return false;
    m_docs.erase(it.value());
    m_index.erase(it);
    return true;
}

qsizetype Collection::removeIf(const std::function<bool(const QVariantMap &)> &predicate)
{
    qsizetype n = 0;
    for (auto it = m_docs.begin(); it != m_docs.end();) {
        if (predicate(it->second)) {
            m_index.remove(it->second.value(QStringLiteral("_id")).toString());
            it = m_docs.erase(it);
            ++n;
        } else {
            ++it;
        }
    }
    return n;
}

const QVariantMap *Collection::find(const QString &id) const
{
    auto it = m_index.constFind(id);
    if (it == m_index.cend())
        return nullptr;
    return &m_docs.at(it.value());
}

QVariantMap *Collection::findMutable(const QString &id)
{
    auto it = m_index.constFind(id);
    if (it == m_index.cend())
        return nullptr;
    return &m_docs.at(it.value());
}

void Collection::clear()
{
    m_docs.clear();
    m_index.clear();
}

} // namespace fwd::lab
