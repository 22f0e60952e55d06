#include "filecatalog.h"

#include "contenttype.h"
#include "httpdate.h"
#include "httprequest.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QTimeZone>

#include <openssl/crypto.h>

namespace fwd::fileserver {

namespace {

QByteArray hashPassword(const QByteArray &salt, const QString &password)
{
    return QCryptographicHash::hash(QByteArray(salt + password.toUtf8()),
                                    QCryptographicHash::Sha256);
}

} // namespace

void AtomicFileCounters::add(const FileCounters &delta, int worker)
{
    Shard &s = m_shards[qAbs(worker) % kShards];
    auto bump = [](std::atomic<qint64> &counter, qint64 value) {
        if (value != 0)
            counter.fetch_add(value, std::memory_order_relaxed);
    };
    bump(s.requests, delta.requests);
    bump(s.bytesSent, delta.bytesSent);
    bump(s.completed, delta.completed);
    bump(s.brokenOff, delta.brokenOff);
    bump(s.notModified, delta.notModified);
    bump(s.denied, delta.denied);
}

FileCounters AtomicFileCounters::snapshot() const
{
    FileCounters c;
    for (const Shard &s : m_shards) {
        c.requests += s.requests.load(std::memory_order_relaxed);
        c.bytesSent += s.bytesSent.load(std::memory_order_relaxed);
        c.completed += s.completed.load(std::memory_order_relaxed);
        c.brokenOff += s.brokenOff.load(std::memory_order_relaxed);
        c.notModified += s.notModified.load(std::memory_order_relaxed);
        c.denied += s.denied.load(std::memory_order_relaxed);
    }
    return c;
}

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

    auto entry = std::make_shared<CatalogEntry>();
    entry->encodedPath = QFile::encodeName(file.absolutePath);
    entry->etag =
        '"' +
        (file.etag.isEmpty() ? QByteArray::number(file.size, 16) + '-' +
                                   QByteArray::number(file.lastModified.toMSecsSinceEpoch(), 16)
                             : file.etag.toLatin1()) +
        '"';
    entry->lastModified =
        QDateTime::fromSecsSinceEpoch(file.lastModified.toSecsSinceEpoch(), QTimeZone::utc());
    entry->validatorHeaders = "ETag: " + entry->etag +
                              "\r\nLast-Modified: " + formatHttpDate(entry->lastModified) + "\r\n";
    entry->contentType = contentTypeFor(file.name);
    {
        QMutexLocker lock(&m_countersMutex);
        auto &counters = m_counters[file.name];
        if (!counters)
            counters = std::make_shared<AtomicFileCounters>();
        entry->counters = counters;
    }
    const QString name = file.name;
    entry->file = std::move(file);
    QWriteLocker lock(&m_lock);
    m_files.insert(name, std::shared_ptr<const CatalogEntry>(std::move(entry)));
    return {};
}

bool FileCatalog::unpublish(const QString &name)
{
    QWriteLocker lock(&m_lock);
    return m_files.remove(name) > 0;
}

std::shared_ptr<const CatalogEntry> FileCatalog::find(const QString &name) const
{
    QReadLocker lock(&m_lock);
    return m_files.value(name);
}

QList<PublishedFile> FileCatalog::files() const
{
    QReadLocker lock(&m_lock);
    QList<PublishedFile> out;
    out.reserve(m_files.size());
    for (const auto &e : m_files)
        out.append(e->file);
    return out;
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

FileCounters FileCatalog::counters(const QString &name) const
{
    QMutexLocker lock(&m_countersMutex);
    const auto c = m_counters.value(name);
    return c ? c->snapshot() : FileCounters();
}

QHash<QString, FileCounters> FileCatalog::allCounters() const
{
    QMutexLocker lock(&m_countersMutex);
    QHash<QString, FileCounters> out;
    for (auto it = m_counters.cbegin(); it != m_counters.cend(); ++it)
        out.insert(it.key(), it.value()->snapshot());
    return out;
}

} // namespace fwd::fileserver
