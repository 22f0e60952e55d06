#include "core/clock.h"
#include "firmware/filecatalog.h"
#include "firmware/filelibrary.h"
#include "models/filesfiltermodel.h"
#include "models/filesmodel.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QLocale>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace fwd;
using firmware::FileRecord;
using firmware::FileType;
using models::FilesFilterModel;
using models::FilesModel;

class TestFilesModel final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void showsTheGuideColumns();
    void followsTheLibraryRowByRow();
    void filters_data();
    void filters();
    void sortsOnRawValues_data();
    void sortsOnRawValues();
    void formatsSizes_data();
    void formatsSizes();

private:
    FileRecord record(const QString &name, FileType type, const QString &oui, qint64 size) const;
    void seed();

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ManualClock> m_clock;
    std::unique_ptr<firmware::InMemoryFileCatalog> m_catalog;
    std::unique_ptr<firmware::FileLibrary> m_library;
};

FileRecord TestFilesModel::record(const QString &name, FileType type, const QString &oui,
                                  qint64 size) const
{
    FileRecord r;
    r.fileName = name;
    r.fileType = type;
    r.oui = oui;
    r.productClass = oui.isEmpty() ? QString() : QStringLiteral("CHR");
    r.version = QStringLiteral("6.48.4");
    r.size = size;
    r.sha256 = QString(64, QLatin1Char('a'));
    r.uploadedAt = m_clock->now();
    r.storedPath = m_dir->filePath(name);
    return r;
}

void TestFilesModel::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_clock = std::make_unique<ManualClock>(QDateTime(QDate(2026, 12, 1), QTime(8, 0), Qt::UTC));
    m_catalog = std::make_unique<firmware::InMemoryFileCatalog>();
    QLocale::setDefault(QLocale::c());
}

void TestFilesModel::cleanup()
{
    m_library.reset();
    m_catalog.reset();
}

void TestFilesModel::seed()
{
    FileRecord used = record(QStringLiteral("upgrade_6.48.4_x86.xml"),
                             FileType::FirmwareUpgradeImage, QStringLiteral("E48D8C"), 1423);
    used.batchIds = {7, 9};
    used.publishedTo = firmware::PublishTarget::BuiltInServer | firmware::PublishTarget::GenieAcs;
    used.publishedUrl = QUrl(QStringLiteral("https://fw.example:7567/upgrade_6.48.4_x86.xml"));
    for (const FileRecord &r :
         {record(QStringLiteral("routeros-x86-6.48.4.npk"), FileType::FirmwareUpgradeImage,
                 QStringLiteral("E48D8C"), 12 * 1024 * 1024),
          record(QStringLiteral("tr069-client-6.48.4.npk"), FileType::FirmwareUpgradeImage,
                 QStringLiteral("E48D8C"), 398),
          used,
          record(QStringLiteral("factory.rsc"), FileType::MikrotikFactoryConfigurationFile,
                 QString(), 2048),
          record(QStringLiteral("voice.tone"), FileType::ToneFile, QStringLiteral("00D0F8"),
                 100)}) {
        m_catalog->insert(r).waitForFinished();
    }
    m_library = std::make_unique<firmware::FileLibrary>(m_dir->filePath(QStringLiteral("lib")),
                                                        *m_catalog, *m_clock);
    QSignalSpy loaded(m_library.get(), &firmware::FileLibrary::loaded);
    m_library->load();
    QTRY_COMPARE(loaded.size(), 1);
}

void TestFilesModel::showsTheGuideColumns()
{
    seed();
    FilesModel model(*m_library);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 5);
    QCOMPARE(model.columnCount(), int(FilesModel::ColumnCount));
    const QStringList headers = {QStringLiteral("Name"),         QStringLiteral("Type"),
                                 QStringLiteral("OUI (Vendor)"), QStringLiteral("Product Class"),
                                 QStringLiteral("Version"),      QStringLiteral("Size"),
                                 QStringLiteral("SHA-256"),      QStringLiteral("Published"),
                                 QStringLiteral("Used by")};
    for (int c = 0; c < headers.size(); ++c)
        QCOMPARE(model.headerData(c, Qt::Horizontal, Qt::DisplayRole).toString(), headers.at(c));

    const int row =
        model.rowOf(m_library->recordByName(QStringLiteral("upgrade_6.48.4_x86.xml"))->id);
    QVERIFY(row >= 0);
    auto text = [&](int column) {
        return model.index(row, column).data().toString();
    };
    QCOMPARE(text(FilesModel::Type), QStringLiteral("1 Firmware Upgrade Image"));
    QCOMPARE(text(FilesModel::Oui), QStringLiteral("E48D8C (MikroTik)"));
    QCOMPARE(text(FilesModel::ProductClass), QStringLiteral("CHR"));
    QCOMPARE(text(FilesModel::Size), QStringLiteral("1.39 KB"));
    QCOMPARE(text(FilesModel::Published), QStringLiteral("Both"));
    QCOMPARE(text(FilesModel::UsedBy), QStringLiteral("2 batch(es): #7, #9"));
    QCOMPARE(model.index(row, FilesModel::Sha256).data(Qt::ToolTipRole).toString(),
             QString(64, QLatin1Char('a')));
    QCOMPARE(model.index(row, FilesModel::Published).data(Qt::ToolTipRole).toString(),
             QStringLiteral("https://fw.example:7567/upgrade_6.48.4_x86.xml"));

    const int factory = model.rowOf(m_library->recordByName(QStringLiteral("factory.rsc"))->id);
    QCOMPARE(model.index(factory, FilesModel::Type).data().toString(),
             firmware::fileTypeDisplayName(FileType::MikrotikFactoryConfigurationFile));
    QCOMPARE(model.index(factory, FilesModel::Oui).data().toString(), QStringLiteral("Any"));
    QCOMPARE(model.index(factory, FilesModel::Published).data().toString(),
             QStringLiteral("Not published"));
}

void TestFilesModel::followsTheLibraryRowByRow()
{
    seed();
    FilesModel model(*m_library);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);

    const QString source = m_dir->filePath(QStringLiteral("b.rsc"));
    {
        QFile f(source);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("/system identity set name=x\n");
    }
    firmware::ImportRequest request;
    request.sourcePath = source;
    request.metadata.fileName = QStringLiteral("b.rsc");
    request.metadata.fileType = FileType::VendorConfigurationFile;
    QSignalSpy finished(m_library->importFile(request), &firmware::ImportJob::finished);
    QVERIFY(finished.wait(10000));
    QVERIFY(finished.first().first().value<firmware::ImportResult>().ok());
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(model.rowCount(), 6);
    // Inserted in name order.
    QCOMPARE(model.index(0, FilesModel::Name).data().toString(), QStringLiteral("b.rsc"));

    const qint64 id = m_library->recordByName(QStringLiteral("b.rsc"))->id;
    m_library->markPublished(id, firmware::PublishTarget::BuiltInServer,
                             QUrl(QStringLiteral("https://fw.example:7567/b.rsc")));
    QTRY_VERIFY(!changed.isEmpty());
    QCOMPARE(model.index(model.rowOf(id), FilesModel::Published).data().toString(),
             QStringLiteral("Built-in server"));

    m_library->removeFile(id);
    QTRY_COMPARE(removed.size(), 1);
    QCOMPARE(model.rowCount(), 5);
    QCOMPARE(model.rowOf(id), -1);
    QCOMPARE(reset.size(), 0);
}

void TestFilesModel::filters_data()
{
    QTest::addColumn<int>("type"); // -1: all
    QTest::addColumn<QString>("oui");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("expected");
    QTest::newRow("no filter") << -1 << QString() << QString()
                               << QStringList{QStringLiteral("factory.rsc"),
                                              QStringLiteral("routeros-x86-6.48.4.npk"),
                                              QStringLiteral("tr069-client-6.48.4.npk"),
                                              QStringLiteral("upgrade_6.48.4_x86.xml"),
                                              QStringLiteral("voice.tone")};
    QTest::newRow("type: firmware") << int(FileType::FirmwareUpgradeImage) << QString() << QString()
                                    << QStringList{QStringLiteral("routeros-x86-6.48.4.npk"),
                                                   QStringLiteral("tr069-client-6.48.4.npk"),
                                                   QStringLiteral("upgrade_6.48.4_x86.xml")};
    QTest::newRow("type: tone") << int(FileType::ToneFile) << QString() << QString()
                                << QStringList{QStringLiteral("voice.tone")};
    QTest::newRow("OUI, any case")
        << -1 << QStringLiteral("00d0f8") << QString() << QStringList{QStringLiteral("voice.tone")};
    QTest::newRow("text in the name") << -1 << QString() << QStringLiteral("TR069")
                                      << QStringList{QStringLiteral("tr069-client-6.48.4.npk")};
    QTest::newRow("text in the used-by column")
        << -1 << QString() << QStringLiteral("#9")
        << QStringList{QStringLiteral("upgrade_6.48.4_x86.xml")};
    QTest::newRow("type and OUI, nothing")
        << int(FileType::ToneFile) << QStringLiteral("E48D8C") << QString() << QStringList{};
}

void TestFilesModel::filters()
{
    QFETCH(int, type);
    QFETCH(QString, oui);
    QFETCH(QString, text);
    QFETCH(QStringList, expected);
    seed();
    FilesModel model(*m_library);
    FilesFilterModel proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.setFileType(type < 0 ? std::nullopt : std::optional<FileType>(FileType(type)));
    proxy.setOui(oui);
    proxy.setText(text);
    proxy.sort(FilesModel::Name);
    QStringList names;
    for (int row = 0; row < proxy.rowCount(); ++row)
        names << proxy.index(row, FilesModel::Name).data().toString();
    QCOMPARE(names, expected);
}

void TestFilesModel::sortsOnRawValues_data()
{
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("first");
    QTest::addColumn<QString>("last");
    // 398 B < 1.39 KB < 2 KB < 12 MB: numbers, not the text.
    QTest::newRow("size") << int(FilesModel::Size) << QStringLiteral("voice.tone")
                          << QStringLiteral("routeros-x86-6.48.4.npk");
    QTest::newRow("type: guide order")
        << int(FilesModel::Type) << QStringLiteral("routeros-x86-6.48.4.npk")
        << QStringLiteral("factory.rsc");
    QTest::newRow("used by") << int(FilesModel::UsedBy) << QStringLiteral("factory.rsc")
                             << QStringLiteral("upgrade_6.48.4_x86.xml");
}

void TestFilesModel::sortsOnRawValues()
{
    QFETCH(int, column);
    QFETCH(QString, first);
    QFETCH(QString, last);
    seed();
    FilesModel model(*m_library);
    FilesFilterModel proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.sort(column, Qt::AscendingOrder);
    QCOMPARE(proxy.index(0, FilesModel::Name).data().toString(), first);
    QCOMPARE(proxy.index(proxy.rowCount() - 1, FilesModel::Name).data().toString(), last);
}

void TestFilesModel::formatsSizes_data()
{
    QTest::addColumn<qint64>("bytes");
    QTest::addColumn<QString>("text");
    QTest::newRow("bytes") << qint64(237) << QStringLiteral("237 B");
    QTest::newRow("kilobytes") << qint64(1423) << QStringLiteral("1.39 KB");
    QTest::newRow("megabytes") << qint64(12 * 1024 * 1024) << QStringLiteral("12.00 MB");
    QTest::newRow("gigabytes") << qint64(3) * 1024 * 1024 * 1024 << QStringLiteral("3.00 GB");
}

void TestFilesModel::formatsSizes()
{
    QFETCH(qint64, bytes);
    QFETCH(QString, text);
    QCOMPARE(FilesModel::formatSize(bytes), text);
}

QTEST_GUILESS_MAIN(TestFilesModel)
#include "tst_filesmodel.moc"
