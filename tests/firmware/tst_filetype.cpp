#include "firmware/filetype.h"

#include <QTest>

using fwd::firmware::FileType;

Q_DECLARE_METATYPE(std::optional<FileType>)

class TestFileType final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void wireStrings_data();
    void wireStrings();
    void unknownWireStringIsRejected();
    void displayNamesAreDistinct();
    void guess_data();
    void guess();
};

void TestFileType::wireStrings_data()
{
    QTest::addColumn<FileType>("type");
    QTest::addColumn<QString>("wire");
    QTest::newRow("1") << FileType::FirmwareUpgradeImage
                       << QStringLiteral("1 Firmware Upgrade Image");
    QTest::newRow("2") << FileType::WebContent << QStringLiteral("2 Web Content");
    QTest::newRow("3") << FileType::VendorConfigurationFile
                       << QStringLiteral("3 Vendor Configuration File");
    QTest::newRow("4") << FileType::ToneFile << QStringLiteral("4 Tone File");
    QTest::newRow("5") << FileType::RingerFile << QStringLiteral("5 Ringer File");
    QTest::newRow("X") << FileType::MikrotikFactoryConfigurationFile
                       << QStringLiteral("X MIKROTIK Factory Configuration File");
}

void TestFileType::wireStrings()
{
    QFETCH(FileType, type);
    QFETCH(QString, wire);
    QCOMPARE(fwd::firmware::fileTypeWireString(type), wire);
    QCOMPARE(fwd::firmware::fileTypeFromWireString(wire), std::optional<FileType>(type));
    QVERIFY(fwd::firmware::allFileTypes().contains(type));
}

void TestFileType::unknownWireStringIsRejected()
{
    QCOMPARE(fwd::firmware::allFileTypes().size(), 6);
    QVERIFY(!fwd::firmware::fileTypeFromWireString(QStringLiteral("6 Stored Firmware Image")));
    QVERIFY(!fwd::firmware::fileTypeFromWireString(QString()));
    // The guide's spelling of the vendor part is accepted and mapped to the wire spelling.
    QCOMPARE(fwd::firmware::fileTypeFromWireString(
                 QStringLiteral("X Mikrotik Factory Configuration File")),
             std::optional<FileType>(FileType::MikrotikFactoryConfigurationFile));
}

void TestFileType::displayNamesAreDistinct()
{
    QStringList names;
    for (FileType t : fwd::firmware::allFileTypes()) {
        const QString n = fwd::firmware::fileTypeDisplayName(t);
        QVERIFY(!n.isEmpty());
        QVERIFY(!names.contains(n));
        QVERIFY(!fwd::firmware::fileTypeDescription(t).isEmpty());
        names << n;
    }
}

void TestFileType::guess_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<std::optional<FileType>>("expected");
    const auto fw = std::optional<FileType>(FileType::FirmwareUpgradeImage);
    const auto cfg = std::optional<FileType>(FileType::VendorConfigurationFile);
    QTest::newRow("npk by name") << QStringLiteral("routeros-x86-6.48.4.npk") << QByteArray() << fw;
    QTest::newRow("npk by magic") << QStringLiteral("download.bin")
                                  << QByteArray("\x1e\xf1\xd0\xba\x10\x00\x00\x00", 8) << fw;
    QTest::newRow("descriptor") << QStringLiteral("upgrade_6.48.4_x86.xml")
                                << QByteArray("<upgrade version=\"1\" type=\"links\">\n<config/>")
                                << fw;
    QTest::newRow("descriptor with declaration")
        << QStringLiteral("u.xml")
        << QByteArray("<?xml version=\"1.0\"?>\n<upgrade version=\"1\" type=\"links\">") << fw;
    QTest::newRow("other xml") << QStringLiteral("data.xml") << QByteArray("<config/>")
                               << std::optional<FileType>();
    QTest::newRow("alter") << QStringLiteral("dns.alter") << QByteArray("/ip dns set") << cfg;
    QTest::newRow("rsc") << QStringLiteral("Export.RSC") << QByteArray() << cfg;
    QTest::newRow("script without extension")
        << QStringLiteral("config") << QByteArray("# dec/01/2026 by RouterOS 6.48.4\n/ip address")
        << cfg;
    QTest::newRow("html") << QStringLiteral("index.html") << QByteArray("<html>")
                          << std::optional<FileType>(FileType::WebContent);
    QTest::newRow("unknown binary")
        << QStringLiteral("tone.bin") << QByteArray("\x00\x01", 2) << std::optional<FileType>();
    QTest::newRow("empty") << QString() << QByteArray() << std::optional<FileType>();
}

void TestFileType::guess()
{
    QFETCH(QString, name);
    QFETCH(QByteArray, head);
    QFETCH(std::optional<FileType>, expected);
    QCOMPARE(fwd::firmware::guessFileType(name, head), expected);
}

QTEST_GUILESS_MAIN(TestFileType)
#include "tst_filetype.moc"
