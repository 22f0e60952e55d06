#pragma once

#include "firmware/descriptorvalidator.h"
#include "firmware/filecatalog.h"
#include "firmware/filerecord.h"
#include "firmware/npkinfo.h"
#include "firmware/upgradedescriptor.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QStringList>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

class QIODevice;
class QThreadPool;

namespace fwd {
class Clock;
}

namespace fwd::firmware {

// What the upload dialog is pre-filled with, read from the file itself (header bytes only).
struct FileDraft
{
    FileRecord record;          // fileType, version, fileName (safe), size, sourcePath
    std::optional<NpkInfo> npk; // for RouterOS packages
    std::optional<UpgradeDescriptor> descriptor; // for MikroTik upgrade descriptors
    QString errorString;                         // the file cannot be added, and why (translated)
    QStringList warnings;                        // e.g. the name was made safe, the name is taken

    bool ok() const { return errorString.isEmpty(); }
};

// Is this name usable for a new file (or for renaming file `ignoreId`)?
struct NameCheck
{
    bool safe = true;
    QStringList problems;     // why the name is not safe
    QString suggestion;       // a safe, unused name close to the requested one
    bool duplicate = false;   // a library file already has this name
    QString duplicateWarning; // GenieACS keys files by name: publishing overwrites

    bool usable() const { return safe && !duplicate; }
};

struct ImportRequest
{
    QString sourcePath; // the file to add; informational when `content` is set
    // Bytes to add instead of a file, e.g. a descriptor built by DescriptorValidator::build().
    std::optional<QByteArray> content;
    FileRecord metadata;          // fileType, oui, productClass, version, fileName are used
    bool replaceExisting = false; // overwrite the library file of the same name
};

struct ImportResult
{
    enum class Error {
        None,
        Cancelled,
        UnsafeName,
        DuplicateName,
        Unreadable,
        EmptyFile,
        NotAPackage, // named .npk but not an NPK
        BadDescriptor,
        FileInUse, // replacing a file that batches use
        LibraryNotWritable,
        DiskFull,
        CopyFailed, // includes "the source changed while it was copied"
        CatalogFailed,
    };
    Error error = Error::None;
    QString errorString; // translated
    QStringList warnings;
    FileRecord record; // the stored record when ok

    bool ok() const { return error == Error::None; }
};

class FileLibrary;

// One running import: copy to a temporary name inside the library folder while hashing,
// fsync, then atomic rename once the catalog has the record. Owned by the library.
class ImportJob final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ImportJob)

public:
    ~ImportJob() override;

    void cancel();
    bool isFinished() const { return m_finished; }
    ImportResult result() const { return m_result; }
    QString fileName() const { return m_request.metadata.fileName; }

Q_SIGNALS:
    void progress(qint64 done, qint64 total);
    // The job deletes itself (deleteLater) after this signal unless reparented away from the
    // library; take the result from the argument.
    void finished(const fwd::firmware::ImportResult &result);

private:
    friend class FileLibrary;
    struct Shared;
    ImportJob(const ImportRequest &request, QObject *parent);
    void finish(const ImportResult &result);

    ImportRequest m_request;
    std::optional<NpkInfo> m_npk;
    std::optional<UpgradeDescriptor> m_descriptor;
    std::shared_ptr<Shared> m_shared;
    ImportResult m_result;
    bool m_finished = false;
};

// The file library (issue 6): files in a folder of the data directory, their metadata in a
// FileCatalog, a cache for the screens, and the helpers the Files screen, the descriptor
// builder and Mass Upgrade call.
class FileLibrary final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FileLibrary)

public:
    // Opens the source of an import; tests inject failures through it.
    using SourceOpener = std::function<std::unique_ptr<QIODevice>(const QString &path)>;

    FileLibrary(const QString &folder, FileCatalog &catalog, const Clock &clock,
                QObject *parent = nullptr, SourceOpener opener = {}, QThreadPool *pool = nullptr);
    ~FileLibrary() override;

    QString folder() const { return m_folder; }

    // Loads the records from the catalog; loaded() follows (also on failure, see loadError).
    void load();
    bool isLoaded() const { return m_loaded; }
    QString loadError() const { return m_loadError; }

    QList<FileRecord> records() const;
    std::optional<FileRecord> record(qint64 id) const;
    std::optional<FileRecord> recordByName(const QString &fileName) const;

    // Mass Upgrade's one-liner: the files that apply to devices of this OUI and product
    // class (records without OUI/product class apply to all), optionally of one type and for
    // one architecture (X_MIKROTIK_ArchName; files without an architecture apply to all),
    // sorted by name.
    QList<FileRecord> filesFor(const QString &oui, const QString &productClass,
                               std::optional<FileType> type = std::nullopt,
                               const QString &architecture = QString()) const;

    // Reads what the file says about itself, for the upload dialog.
    FileDraft inspect(const QString &sourcePath) const;

    NameCheck checkName(const QString &fileName, qint64 ignoreId = 0) const;

    // Starts an import. The job is a child of the library and deletes itself after finished();
    // every outcome, validation errors included, arrives asynchronously.
    ImportJob *importFile(const ImportRequest &request);

    // Metadata edits (type, OUI, product class, version, publication). The file name and the
    // stored content never change here.
    void updateRecord(const FileRecord &record);
    void markPublished(qint64 id, PublishTargets targets, const QUrl &builtInUrl);
    // Removes record and file; refused while batches use the file.
    void removeFile(qint64 id);

    // Descriptor helpers: library packages linked under `publicBase`, and the packages behind
    // an existing descriptor's links (library records by file name, else MikroTik naming).
    QList<DescriptorPackage> descriptorPackages(const QList<qint64> &ids,
                                                const QUrl &publicBase) const;
    QList<DescriptorPackage> packagesForDescriptor(const UpgradeDescriptor &descriptor) const;

Q_SIGNALS:
    void loaded();
    void recordAdded(const fwd::firmware::FileRecord &record);
    void recordChanged(const fwd::firmware::FileRecord &record);
    void recordRemoved(qint64 id);
    // A metadata edit or removal failed (translated, one sentence).
    void operationFailed(const QString &errorString);

private:
    void runImport(ImportJob *job);
    void workerDone(const std::shared_ptr<ImportJob::Shared> &shared, const ImportResult &copy,
                    const QString &stagedPath, qint64 size, const QByteArray &sha256);
    void commitImport(ImportJob *job, const QString &stagedPath, FileRecord record,
                      QStringList warnings, std::optional<FileRecord> previous);
    std::optional<ImportResult> validateImport(const ImportRequest &request, ImportJob *job) const;
    void finishJob(ImportJob *job, const ImportResult &result);
    QString stagingPathFor(const QString &fileName) const;

    QString m_folder;
    FileCatalog &m_catalog;
    const Clock &m_clock;
    SourceOpener m_opener;
    QThreadPool *m_pool;
    QHash<qint64, FileRecord> m_records;
    QSet<QString> m_pendingNames; // imports in flight
    QList<std::shared_ptr<ImportJob::Shared>> m_active;
    bool m_loaded = false;
    QString m_loadError;
};

} // namespace fwd::firmware

Q_DECLARE_METATYPE(fwd::firmware::ImportResult)
Q_DECLARE_METATYPE(fwd::firmware::FileRecord)
