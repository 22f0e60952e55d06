#include "filecatalog.h"

#include "httprequest.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QRandomGenerator>

#include <openssl/crypto.h>

namespace fwd::fileserver {

namespace {

QByteArray hashPassword(const QByteArray &salt, const QString &password)
{
    return QCryptographicHash::hash(QByteArray(salt + password.toUtf8()),
                                    QCryptographicHash::Sha256);
}

} // namespace

QString FileCatalog::publish(PublishedFile file)
{
    const QString nameError = checkPublishedName(file.name);
    if (!nameError.isEmpty())
        return nameError;
    const QFileInfo info(file.absolutePath);
    if (file.absolutePath.isEmpty() || !info.isAbsolute())
        return QCoreApplication::translate("fwd::fileserver",
                                           "The file to publish needs an absolute path.");
    if (!info.isFile() || !info.isReadable())
        return QCoreApplication::translate("fwd::fileserver", "%1 is not a readable file.")
            .arg(QDir::toNativeSeparators(file.absolutePath));
    if (file.size < 0)
        file.size = info.size();
    else if (file.size != info.size())
        return QCoreApplication::translate("fwd::fileserver",
                                           "%1 has %2 bytes on disk, not the %3 announced.")
            .arg(QDir::toNativeSeparators(file.absolutePath))
            .arg(info.size())
            .arg(file.size);
    if (!file.lastModified.isValid())
        file.lastModified = info.lastModified().toUTC();
    QWriteLocker lock(&m_lock);
    m_files.insert(file.name, file);
    return {};
}

bool FileCatalog::unpublish(const QString &name)
{
    QWriteLocker lock(&m_lock);
    return m_files.remove(name) > 0;
}

std::optional<PublishedFile> FileCatalog::find(const QString &name) const
{
    QReadLocker lock(&m_lock);
    const auto it = m_files.constFind(name);
    if (it == m_files.cend())
        return std::nullopt;
    return *it;
}

QList<PublishedFile> FileCatalog::files() const
{
    QReadLocker lock(&m_lock);
    return m_files.values();
}

void FileCatalog::setCredentials(const QString &setName, const QString &user,
                                 const QString &password)
{
    Credentials c;
    c.user = user;
    c.salt.resize(16);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(c.salt.data()), 4);
    c.passwordHash = hashPassword(c.salt, password);
    QWriteLocker lock(&m_lock);
    m_credentials.insert(setName, c);
}

void FileCatalog::removeCredentials(const QString &setName)
{
    QWriteLocker lock(&m_lock);
    m_credentials.remove(setName);
}

FileCatalog::AuthResult FileCatalog::authorize(const PublishedFile &file,
                                               const QByteArray &authorizationHeader,
                                               QString *user) const
{
    if (file.credentialSet.isEmpty())
        return AuthResult::Allowed;
    Credentials expected;
    {
        QReadLocker lock(&m_lock);
        const auto it = m_credentials.constFind(file.credentialSet);
        if (it == m_credentials.cend())
            return AuthResult::Denied;
        expected = *it;
    }
    const QByteArray header = authorizationHeader.trimmed();
    if (header.size() < 6 || header.left(6).toLower() != "basic ")
        return AuthResult::Denied;
    const auto decoded = QByteArray::fromBase64Encoding(header.mid(6).trimmed(),
                                                        QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return AuthResult::Denied;
    const qsizetype colon = decoded.decoded.indexOf(':');
    if (colon < 0)
        return AuthResult::Denied;
    const QString givenUser = QString::fromUtf8(decoded.decoded.left(colon));
    *user = givenUser.left(200);
    const QByteArray givenHash =
        hashPassword(expected.salt, QString::fromUtf8(decoded.decoded.mid(colon + 1)));
    // Both comparisons always run, in constant time for the password.
    const bool passwordOk = CRYPTO_memcmp(givenHash.constData(), expected.passwordHash.constData(),
                                          size_t(givenHash.size())) == 0;
    const bool userOk = givenUser == expected.user;
    return passwordOk && userOk ? AuthResult::Allowed : AuthResult::Denied;
}

void FileCatalog::count(const QString &name, const FileCounters &delta)
{
    QMutexLocker lock(&m_countersMutex);
    FileCounters &c = m_counters[name];
    c.requests += delta.requests;
    c.bytesSent += delta.bytesSent;
    c.completed += delta.completed;
    c.brokenOff += delta.brokenOff;
    c.notModified += delta.notModified;
    c.denied += delta.denied;
}

FileCounters FileCatalog::counters(const QString &name) const
{
    QMutexLocker lock(&m_countersMutex);
    return m_counters.value(name);
}

QHash<QString, FileCounters> FileCatalog::allCounters() const
{
    QMutexLocker lock(&m_countersMutex);
    return m_counters;
}

} // namespace fwd::fileserver
