#include "filelibrary.h"

#include "core/clock.h"
#include "firmware/filehasher.h"
#include "firmware/firmwarelogging.h"
#include "firmware/npkreader.h"
#include "firmware/safefilename.h"

#include <QBuffer>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QMutex>
#include <QMutexLocker>
#include <QPointer>
#include <QRandomGenerator>
#include <QSaveFile>
#include <QStorageInfo>
#include <QThreadPool>
#include <QTimer>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace fwd::firmware {

namespace {

const QLatin1String kStagingPrefix(".import-");

ImportResult failure(ImportResult::Error error, const QString &message)
{
    ImportResult r;
    r.error = error;
    r.errorString = message;
    return r;
}

QString withNumber(const QString &name, int n)
{
    const qsizetype dot = name.lastIndexOf(QLatin1Char('.'));
    if (dot <= 0)
        return name + QLatin1Char('-') + QString::number(n);
    return name.left(dot) + QLatin1Char('-') + QString::number(n) + name.mid(dot);
}

// POSIX rename: atomic, replaces an existing target (QFile::rename refuses to).
bool atomicRename(const QString &from, const QString &to, QString *error)
{
    if (std::rename(QFile::encodeName(from).constData(), QFile::encodeName(to).constData()) == 0)
        return true;
    *error = QString::fromLocal8Bit(std::strerror(errno));
    return false;
}

} // namespace

// ---- ImportJob --------------------------------------------------------------------------

struct ImportJob::Shared
{
    std::atomic<bool> cancel{false};
    QMutex mutex;
    FileLibrary *library = nullptr; // cleared under the mutex when the library goes away
    ImportJob *job = nullptr;       // main thread only; cleared when the job is deleted
    QString fileName;               // the name reserved for the import
};

ImportJob::ImportJob(const ImportRequest &request, QObject *parent)
    : QObject(parent)
    , m_request(request)
    , m_shared(std::make_shared<Shared>())
{
    m_shared->job = this;
}

ImportJob::~ImportJob()
{
    m_shared->job = nullptr;
    m_shared->cancel = true;
}

void ImportJob::cancel()
{
    m_shared->cancel = true;
}

void ImportJob::finish(const ImportResult &result)
{
    if (m_finished)
        return;
    m_finished = true;
    m_result = result;
    Q_EMIT finished(result);
    if (parent() && qobject_cast<FileLibrary *>(parent()))
        deleteLater();
}

// ---- FileLibrary ------------------------------------------------------------------------

FileLibrary::FileLibrary(const QString &folder, FileCatalog &catalog, const Clock &clock,
                         QObject *parent, SourceOpener opener, QThreadPool *pool)
    : QObject(parent)
    , m_folder(QDir::cleanPath(QDir(folder).absolutePath()))
    , m_catalog(catalog)
    , m_clock(clock)
    , m_opener(std::move(opener))
    , m_pool(pool ? pool : QThreadPool::globalInstance())
{
    qRegisterMetaType<ImportResult>();
    qRegisterMetaType<FileRecord>();
}

FileLibrary::~FileLibrary()
{
    for (const auto &shared : std::as_const(m_active)) {
        QMutexLocker lock(&shared->mutex);
        shared->library = nullptr;
        shared->cancel = true;
    }
}

void FileLibrary::load()
{
    // Leftovers of imports interrupted by a crash: never a library file, always safe to drop.
    const QDir dir(m_folder);
    const QStringList stale =
        dir.entryList({kStagingPrefix + QLatin1Char('*')}, QDir::Files | QDir::Hidden);
    for (const QString &name : stale) {
        qCInfo(lcFirmwareLibrary) << "removing an interrupted import" << name;
        QFile::remove(dir.filePath(name));
    }
    m_catalog.loadAll()
        .then(this,
              [this](const QList<FileRecord> &records) {
                  m_records.clear();
                  for (const FileRecord &r : records) {
                      m_records.insert(r.id, r);
                      if (!QFileInfo::exists(r.storedPath))
                          qCWarning(lcFirmwareLibrary) << "library file missing:" << r.storedPath;
                  }
                  m_loaded = true;
                  m_loadError.clear();
                  Q_EMIT loaded();
              })
        .onFailed(this, [this] {
            m_loadError = tr("The list of library files could not be read from the database.");
            Q_EMIT loaded();
        });
}

QList<FileRecord> FileLibrary::records() const
{
    QList<FileRecord> out = m_records.values();
    std::sort(out.begin(), out.end(),
              [](const FileRecord &a, const FileRecord &b) { return a.fileName < b.fileName; });
    return out;
}

std::optional<FileRecord> FileLibrary::record(qint64 id) const
{
    const auto it = m_records.constFind(id);
    if (it == m_records.cend())
        return std::nullopt;
    return *it;
}

std::optional<FileRecord> FileLibrary::recordByName(const QString &fileName) const
{
    for (const FileRecord &r : m_records) {
        if (r.fileName == fileName)
            return r;
    }
    return std::nullopt;
}

QList<FileRecord> FileLibrary::filesFor(const QString &oui, const QString &productClass,
                                        std::optional<FileType> type,
                                        const QString &architecture) const
{
    QList<FileRecord> out;
    for (const FileRecord &r : records()) {
        if (!r.appliesTo(oui, productClass) || (type && r.fileType != *type))
            continue;
        if (!architecture.isEmpty() && !r.architecture.isEmpty() &&
            r.architecture.compare(architecture.trimmed(), Qt::CaseInsensitive) != 0) {
            continue;
        }
        out << r;
    }
    return out;
}

NameCheck FileLibrary::checkName(const QString &fileName, qint64 ignoreId) const
{
    NameCheck c;
    c.problems = SafeFileName::problems(fileName);
    c.safe = c.problems.isEmpty();
    auto taken = [this, ignoreId](const QString &name) {
        if (m_pendingNames.contains(name))
            return true;
        const auto r = recordByName(name);
        return r && r->id != ignoreId;
    };
    c.duplicate = taken(fileName);
    QString base = c.safe ? fileName : SafeFileName::suggest(fileName);
    QString candidate = base;
    for (int n = 2; taken(candidate) && n < 10000; ++n)
        candidate = withNumber(base, n);
    c.suggestion = candidate;
    if (c.duplicate) {
        c.duplicateWarning =
            tr("A file named %1 is already in the library. GenieACS keeps one file per name, so "
               "publishing this one would overwrite it there. Rename it (for example %2) or "
               "replace the existing file.")
                .arg(fileName, c.suggestion);
    }
    return c;
}

FileDraft FileLibrary::inspect(const QString &sourcePath) const
{
    FileDraft d;
    const QFileInfo info(sourcePath);
    const QString name = info.fileName();
    d.record.sourcePath = info.absoluteFilePath();
    if (!info.exists()) {
        d.errorString = tr("%1 cannot be read: the file does not exist.").arg(name);
        return d;
    }
    if (info.isDir()) {
        d.errorString = tr("%1 is a folder, not a file.").arg(name);
        return d;
    }
    QFile file(sourcePath);
    if (!file.open(QIODevice::ReadOnly)) {
        d.errorString = tr("%1 cannot be read: %2.").arg(name, file.errorString());
        return d;
    }
    d.record.size = file.size();
    if (d.record.size == 0) {
        d.errorString =
            tr("%1 is empty (0 bytes): there is nothing to send to a router.").arg(name);
        return d;
    }
    const QByteArray head = file.read(4096);
    file.close();

    const auto guess = guessFileType(name, head);
    d.record.fileType = guess.value_or(FileType::FirmwareUpgradeImage);
    if (!guess) {
        d.warnings
            << tr("The type of %1 could not be recognised; choose it before adding the file.")
                   .arg(name);
    }
    QString canonical; // MikroTik's name for the package or descriptor, when known
    bool renameToCanonical = false;

    const bool namedNpk = name.endsWith(QLatin1String(".npk"), Qt::CaseInsensitive);
    if (namedNpk || head.startsWith(NpkReader::magic())) {
        const NpkReadResult npk = NpkReader::read(sourcePath);
        if (!npk.ok()) {
            d.errorString = npk.errorString;
            return d;
        }
        d.npk = npk.info;
        d.record.fileType = FileType::FirmwareUpgradeImage;
        d.record.version = npk.info.versionString();
        d.record.packageName = npk.info.name;
        d.record.architecture = npk.info.architecture();
        canonical = npk.info.canonicalFileName();
        renameToCanonical = !namedNpk; // a package saved without its extension
    } else if (guess == FileType::FirmwareUpgradeImage) {
        const DescriptorParseResult parsed = UpgradeDescriptor::readFile(sourcePath);
        if (!parsed.ok()) {
            d.errorString = parsed.errorString;
            return d;
        }
        d.descriptor = parsed.descriptor;
        const QList<DescriptorPackage> packages = packagesForDescriptor(parsed.descriptor);
        for (const DescriptorPackage &p : packages) {
            if (p.systemPackage && p.version) {
                d.record.version = p.version->toString();
                d.record.architecture = p.architecture;
                break;
            }
        }
        canonical = DescriptorValidator::descriptorFileName(packages);
    }

    QString proposed = name;
    if (!SafeFileName::isSafe(name)) {
        proposed = (!canonical.isEmpty() && SafeFileName::isSafe(canonical))
                       ? canonical
                       : SafeFileName::suggest(name);
        d.warnings << tr("The name %1 is not safe for GenieACS and routers: %2 %3 is proposed "
                         "instead.")
                          .arg(name, SafeFileName::problems(name).join(QLatin1Char(' ')), proposed);
    } else if (renameToCanonical && SafeFileName::isSafe(canonical)) {
        proposed = canonical;
    }
    const NameCheck check = checkName(proposed);
    if (check.duplicate)
        d.warnings << check.duplicateWarning;
    d.record.fileName = check.usable() ? proposed : check.suggestion;
    return d;
}

std::optional<ImportResult> FileLibrary::validateImport(const ImportRequest &request,
                                                        ImportJob *job) const
{
    using E = ImportResult::Error;
    const QString name = request.metadata.fileName;
    const NameCheck check = checkName(name);
    if (!check.safe) {
        return failure(E::UnsafeName,
                       tr("The name \"%1\" cannot be used: %2 A safe name would be "
                          "%3.")
                           .arg(name, check.problems.join(QLatin1Char(' ')), check.suggestion));
    }
    if (m_pendingNames.contains(name)) {
        return failure(E::DuplicateName, tr("A file named %1 is being added already.").arg(name));
    }
    if (check.duplicate) {
        if (!request.replaceExisting)
            return failure(E::DuplicateName, check.duplicateWarning);
        const auto existing = recordByName(name);
        if (existing && existing->isUsed()) {
            return failure(E::FileInUse, tr("%1 cannot be replaced: %n upgrade batch(es) use it.",
                                            nullptr, int(existing->batchIds.size()))
                                             .arg(name));
        }
    }

    const QFileInfo source(request.sourcePath);
    const QString sourceName = request.content ? name : source.fileName();
    std::unique_ptr<QIODevice> probe;
    if (request.content) {
        auto buffer = std::make_unique<QBuffer>();
        buffer->setData(*request.content);
        buffer->open(QIODevice::ReadOnly);
        probe = std::move(buffer);
    } else if (!m_opener) { // with an injected opener the worker reports source problems
        if (!source.exists())
            return failure(E::Unreadable,
                           tr("%1 cannot be read: the file does not exist.").arg(sourceName));
        if (source.isDir())
            return failure(E::Unreadable, tr("%1 is a folder, not a file.").arg(sourceName));
        auto file = std::make_unique<QFile>(request.sourcePath);
        if (!file->open(QIODevice::ReadOnly)) {
            return failure(E::Unreadable,
                           tr("%1 cannot be read: %2.").arg(sourceName, file->errorString()));
        }
        probe = std::move(file);
    }
    const qint64 needed = probe ? probe->size() : 0;
    if (probe) {
        if (needed == 0) {
            return failure(E::EmptyFile, tr("%1 is empty (0 bytes): there is nothing to send "
                                            "to a router.")
                                             .arg(sourceName));
        }
        const QByteArray head = probe->read(4);
        const bool namedNpk = name.endsWith(QLatin1String(".npk"), Qt::CaseInsensitive) ||
                              sourceName.endsWith(QLatin1String(".npk"), Qt::CaseInsensitive);
        if (namedNpk || head == NpkReader::magic()) {
            const NpkReadResult r = NpkReader::read(*probe, sourceName);
            if (!r.ok())
                return failure(E::NotAPackage, r.errorString);
            job->m_npk = r.info;
        } else if (request.metadata.fileType == FileType::FirmwareUpgradeImage &&
                   name.endsWith(QLatin1String(".xml"), Qt::CaseInsensitive)) {
            probe->seek(0);
            const DescriptorParseResult d =
                UpgradeDescriptor::fromXml(probe->read(UpgradeDescriptor::MaxSize + 1), sourceName);
            if (!d.ok())
                return failure(E::BadDescriptor, d.errorString);
            job->m_descriptor = d.descriptor;
        }
    }

    if (!QDir().mkpath(m_folder) || !QFileInfo(m_folder).isDir()) {
        return failure(E::LibraryNotWritable,
                       tr("The library folder %1 cannot be created.").arg(m_folder));
    }
    const QStorageInfo storage(m_folder);
    if (storage.isValid() && storage.bytesAvailable() >= 0 && storage.bytesAvailable() < needed) {
        return failure(E::DiskFull, tr("%1 needs %2 bytes but only %3 bytes are free in %4.")
                                        .arg(sourceName)
                                        .arg(needed)
                                        .arg(storage.bytesAvailable())
                                        .arg(m_folder));
    }
    return std::nullopt;
}

ImportJob *FileLibrary::importFile(const ImportRequest &request)
{
    auto *job = new ImportJob(request, this);
    if (const auto error = validateImport(request, job)) {
        const ImportResult r = *error;
        qCInfo(lcFirmwareLibrary) << "import refused:" << r.errorString;
        QTimer::singleShot(0, job, [job, r] { job->finish(r); });
        return job;
    }
    m_pendingNames.insert(request.metadata.fileName);
    runImport(job);
    return job;
}

QString FileLibrary::stagingPathFor(const QString &fileName) const
{
    return QDir(m_folder).filePath(kStagingPrefix +
                                   QString::number(QRandomGenerator::global()->generate64(), 16) +
                                   QLatin1Char('-') + fileName);
}

void FileLibrary::runImport(ImportJob *job)
{
    const std::shared_ptr<ImportJob::Shared> shared = job->m_shared;
    shared->library = this;
    shared->fileName = job->m_request.metadata.fileName;
    m_active << shared;
    const QString source = job->m_request.sourcePath;
    const std::optional<QByteArray> content = job->m_request.content;
    const QString staged = stagingPathFor(job->m_request.metadata.fileName);
    const QString folder = m_folder;
    const SourceOpener opener = m_opener;
    qCInfo(lcFirmwareLibrary) << "importing" << source << "as" << job->m_request.metadata.fileName;

    const QString sourceName =
        content ? job->m_request.metadata.fileName : QFileInfo(source).fileName();
    m_pool->start([shared, source, sourceName, content, staged, folder, opener] {
        using E = ImportResult::Error;
        auto post = [&shared](std::function<void(FileLibrary *)> fn) {
            QMutexLocker lock(&shared->mutex);
            FileLibrary *lib = shared->library;
            if (lib)
                QMetaObject::invokeMethod(
                    lib, [lib, fn] { fn(lib); }, Qt::QueuedConnection);
            return lib != nullptr;
        };
        auto done = [&](const ImportResult &r, qint64 size, const QByteArray &sha) {
            if (!post([shared, r, staged, size, sha](FileLibrary *lib) {
                    lib->workerDone(shared, r, staged, size, sha);
                }) &&
                r.ok()) {
                QFile::remove(staged); // nobody will commit it
            }
        };

        std::unique_ptr<QIODevice> in;
        if (content) {
            auto buffer = std::make_unique<QBuffer>();
            buffer->setData(*content);
            in = std::move(buffer);
        } else if (opener)
            in = opener(source);
        else
            in = std::make_unique<QFile>(source);
        if (!in || (!in->isOpen() && !in->open(QIODevice::ReadOnly))) {
            done(failure(E::Unreadable, tr("%1 cannot be read: %2.")
                                            .arg(sourceName, in ? in->errorString() : QString())),
                 0, {});
            return;
        }
        const qint64 total = in->size();
        if (total == 0) {
            done(failure(E::EmptyFile, tr("%1 is empty (0 bytes): there is nothing to send to a "
                                          "router.")
                                           .arg(sourceName)),
                 0, {});
            return;
        }
        QSaveFile out(staged);
        if (!out.open(QIODevice::WriteOnly)) {
            done(failure(E::LibraryNotWritable, tr("The library folder %1 is not writable: %2.")
                                                    .arg(folder, out.errorString())),
                 0, {});
            return;
        }
        QElapsedTimer since;
        since.start();
        bool first = true;
        const HashResult h = StreamHasher::run(
            *in, total, shared->cancel,
            [&](qint64 n) {
                if (first || since.elapsed() >= 100) {
                    first = false;
                    since.restart();
                    post([shared, n, total](FileLibrary *) {
                        if (shared->job)
                            Q_EMIT shared->job->progress(n, total);
                    });
                }
            },
            &out);
        if (!h.ok) {
            const bool full = out.error() == QFileDevice::ResourceError;
            out.cancelWriting();
            if (h.cancelled) {
                done(failure(E::Cancelled, tr("Adding %1 was cancelled.").arg(sourceName)), 0, {});
            } else {
                done(failure(full ? E::DiskFull : E::CopyFailed,
                             tr("%1 could not be copied into the library: %2 Nothing was stored.")
                                 .arg(sourceName, h.errorString)),
                     0, {});
            }
            return;
        }
        if (!out.commit()) { // fsync, then rename to the staging name
            const bool full = out.error() == QFileDevice::ResourceError;
            done(failure(full ? E::DiskFull : E::CopyFailed,
                         tr("%1 could not be saved in the library: %2. Nothing was stored.")
                             .arg(sourceName, out.errorString())),
                 0, {});
            return;
        }
        ImportResult ok;
        done(ok, h.size, h.sha256);
    });
}

void FileLibrary::workerDone(const std::shared_ptr<ImportJob::Shared> &shared,
                             const ImportResult &copy, const QString &stagedPath, qint64 size,
                             const QByteArray &sha256)
{
    m_active.removeAll(shared);
    ImportJob *job = shared->job;
    if (!job) { // the caller deleted the job: drop the copy
        if (copy.ok())
            QFile::remove(stagedPath);
        m_pendingNames.remove(shared->fileName);
        return;
    }
    if (!copy.ok()) {
        finishJob(job, copy);
        return;
    }
    if (shared->cancel) {
        QFile::remove(stagedPath);
        finishJob(job, failure(ImportResult::Error::Cancelled,
                               tr("Adding %1 was cancelled.").arg(job->fileName())));
        return;
    }

    const ImportRequest &req = job->m_request;
    FileRecord r = req.metadata;
    QStringList warnings;
    r.size = size;
    r.sha256 = QString::fromLatin1(sha256.toHex());
    r.uploadedAt = m_clock.now().toUTC();
    r.sourcePath = req.content ? req.sourcePath : QFileInfo(req.sourcePath).absoluteFilePath();
    r.storedPath = QDir(m_folder).filePath(r.fileName);
    r.publishedTo = PublishTarget::None;
    r.publishedUrl = QUrl();
    r.batchIds.clear();
    r.id = 0;
    if (job->m_npk) {
        const NpkInfo &npk = *job->m_npk;
        r.packageName = npk.name;
        r.architecture = npk.architecture();
        r.fileType = FileType::FirmwareUpgradeImage;
        if (r.version.isEmpty()) {
            r.version = npk.versionString();
        } else if (r.version != npk.versionString()) {
            warnings << tr("The version entered (%1) differs from the package's own version (%2); "
                           "the package's version is kept.")
                            .arg(r.version, npk.versionString());
            r.version = npk.versionString();
        }
    } else {
        r.packageName.clear();
        r.architecture.clear();
    }
    if (job->m_descriptor) {
        // The descriptor's version and architecture are those of its system package.
        for (const DescriptorPackage &p : packagesForDescriptor(*job->m_descriptor)) {
            if (p.systemPackage && p.version) {
                r.architecture = p.architecture;
                if (r.version.isEmpty())
                    r.version = p.version->toString();
                break;
            }
        }
    }
    std::optional<FileRecord> previous;
    if (req.replaceExisting) {
        previous = recordByName(r.fileName);
        if (const auto &existing = previous) {
            r.id = existing->id;
            r.batchIds = existing->batchIds;
            r.publishedTo = existing->publishedTo & PublishTarget::BuiltInServer;
            r.publishedUrl = existing->publishedUrl;
            if (existing->publishedTo.testFlag(PublishTarget::GenieAcs)) {
                warnings << tr("GenieACS still has the previous %1: publish it to GenieACS again.")
                                .arg(r.fileName);
            }
        }
    }
    commitImport(job, stagedPath, r, warnings, previous);
}

void FileLibrary::commitImport(ImportJob *job, const QString &stagedPath, FileRecord record,
                               QStringList warnings, std::optional<FileRecord> previous)
{
    const bool replacing = record.id != 0;
    QFuture<CatalogWrite> write = replacing ? m_catalog.update(record) : m_catalog.insert(record);
    QPointer<ImportJob> guard(job);
    write.then(this, [this, guard, stagedPath, record, warnings, replacing,
                      previous](const CatalogWrite &w) {
        using E = ImportResult::Error;
        FileRecord stored = record;
        if (!w.ok) {
            QFile::remove(stagedPath);
            m_pendingNames.remove(record.fileName);
            if (guard) {
                finishJob(guard, failure(E::CatalogFailed,
                                         tr("%1 could not be recorded: %2 Nothing was stored.")
                                             .arg(record.fileName, w.errorString)));
            }
            return;
        }
        stored.id = w.id;
        QString why;
        if (!atomicRename(stagedPath, stored.storedPath, &why)) {
            QFile::remove(stagedPath);
            // Put the catalog back the way it was: the old file is still in place.
            if (!replacing)
                m_catalog.remove(stored.id);
            else if (previous)
                m_catalog.update(*previous);
            m_pendingNames.remove(record.fileName);
            if (guard) {
                finishJob(
                    guard,
                    failure(E::CopyFailed,
                            tr("%1 could not be moved into place: %2.").arg(record.fileName, why)));
            }
            return;
        }
        m_pendingNames.remove(record.fileName);
        m_records.insert(stored.id, stored);
        qCInfo(lcFirmwareLibrary) << "stored" << stored.fileName << stored.size << "bytes"
                                  << stored.sha256;
        if (replacing)
            Q_EMIT recordChanged(stored);
        else
            Q_EMIT recordAdded(stored);
        if (guard) {
            ImportResult ok;
            ok.record = stored;
            ok.warnings = warnings;
            finishJob(guard, ok);
        }
    });
}

void FileLibrary::finishJob(ImportJob *job, const ImportResult &result)
{
    if (!result.ok())
        m_pendingNames.remove(job->fileName());
    if (!result.ok())
        qCInfo(lcFirmwareLibrary) << "import failed:" << result.errorString;
    job->finish(result);
}

void FileLibrary::updateRecord(const FileRecord &edited)
{
    const auto existing = record(edited.id);
    if (!existing) {
        Q_EMIT operationFailed(tr("%1 is not in the library.").arg(edited.fileName));
        return;
    }
    if (edited.fileName != existing->fileName) {
        Q_EMIT operationFailed(tr("%1 cannot be renamed; add the file again under the new name.")
                                   .arg(existing->fileName));
        return;
    }
    FileRecord r = *existing;
    r.fileType = edited.fileType;
    r.oui = edited.oui.trimmed();
    r.productClass = edited.productClass.trimmed();
    r.version = edited.version.trimmed();
    r.publishedTo = edited.publishedTo;
    r.publishedUrl = edited.publishedUrl;
    r.batchIds = edited.batchIds;
    m_catalog.update(r).then(this, [this, r](const CatalogWrite &w) {
        if (!w.ok) {
            Q_EMIT operationFailed(
                tr("The changes to %1 could not be saved: %2").arg(r.fileName, w.errorString));
            return;
        }
        m_records.insert(r.id, r);
        Q_EMIT recordChanged(r);
    });
}

void FileLibrary::markPublished(qint64 id, PublishTargets targets, const QUrl &builtInUrl)
{
    auto r = record(id);
    if (!r) {
        Q_EMIT operationFailed(tr("File #%1 is not in the library.").arg(id));
        return;
    }
    r->publishedTo = targets;
    r->publishedUrl = targets.testFlag(PublishTarget::BuiltInServer) ? builtInUrl : QUrl();
    updateRecord(*r);
}

void FileLibrary::removeFile(qint64 id)
{
    const auto r = record(id);
    if (!r) {
        Q_EMIT operationFailed(tr("File #%1 is not in the library.").arg(id));
        return;
    }
    if (r->isUsed()) {
        Q_EMIT operationFailed(tr("%1 cannot be removed: %n upgrade batch(es) use it.", nullptr,
                                  int(r->batchIds.size()))
                                   .arg(r->fileName));
        return;
    }
    const FileRecord gone = *r;
    m_catalog.remove(id).then(this, [this, gone](const CatalogWrite &w) {
        if (!w.ok) {
            Q_EMIT operationFailed(
                tr("%1 could not be removed: %2").arg(gone.fileName, w.errorString));
            return;
        }
        m_records.remove(gone.id);
        if (QFileInfo::exists(gone.storedPath) && !QFile::remove(gone.storedPath))
            qCWarning(lcFirmwareLibrary) << "could not delete" << gone.storedPath;
        Q_EMIT recordRemoved(gone.id);
    });
}

QList<DescriptorPackage> FileLibrary::descriptorPackages(const QList<qint64> &ids,
                                                         const QUrl &publicBase) const
{
    QList<DescriptorPackage> out;
    for (qint64 id : ids) {
        const auto r = record(id);
        if (!r)
            continue;
        const QUrl url = publicBase.isEmpty() && r->publishedUrl.isValid()
                             ? r->publishedUrl
                             : UpgradeDescriptor::linkFor(publicBase, r->fileName);
        const NpkReadResult npk = NpkReader::read(r->storedPath);
        if (npk.ok()) {
            out << DescriptorPackage::fromNpk(url, npk.info, r->size);
        } else {
            DescriptorPackage p;
            p.url = url;
            p.fileName = r->fileName;
            p.expectedSize = r->size;
            out << p; // Origin::Unknown: the validator reports it
        }
    }
    return out;
}

QList<DescriptorPackage>
FileLibrary::packagesForDescriptor(const UpgradeDescriptor &descriptor) const
{
    QList<DescriptorPackage> out;
    for (const QUrl &url : descriptor.links) {
        const auto r = recordByName(url.fileName(QUrl::FullyDecoded));
        if (r && r->isPackage()) {
            const NpkReadResult npk = NpkReader::read(r->storedPath);
            if (npk.ok()) {
                out << DescriptorPackage::fromNpk(url, npk.info, r->size);
                continue;
            }
        }
        out << DescriptorPackage::fromUrl(url);
    }
    return out;
}

} // namespace fwd::firmware
