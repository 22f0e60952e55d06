#include "secretstore.h"

#include <QMetaObject>

namespace fwd {

void MemorySecretStore::read(const QString &key, QObject *context, ReadCallback done)
{
    const QString secret = m_secrets.value(key);
    QMetaObject::invokeMethod(
        context, [done, secret] { done(secret, QString()); }, Qt::QueuedConnection);
}

void MemorySecretStore::write(const QString &key, const QString &secret, QObject *context,
                              WriteCallback done)
{
    m_secrets.insert(key, secret);
    QMetaObject::invokeMethod(
        context, [done] { done(QString()); }, Qt::QueuedConnection);
}

void MemorySecretStore::remove(const QString &key)
{
    m_secrets.remove(key);
}

} // namespace fwd
