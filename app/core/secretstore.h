#pragma once

#include <QHash>
#include <QObject>
#include <QString>

#include <functional>

namespace fwd {

// Where passwords live (NBI credentials): the system keychain when there is one. Asynchronous,
// because keychains answer over D-Bus. Callbacks run on the caller's thread, through `context`.
class SecretStore
{
public:
    virtual ~SecretStore() = default;
    using ReadCallback = std::function<void(const QString &secret, const QString &error)>;
    using WriteCallback = std::function<void(const QString &error)>;

    virtual void read(const QString &key, QObject *context, ReadCallback done) = 0;
    virtual void write(const QString &key, const QString &secret, QObject *context,
                       WriteCallback done) = 0;
    virtual void remove(const QString &key) = 0;
    // False when secrets only last until the application exits.
    virtual bool isPersistent() const = 0;
};

// Keeps secrets in memory for this run only: tests, and the fallback when no keychain answers.
class MemorySecretStore final : public SecretStore
{
public:
    void read(const QString &key, QObject *context, ReadCallback done) override;
    void write(const QString &key, const QString &secret, QObject *context,
               WriteCallback done) override;
    void remove(const QString &key) override;
    bool isPersistent() const override { return false; }

private:
    QHash<QString, QString> m_secrets;
};

} // namespace fwd
