#include "keychainsecretstore.h"

#include "core/logging.h"

#include <qt6keychain/keychain.h>

namespace fwd {

namespace {
bool isBackendMissing(QKeychain::Error e)
{
    return e == QKeychain::NoBackendAvailable || e == QKeychain::NotImplemented ||
           e == QKeychain::AccessDeniedByUser || e == QKeychain::OtherError;
}
} // namespace

KeychainSecretStore::KeychainSecretStore(QString service)
    : m_service(std::move(service))
{}

void KeychainSecretStore::read(const QString &key, QObject *context, ReadCallback done)
{
    if (!m_available) {
        m_fallback.read(key, context, std::move(done));
        return;
    }
    auto *job = new QKeychain::ReadPasswordJob(m_service);
    job->setKey(key);
    QObject::connect(job, &QKeychain::Job::finished, context, [this, key, context, done, job] {
        if (job->error() == QKeychain::NoError) {
            done(job->textData(), QString());
        } else if (job->error() == QKeychain::EntryNotFound) {
            done(QString(), QString());
        } else if (isBackendMissing(job->error())) {
            qCWarning(lcApp) << "keychain unavailable, passwords kept in memory:"
                             << job->errorString();
            m_available = false;
            m_fallback.read(key, context, done);
        } else {
            done(QString(), job->errorString());
        }
    });
    job->start();
}

void KeychainSecretStore::write(const QString &key, const QString &secret, QObject *context,
                                WriteCallback done)
{
    if (!m_available) {
        m_fallback.write(key, secret, context, std::move(done));
        return;
    }
    if (secret.isEmpty()) {
        remove(key);
        QMetaObject::invokeMethod(
            context, [done] { done(QString()); }, Qt::QueuedConnection);
        return;
    }
    auto *job = new QKeychain::WritePasswordJob(m_service);
    job->setKey(key);
    job->setTextData(secret);
    QObject::connect(job, &QKeychain::Job::finished, context,
                     [this, key, secret, context, done, job] {
                         if (job->error() == QKeychain::NoError) {
                             done(QString());
                         } else if (isBackendMissing(job->error())) {
                             m_available = false;
                             m_fallback.write(key, secret, context, done);
                         } else {
                             done(job->errorString());
                         }
                     });
    job->start();
}

void KeychainSecretStore::remove(const QString &key)
{
    m_fallback.remove(key);
    if (!m_available)
        return;
    auto *job = new QKeychain::DeletePasswordJob(m_service);
    job->setKey(key);
    job->start();
}

} // namespace fwd
