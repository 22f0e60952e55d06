#include "core/clock.h"
#include "firmware/filelibrary.h"
#include "firmware/npkwriter.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QPointer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>

using namespace fwd::firmware;
using Error = ImportResult::Error;

Q_DECLARE_METATYPE(ImportResult::Error)

namespace {

const QDateTime kNow(QDate(2026, 12, 1), QTime(7, 30), Qt::UTC);

NpkPackageSpec package(const char *name, const char *version, const char *arch)
{
    NpkPackageSpec p;
    p.name = QLatin1String(name);
    p.version = *RouterOsVersion::fromString(QLatin1String(version));
    p.npkArchitecture = QLatin1String(arch);
    p.dependsOnSystem = p.name != QLatin1String("system");
    return p;
}

// A source file that disappears after the first block has been read: truncated (what an
// unlinked-and-rewritten or shrinking download looks like to a reader) and removed.
class VanishingFile final : public QFile
{
public:
    using QFile::QFile;

protected:
    qint64 readData(char *data, qint64 maxSize) override
    {
        if (m_reads++ == 1) {
            QFile::resize(fileName(), 0);
            QFile::remove(fileName());
        }
        return QFile::readData(data, maxSize);
    }

private:
    int m_reads = 0;
};

QStringList folderEntries(const QString &folder)
{
    return QDir(folder).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot, QDir::Name);
}

} // namespace

class TestFileLibrary final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void importsPackageWithMetadata();
    void inspectPrefills_data();
    void inspectPrefills();
    void refusesBadInput_data();
    void refusesBadInput();
    void duplicateNameWarnsAndReplaceWorks();
    void sourceVanishesMidCopy();
    void libraryFolderNotWritable_data();
    void libraryFolderNotWritable();
    void cancelLeavesNothing();
    void deletingJobOrLibraryMidCopyLeavesNothing_data();
    void deletingJobOrLibraryMidCopyLeavesNothing();
    void catalogFailureLeavesNothing();
    void failedRenameRollsBackTheCatalog();
    void filesForFiltersByOuiAndProductClass();
    void updateAndRemove();
    void loadDropsInterruptedImports();
    void importFromMemoryIsValidated_data();
    void importFromMemoryIsValidated();
    void descriptorFromLibraryPackages();

private:
    QString writeSource(const QString &name, const QByteArray &content);
    ImportResult runImport(FileLibrary &library, const ImportRequest &request);
    ImportRequest requestFor(const QString &source, const QString &name,
                             FileType type = FileType::FirmwareUpgradeImage);

    std::unique_ptr<QTemporaryDir> m_tmp;
    QString m_sources;
    QString m_folder;
    std::unique_ptr<fwd::ManualClock> m_clock;
    std::unique_ptr<InMemoryFileCatalog> m_catalog;
};

void TestFileLibrary::init()
{
    m_tmp = std::make_unique<QTemporaryDir>();
    QVERIFY(m_tmp->isValid());
    m_sources = m_tmp->filePath(QStringLiteral("sources"));
    m_folder = m_tmp->filePath(QStringLiteral("library"));
    QVERIFY(QDir().mkpath(m_sources));
    m_clock = std::make_unique<fwd::ManualClock>(kNow);
    m_catalog = std::make_unique<InMemoryFileCatalog>();
}

void TestFileLibrary::cleanup()
{
    QFile::setPermissions(m_folder,
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    m_tmp.reset();
}

QString TestFileLibrary::writeSource(const QString &name, const QByteArray &content)
{
    const QString path = QDir(m_sources).filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(content) != content.size())
        return {};
    return path;
}

ImportRequest TestFileLibrary::requestFor(const QString &source, const QString &name, FileType type)
{
    ImportRequest r;
    r.sourcePath = source;
    r.metadata.fileName = name;
    r.metadata.fileType = type;
    return r;
}

ImportResult TestFileLibrary::runImport(FileLibrary &library, const ImportRequest &request)
{
    ImportJob *job = library.importFile(request);
    QSignalSpy finished(job, &ImportJob::finished);
    if (finished.isEmpty() && !finished.wait(30000)) {
        ImportResult timeout;
        timeout.error = Error::CopyFailed;
        timeout.errorString = QStringLiteral("the test timed out waiting for the import");
        return timeout;
    }
    return finished.first().first().value<ImportResult>();
}

void TestFileLibrary::importsPackageWithMetadata()
{
    const QByteArray bytes = NpkWriter::build(package("tr069-client", "6.48.4", "i386"));
    const QString source = writeSource(QStringLiteral("tr069-client-6.48.4.npk"), bytes);
    FileLibrary library(m_folder, *m_catalog, *m_clock);
    QSignalSpy added(&library, &FileLibrary::recordAdded);

    const FileDraft draft = library.inspect(source);
    QVERIFY2(draft.ok(), qPrintable(draft.errorString));
    QVERIFY(draft.npk);
    QCOMPARE(draft.record.fileType, FileType::FirmwareUpgradeImage);
    QCOMPARE(draft.record.version, QStringLiteral("6.48.4"));
    QCOMPARE(draft.record.fileName, QStringLiteral("tr069-client-6.48.4.npk"));
    QCOMPARE(draft.record.size, qint64(bytes.size()));

    ImportRequest request;
    request.sourcePath = source;
    request.metadata = draft.record;
    request.metadata.oui = QStringLiteral("E48D8C");
    request.metadata.productClass = QStringLiteral("RB2011iL");
    const ImportResult r = runImport(library, request);
    QVERIFY2(r.ok(), qPrintable(r.errorString));
    QVERIFY(r.warnings.isEmpty());
    const FileRecord &rec = r.record;
    QVERIFY(rec.id > 0);
    QCOMPARE(rec.fileName, QStringLiteral("tr069-client-6.48.4.npk"));
    QCOMPARE(rec.version, QStringLiteral("6.48.4"));
    QCOMPARE(rec.oui, QStringLiteral("E48D8C"));
    QCOMPARE(rec.productClass, QStringLiteral("RB2011iL"));
    QCOMPARE(rec.packageName, QStringLiteral("tr069-client"));
    QCOMPARE(rec.architecture, QStringLiteral("x86"));
    QCOMPARE(rec.size, qint64(bytes.size()));
    QCOMPARE(rec.sha256, QString::fromLatin1(
                             QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex()));
    QCOMPARE(rec.uploadedAt, kNow);
    QCOMPARE(rec.publishedTo, PublishTargets(PublishTarget::None));
    QCOMPARE(rec.storedPath, QDir(m_folder).filePath(rec.fileName));
    QFile stored(rec.storedPath);
    QVERIFY(stored.open(QIODevice::ReadOnly));
    QCOMPARE(stored.readAll(), bytes);
    QCOMPARE(folderEntries(m_folder), QStringList{rec.fileName}); // no temporary files left
    QCOMPARE(added.size(), 1);
    QCOMPARE(m_catalog->records().size(), 1);
    QCOMPARE(m_catalog->records().first().sha256, rec.sha256);
    QCOMPARE(library.records().size(), 1);
    QCOMPARE(library.recordByName(rec.fileName)->id, rec.id);
}

void TestFileLibrary::inspectPrefills_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<int>("type");
    QTest::addColumn<QString>("version");
    QTest::addColumn<QString>("fileName");
    QTest::addColumn<QString>("warningMentions");

    QTest::newRow("bundle") << QStringLiteral("routeros-x86-6.48.4.npk")
                            << NpkWriter::build(package("system", "6.48.4", "i386"))
                            << int(FileType::FirmwareUpgradeImage) << QStringLiteral("6.48.4")
                            << QStringLiteral("routeros-x86-6.48.4.npk") << QString();
    QTest::newRow("package saved under a mangled name")
        << QStringLiteral("tr069-client-6.48.4 (1).npk")
        << NpkWriter::build(package("tr069-client", "6.48.4", "i386"))
        << int(FileType::FirmwareUpgradeImage) << QStringLiteral("6.48.4")
        << QStringLiteral("tr069-client-6.48.4.npk") << QStringLiteral("not safe");
    QTest::newRow("package without extension")
        << QStringLiteral("download") << NpkWriter::build(package("system", "7.12.1", "arm64"))
        << int(FileType::FirmwareUpgradeImage) << QStringLiteral("7.12.1")
        << QStringLiteral("routeros-7.12.1-arm64.npk") << QString();
    UpgradeDescriptor d;
    d.links << QUrl(QStringLiteral("https://127.0.0.1:7567/routeros-mipsbe-6.49.10.npk"))
            << QUrl(QStringLiteral("https://127.0.0.1:7567/tr069-client-6.49.10-mipsbe.npk"));
    QTest::newRow("descriptor") << QStringLiteral("my upgrade.xml") << d.toXml()
                                << int(FileType::FirmwareUpgradeImage) << QStringLiteral("6.49.10")
                                << QStringLiteral("upgrade_6.49.10_mipsbe.xml")
                                << QStringLiteral("not safe");
    QTest::newRow("alter script") << QStringLiteral("dns.alter")
                                  << QByteArray("/ip dns set servers=127.0.0.1\n")
                                  << int(FileType::VendorConfigurationFile) << QString()
                                  << QStringLiteral("dns.alter") << QString();
    QTest::newRow("unknown type") << QStringLiteral("tone.bin") << QByteArray("\x00\x01\x02", 3)
                                  << int(FileType::FirmwareUpgradeImage) << QString()
                                  << QStringLiteral("tone.bin")
                                  << QStringLiteral("could not be recognised");
}

void TestFileLibrary::inspectPrefills()
{
    QFETCH(QString, name);
    QFETCH(QByteArray, content);
    QFETCH(int, type);
    QFETCH(QString, version);
    QFETCH(QString, fileName);
    QFETCH(QString, warningMentions);
    FileLibrary library(m_folder, *m_catalog, *m_clock);
    const FileDraft draft = library.inspect(writeSource(name, content));
    QVERIFY2(draft.ok(), qPrintable(draft.errorString));
    QCOMPARE(int(draft.record.fileType), type);
    QCOMPARE(draft.record.version, version);
    QCOMPARE(draft.record.fileName, fileName);
    QCOMPARE(draft.record.size, qint64(content.size()));
    if (warningMentions.isEmpty())
        QVERIFY2(draft.warnings.isEmpty(), qPrintable(draft.warnings.join(u'\n')));
    else
        QVERIFY2(draft.warnings.join(u'\n').contains(warningMentions),
                 qPrintable(draft.warnings.join(u'\n')));
}

void TestFileLibrary::refusesBadInput_data()
{
    QTest::addColumn<QString>("sourceName"); // empty: the source does not exist
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("targetName");
    QTest::addColumn<int>("type");
    QTest::addColumn<Error>("error");
    QTest::addColumn<QString>("mentions");

    const int fw = int(FileType::FirmwareUpgradeImage);
    QTest::newRow("empty file") << QStringLiteral("empty.rsc") << QByteArray()
                                << QStringLiteral("empty.rsc")
                                << int(FileType::VendorConfigurationFile) << Error::EmptyFile
                                << QStringLiteral("empty.rsc is empty (0 bytes)");
    QTest::newRow("text file named .npk")
        << QStringLiteral("routeros.npk") << QByteArray("<html>404 Not Found</html>")
        << QStringLiteral("routeros.npk") << fw << Error::NotAPackage
        << QStringLiteral("routeros.npk is not a usable MikroTik package");
    QTest::newRow("truncated package")
        << QStringLiteral("ppp-6.48.4.npk")
        << NpkWriter::build(package("ppp", "6.48.4", "i386")).left(5000)
        << QStringLiteral("ppp-6.48.4.npk") << fw << Error::NotAPackage
        << QStringLiteral("truncated");
    QTest::newRow("broken descriptor")
        << QStringLiteral("upgrade.xml") << QByteArray("<upgrade version=\"1\" type=\"links\">")
        << QStringLiteral("upgrade.xml") << fw << Error::BadDescriptor
        << QStringLiteral("upgrade.xml, line");
    QTest::newRow("unsafe name") << QStringLiteral("ok.rsc") << QByteArray("/system identity")
                                 << QStringLiteral("my config#2.rsc")
                                 << int(FileType::VendorConfigurationFile) << Error::UnsafeName
                                 << QStringLiteral("my_config_2.rsc");
    QTest::newRow("missing source") << QString() << QByteArray() << QStringLiteral("gone.rsc")
                                    << int(FileType::VendorConfigurationFile) << Error::Unreadable
                                    << QStringLiteral("does not exist");
}

void TestFileLibrary::refusesBadInput()
{
    QFETCH(QString, sourceName);
    QFETCH(QByteArray, content);
    QFETCH(QString, targetName);
    QFETCH(int, type);
    QFETCH(Error, error);
    QFETCH(QString, mentions);
    const QString source = sourceName.isEmpty() ? QDir(m_sources).filePath(QStringLiteral("gone"))
                                                : writeSource(sourceName, content);
    FileLibrary library(m_folder, *m_catalog, *m_clock);
    const ImportResult r =
        runImport(library, requestFor(source, targetName, static_cast<FileType>(type)));
    QCOMPARE(r.error, error);
    QVERIFY2(r.errorString.contains(mentions), qPrintable(r.errorString));
    QVERIFY(library.records().isEmpty());
    QVERIFY(m_catalog->records().isEmpty());
    QVERIFY(folderEntries(m_folder).isEmpty());
    if (!sourceName.isEmpty()) {
        // The upload dialog hears about the same problems before anything is copied (an
        // unsafe target name is not the file's fault: inspect proposes a safe one instead).
        const FileDraft draft = library.inspect(source);
        QCOMPARE(draft.ok(), error == Error::UnsafeName);
    }
}

void TestFileLibrary::duplicateNameWarnsAndReplaceWorks()
{
    FileLibrary library(m_folder, *m_catalog, *m_clock);
    QSignalSpy changed(&library, &FileLibrary::recordChanged);
    const QString first = writeSource(QStringLiteral("a.rsc"), QByteArray("/ip address print"));
    const ImportResult one = runImport(library, requestFor(first, QStringLiteral("config.rsc"),
                                                           FileType::VendorConfigurationFile));
    QVERIFY2(one.ok(), qPrintable(one.errorString));

    const NameCheck check = library.checkName(QStringLiteral("config.rsc"));
    QVERIFY(check.duplicate);
    QVERIFY(!check.usable());
    QCOMPARE(check.suggestion, QStringLiteral("config-2.rsc"));
    QVERIFY(check.duplicateWarning.contains(QLatin1String("GenieACS keeps one file per name")));
    QVERIFY(!library.checkName(QStringLiteral("config.rsc"), one.record.id).duplicate);

    // A second file under the same name is refused with GenieACS's overwrite explained...
    m_clock->advance(60000);
    const QString second = writeSource(QStringLiteral("b.rsc"), QByteArray("/ip route print"));
    ImportRequest again =
        requestFor(second, QStringLiteral("config.rsc"), FileType::VendorConfigurationFile);
    const ImportResult refused = runImport(library, again);
    QCOMPARE(refused.error, Error::DuplicateName);
    QVERIFY2(refused.errorString.contains(QLatin1String("would overwrite it")),
             qPrintable(refused.errorString));
    QVERIFY(refused.errorString.contains(QLatin1String("config-2.rsc")));

    // ...and replaces the old one when asked to, keeping its id and batches.
    FileRecord used = *library.record(one.record.id);
    used.publishedTo = PublishTarget::GenieAcs | PublishTarget::BuiltInServer;
    library.updateRecord(used);
    QTRY_COMPARE(changed.size(), 1);
    again.replaceExisting = true;
    const ImportResult replaced = runImport(library, again);
    QVERIFY2(replaced.ok(), qPrintable(replaced.errorString));
    QCOMPARE(replaced.record.id, one.record.id);
    QCOMPARE(replaced.record.uploadedAt, kNow.addSecs(60));
    QVERIFY(replaced.record.sha256 != one.record.sha256);
    QCOMPARE(replaced.record.publishedTo, PublishTargets(PublishTarget::BuiltInServer));
    QVERIFY(replaced.warnings.join(u' ').contains(QLatin1String("publish it to GenieACS again")));
    QCOMPARE(changed.size(), 2);
    QCOMPARE(library.records().size(), 1);
    QFile stored(replaced.record.storedPath);
    QVERIFY(stored.open(QIODevice::ReadOnly));
    QCOMPARE(stored.readAll(), QByteArray("/ip route print"));
    QCOMPARE(folderEntries(m_folder), QStringList{QStringLiteral("config.rsc")});

    // A file that batches use cannot be replaced.
    FileRecord inBatch = *library.record(one.record.id);
    inBatch.batchIds = {7};
    library.updateRecord(inBatch);
    QTRY_COMPARE(changed.size(), 3);
    const ImportResult inUse = runImport(library, again);
    QCOMPARE(inUse.error, Error::FileInUse);
}

void TestFileLibrary::sourceVanishesMidCopy()
{
    const QString source = writeSource(QStringLiteral("big.rsc"), QByteArray(3 * 1024 * 1024, '#'));
    FileLibrary library(m_folder, *m_catalog, *m_clock, nullptr, [](const QString &path) {
        return std::unique_ptr<QIODevice>(new VanishingFile(path));
    });
    QSignalSpy added(&library, &FileLibrary::recordAdded);
    const ImportResult r = runImport(
        library, requestFor(source, QStringLiteral("big.rsc"), FileType::VendorConfigurationFile));
    QCOMPARE(r.error, Error::CopyFailed);
    QVERIFY2(r.errorString.contains(QLatin1String("changed while it was read")),
             qPrintable(r.errorString));
    QVERIFY(r.errorString.contains(QLatin1String("Nothing was stored")));
    QVERIFY(!QFile::exists(source));
    QCOMPARE(folderEntries(m_folder), QStringList()); // never a half-written file
    QVERIFY(m_catalog->records().isEmpty());
    QCOMPARE(added.size(), 0);
    QVERIFY(!library.checkName(QStringLiteral("big.rsc")).duplicate); // the name is free again
}

void TestFileLibrary::libraryFolderNotWritable_data()
{
    QTest::addColumn<bool>("folderIsAFile");
    QTest::newRow("folder is a file") << true;
    QTest::newRow("read-only folder") << false;
}

void TestFileLibrary::libraryFolderNotWritable()
{
    QFETCH(bool, folderIsAFile);
    if (folderIsAFile) {
        QFile f(m_folder);
        QVERIFY(f.open(QIODevice::WriteOnly));
    } else {
        QVERIFY(QDir().mkpath(m_folder));
        QVERIFY(QFile::setPermissions(m_folder, QFileDevice::ReadOwner | QFileDevice::ExeOwner));
        QFile probe(QDir(m_folder).filePath(QStringLiteral("probe")));
        if (probe.open(QIODevice::WriteOnly)) {
            probe.remove();
            QSKIP("Running with privileges that ignore folder permissions (root).");
        }
    }
    const QString source = writeSource(QStringLiteral("x.rsc"), QByteArray("/system reboot"));
    FileLibrary library(m_folder, *m_catalog, *m_clock);
    const ImportResult r = runImport(
        library, requestFor(source, QStringLiteral("x.rsc"), FileType::VendorConfigurationFile));
    QCOMPARE(r.error, Error::LibraryNotWritable);
    QVERIFY2(r.errorString.contains(m_folder), qPrintable(r.errorString));
    QVERIFY(m_catalog->records().isEmpty());
}

void TestFileLibrary::cancelLeavesNothing()
{
    const QString source = QDir(m_sources).filePath(QStringLiteral("huge.bin"));
    {
        QFile f(source);
        QVERIFY(f.open(QIODevice::WriteOnly));
        if (!f.resize(qint64(1) << 31))
            QSKIP("The file system does not allow a 2 GiB sparse file.");
    }
    FileLibrary library(m_folder, *m_catalog, *m_clock);
    ImportJob *job =
        library.importFile(requestFor(source, QStringLiteral("huge.bin"), FileType::WebContent));
    QSignalSpy progress(job, &ImportJob::progress);
    QSignalSpy finished(job, &ImportJob::finished);
    QVERIFY(progress.wait(30000));
    QCOMPARE(progress.first().at(1).toLongLong(), qint64(1) << 31);
    job->cancel();
    QVERIFY(finished.wait(30000));
    const auto r = finished.first().first().value<ImportResult>();
    QCOMPARE(r.error, Error::Cancelled);
    QCOMPARE(folderEntries(m_folder), QStringList());
    QVERIFY(m_catalog->records().isEmpty());
}

void TestFileLibrary::deletingJobOrLibraryMidCopyLeavesNothing_data()
{
    QTest::addColumn<bool>("deleteLibrary");
    QTest::newRow("job deleted") << false;
    QTest::newRow("library deleted") << true;
}

void TestFileLibrary::deletingJobOrLibraryMidCopyLeavesNothing()
{
    QFETCH(bool, deleteLibrary);
    const QString source = QDir(m_sources).filePath(QStringLiteral("huge.bin"));
    {
        QFile f(source);
        QVERIFY(f.open(QIODevice::WriteOnly));
        if (!f.resize(qint64(1) << 31))
            QSKIP("The file system does not allow a 2 GiB sparse file.");
    }
    QThreadPool pool;
    auto library = std::make_unique<FileLibrary>(m_folder, *m_catalog, *m_clock, nullptr,
                                                 FileLibrary::SourceOpener(), &pool);
    QPointer<ImportJob> job =
        library->importFile(requestFor(source, QStringLiteral("huge.bin"), FileType::WebContent));
    QSignalSpy progress(job.data(), &ImportJob::progress);
    QVERIFY(progress.wait(30000));
    if (deleteLibrary)
        library.reset(); // deletes the job too
    else
        delete job.data();
    QVERIFY(job.isNull());
    QVERIFY(pool.waitForDone(60000));
    QCoreApplication::processEvents(); // the worker's last message, if any
    QCOMPARE(folderEntries(m_folder), QStringList());
    QVERIFY(m_catalog->records().isEmpty());
    if (library)
        QVERIFY(!library->checkName(QStringLiteral("huge.bin")).duplicate); // name released
}

void TestFileLibrary::catalogFailureLeavesNothing()
{
    FileLibrary library(m_folder, *m_catalog, *m_clock);
    m_catalog->failNextWrite(QStringLiteral("database is locked"));
    const QString source = writeSource(QStringLiteral("c.rsc"), QByteArray("/ip dns print"));
    const ImportResult r = runImport(
        library, requestFor(source, QStringLiteral("c.rsc"), FileType::VendorConfigurationFile));
    QCOMPARE(r.error, Error::CatalogFailed);
    QVERIFY(r.errorString.contains(QLatin1String("database is locked")));
    QCOMPARE(folderEntries(m_folder), QStringList());
    QVERIFY(library.records().isEmpty());
}

void TestFileLibrary::failedRenameRollsBackTheCatalog()
{
    // Something that is not a library file blocks the final name (here a folder).
    QVERIFY(QDir().mkpath(QDir(m_folder).filePath(QStringLiteral("blocked.rsc"))));
    FileLibrary library(m_folder, *m_catalog, *m_clock);
    const QString source = writeSource(QStringLiteral("b.rsc"), QByteArray("/ip dns print"));
    const ImportResult r = runImport(library, requestFor(source, QStringLiteral("blocked.rsc"),
                                                         FileType::VendorConfigurationFile));
    QCOMPARE(r.error, Error::CopyFailed);
    QVERIFY2(r.errorString.contains(QLatin1String("could not be moved into place")),
             qPrintable(r.errorString));
    QVERIFY(m_catalog->records().isEmpty());
    QVERIFY(library.records().isEmpty());
    QCOMPARE(folderEntries(m_folder), QStringList());
}

void TestFileLibrary::filesForFiltersByOuiAndProductClass()
{
    FileLibrary library(m_folder, *m_catalog, *m_clock);
    struct Row
    {
        const char *name;
        const char *oui;
        const char *productClass;
        FileType type;
    };
    const Row rows[] = {
        {"exact.xml", "E48D8C", "RB2011iL", FileType::FirmwareUpgradeImage},
        {"any.alter", "", "", FileType::VendorConfigurationFile},
        {"vendor.xml", "E48D8C", "", FileType::FirmwareUpgradeImage},
        {"other-class.xml", "E48D8C", "hAP ac2", FileType::FirmwareUpgradeImage},
        {"other-vendor.xml", "001122", "RB2011iL", FileType::FirmwareUpgradeImage},
    };
    for (const Row &row : rows) {
        const QString name = QLatin1String(row.name);
        QByteArray content = "/system identity print";
        if (row.type == FileType::FirmwareUpgradeImage) {
            UpgradeDescriptor d;
            d.links << UpgradeDescriptor::linkFor(QUrl(QStringLiteral("https://127.0.0.1/")),
                                                  QStringLiteral("routeros-7.12.1-arm.npk"));
            content = d.toXml();
        }
        ImportRequest req = requestFor(writeSource(name, content), name, row.type);
        req.metadata.oui = QLatin1String(row.oui);
        req.metadata.productClass = QLatin1String(row.productClass);
        const ImportResult r = runImport(library, req);
        QVERIFY2(r.ok(), qPrintable(r.errorString));
    }
    auto names = [](const QList<FileRecord> &records) {
        QStringList out;
        for (const FileRecord &r : records)
            out << r.fileName;
        return out;
    };
    QCOMPARE(names(library.filesFor(QStringLiteral("e48d8c"), QStringLiteral("rb2011il"))),
             QStringList({QStringLiteral("any.alter"), QStringLiteral("exact.xml"),
                          QStringLiteral("vendor.xml")}));
    QCOMPARE(names(library.filesFor(QStringLiteral("E48D8C"), QStringLiteral("RB2011iL"),
                                    FileType::FirmwareUpgradeImage)),
             QStringList({QStringLiteral("exact.xml"), QStringLiteral("vendor.xml")}));
    QCOMPARE(names(library.filesFor(QStringLiteral("001122"), QStringLiteral("X"))),
             QStringList({QStringLiteral("any.alter")}));
    // Descriptors carry the architecture and version of their system package.
    const FileRecord exact = *library.recordByName(QStringLiteral("exact.xml"));
    QCOMPARE(exact.architecture, QStringLiteral("arm"));
    QCOMPARE(exact.version, QStringLiteral("7.12.1"));
    QCOMPARE(names(library.filesFor(QStringLiteral("E48D8C"), QStringLiteral("RB2011iL"),
                                    std::nullopt, QStringLiteral("ARM"))),
             QStringList({QStringLiteral("any.alter"), QStringLiteral("exact.xml"),
                          QStringLiteral("vendor.xml")}));
    QCOMPARE(names(library.filesFor(QStringLiteral("E48D8C"), QStringLiteral("RB2011iL"),
                                    std::nullopt, QStringLiteral("mipsbe"))),
             QStringList({QStringLiteral("any.alter")}));
}

void TestFileLibrary::updateAndRemove()
{
    FileLibrary library(m_folder, *m_catalog, *m_clock);
    QSignalSpy changed(&library, &FileLibrary::recordChanged);
    QSignalSpy removed(&library, &FileLibrary::recordRemoved);
    QSignalSpy failed(&library, &FileLibrary::operationFailed);
    const ImportResult r = runImport(
        library, requestFor(writeSource(QStringLiteral("r.alter"), QByteArray("/ip dns set")),
                            QStringLiteral("r.alter"), FileType::VendorConfigurationFile));
    QVERIFY2(r.ok(), qPrintable(r.errorString));

    library.markPublished(r.record.id, PublishTarget::BuiltInServer,
                          QUrl(QStringLiteral("https://127.0.0.1:7567/r.alter")));
    QTRY_COMPARE(changed.size(), 1);
    QCOMPARE(library.record(r.record.id)->publishedUrl.toString(),
             QStringLiteral("https://127.0.0.1:7567/r.alter"));
    QCOMPARE(m_catalog->records().first().publishedTo,
             PublishTargets(PublishTarget::BuiltInServer));

    FileRecord renamed = *library.record(r.record.id);
    renamed.fileName = QStringLiteral("s.alter");
    library.updateRecord(renamed);
    QTRY_COMPARE(failed.size(), 1);
    QVERIFY(failed.last().first().toString().contains(QLatin1String("cannot be renamed")));

    FileRecord used = *library.record(r.record.id);
    used.batchIds = {1, 2};
    library.updateRecord(used);
    QTRY_COMPARE(changed.size(), 2);
    library.removeFile(r.record.id);
    QTRY_COMPARE(failed.size(), 2);
    QVERIFY(failed.last().first().toString().contains(QLatin1String("2 upgrade batch")));
    QVERIFY(QFile::exists(r.record.storedPath));

    used.batchIds.clear();
    library.updateRecord(used);
    QTRY_COMPARE(changed.size(), 3);
    library.removeFile(r.record.id);
    QTRY_COMPARE(removed.size(), 1);
    QCOMPARE(removed.first().first().toLongLong(), r.record.id);
    QVERIFY(!QFile::exists(r.record.storedPath));
    QVERIFY(library.records().isEmpty());
    QVERIFY(m_catalog->records().isEmpty());
}

void TestFileLibrary::loadDropsInterruptedImports()
{
    QVERIFY(QDir().mkpath(m_folder));
    FileRecord known;
    known.fileName = QStringLiteral("kept.rsc");
    known.fileType = FileType::VendorConfigurationFile;
    known.storedPath = QDir(m_folder).filePath(known.fileName);
    QVERIFY(m_catalog->insert(known).result().ok);
    QFile kept(known.storedPath);
    QVERIFY(kept.open(QIODevice::WriteOnly));
    kept.close();
    QFile stale(QDir(m_folder).filePath(QStringLiteral(".import-1234-half.npk")));
    QVERIFY(stale.open(QIODevice::WriteOnly));
    stale.write("partial");
    stale.close();

    FileLibrary library(m_folder, *m_catalog, *m_clock);
    QSignalSpy loaded(&library, &FileLibrary::loaded);
    library.load();
    QTRY_COMPARE(loaded.size(), 1);
    QVERIFY(library.isLoaded());
    QVERIFY(library.loadError().isEmpty());
    QCOMPARE(library.records().size(), 1);
    QCOMPARE(library.records().first().fileName, QStringLiteral("kept.rsc"));
    QCOMPARE(folderEntries(m_folder), QStringList{QStringLiteral("kept.rsc")});
}

void TestFileLibrary::importFromMemoryIsValidated_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<Error>("error");
    QTest::newRow("empty") << QStringLiteral("upgrade_7.1_arm.xml") << QByteArray()
                           << Error::EmptyFile;
    QTest::newRow("broken xml") << QStringLiteral("upgrade_7.1_arm.xml") << QByteArray("<upgrade")
                                << Error::BadDescriptor;
    QTest::newRow("fake package") << QStringLiteral("routeros-7.1-arm.npk")
                                  << QByteArray("not a package") << Error::NotAPackage;
}

void TestFileLibrary::importFromMemoryIsValidated()
{
    QFETCH(QString, name);
    QFETCH(QByteArray, content);
    QFETCH(Error, error);
    FileLibrary library(m_folder, *m_catalog, *m_clock);
    ImportRequest req = requestFor(QString(), name);
    req.content = content;
    const ImportResult r = runImport(library, req);
    QCOMPARE(r.error, error);
    QVERIFY2(r.errorString.contains(name), qPrintable(r.errorString));
    QVERIFY(folderEntries(m_folder).isEmpty());
}

void TestFileLibrary::descriptorFromLibraryPackages()
{
    FileLibrary library(m_folder, *m_catalog, *m_clock);
    QList<qint64> ids;
    for (const auto &spec :
         {package("system", "7.12.1", "arm64"), package("tr069-client", "7.12.1", "arm64")}) {
        NpkInfo info;
        info.name = spec.name;
        info.version = spec.version;
        info.npkArchitecture = spec.npkArchitecture;
        const QString name = info.canonicalFileName();
        const ImportResult r =
            runImport(library, requestFor(writeSource(name, NpkWriter::build(spec)), name));
        QVERIFY2(r.ok(), qPrintable(r.errorString));
        ids << r.record.id;
    }
    const QUrl base(QStringLiteral("https://127.0.0.1:7567/"));
    const QList<DescriptorPackage> packages = library.descriptorPackages(ids, base);
    QCOMPARE(packages.size(), 2);
    QVERIFY(DescriptorValidator::validate(packages).isEmpty());
    const QString descriptorName = DescriptorValidator::descriptorFileName(packages);
    QCOMPARE(descriptorName, QStringLiteral("upgrade_7.12.1_arm64.xml"));
    const UpgradeDescriptor d = DescriptorValidator::build(packages);

    // Published like any file: into the library (straight from memory), then read back and
    // matched to the packages.
    ImportRequest save = requestFor(QString(), descriptorName);
    save.content = d.toXml();
    save.metadata.version = QStringLiteral("7.12.1");
    const ImportResult xml = runImport(library, save);
    QVERIFY2(xml.ok(), qPrintable(xml.errorString));
    const DescriptorParseResult parsed = UpgradeDescriptor::readFile(xml.record.storedPath);
    QVERIFY2(parsed.ok(), qPrintable(parsed.errorString));
    const QList<DescriptorPackage> back = library.packagesForDescriptor(parsed.descriptor);
    QCOMPARE(back.size(), 2);
    for (const DescriptorPackage &p : back) {
        QCOMPARE(p.origin, DescriptorPackage::Origin::NpkHeader);
        QVERIFY(p.expectedSize > 0);
    }
    QVERIFY(DescriptorValidator::validate(back).isEmpty());
    QCOMPARE(xml.record.size, qint64(d.toXml().size()));
    QCOMPARE(xml.record.fileType, FileType::FirmwareUpgradeImage);
    const FileDraft draft = library.inspect(xml.record.storedPath);
    QCOMPARE(draft.record.version, QStringLiteral("7.12.1"));
    QVERIFY(draft.warnings.join(u' ').contains(QLatin1String("already in the library")));
}

QTEST_GUILESS_MAIN(TestFileLibrary)
#include "tst_filelibrary.moc"
