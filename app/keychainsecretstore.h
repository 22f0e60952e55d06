#pragma once

#include "core/secretstore.h"

namespace fwd {

// Secrets in the system keychain (Secret Service or KWallet, through QtKeychain). When no
// keychain answers, it falls back to memory for this run and says so (isPersistent()).
class KeychainSecretStore final : public SecretStore
{
public:
    explicit KeychainSecretStore(QString service);

    void read(const QString &key, QObject *context, ReadCallback done) override;
    void write(const QString &key, const QString &secret, QObject *context,
               WriteCallback done) override;
    void remove(const QString &key) override;
    bool isPersistent() const override { return m_available; }

private:
    QString m_service;
    bool m_available = true;
    MemorySecretStore m_fallback;
};

} // namespace fwd
