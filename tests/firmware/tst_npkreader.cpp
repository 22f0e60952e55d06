#include "firmware/npkreader.h"
#include "firmware/npkwriter.h"

#include <QBuffer>
#include <QFile>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

using namespace fwd::firmware;

Q_DECLARE_METATYPE(NpkError)

namespace {

RouterOsVersion ver(const char *text)
{
    return *RouterOsVersion::fromString(QLatin1String(text));
}

NpkPackageSpec package(const char *name, const char *version, const char *arch)
{
    NpkPackageSpec p;
    p.name = QLatin1String(name);
    p.version = ver(version);
    p.npkArchitecture = QLatin1String(arch);
    p.dependsOnSystem = p.name != QLatin1String("system");
    return p;
}

NpkBundleSpec bundle(const char *arch, const char *npkArch, const char *version)
{
    NpkBundleSpec b;
    b.name = QStringLiteral("routeros-") + QLatin1String(arch);
    b.version = ver(version);
    b.npkArchitecture = QLatin1String(npkArch);
    for (const char *member : {"system", "ppp", "dhcp", "security", "wireless"})
        b.packages << package(member, version, npkArch);
    return b;
}

// Counts the bytes actually read, to prove the reader skips the file system part.
class CountingBuffer final : public QBuffer
{
public:
    qint64 bytesRead = 0;

protected:
    qint64 readData(char *data, qint64 maxSize) override
    {
        const qint64 n = QBuffer::readData(data, maxSize);
        if (n > 0)
            bytesRead += n;
        return n;
    }
};

void putLe32(QByteArray &b, qsizetype at, quint32 v)
{
    for (int i = 0; i < 4; ++i)
        b[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

} // namespace

class TestNpkReader final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void readsGeneratedPackages_data();
    void readsGeneratedPackages();
    void readsOnlyTheHeader();
    void rejectsBadInput_data();
    void rejectsBadInput();
    void unreadableFile();
    void digestDetectsCorruption();
    void writerRefusesBadSpecs();
    void everyTruncationIsRejected();
    void survivesRandomCorruption();

private:
    QTemporaryDir m_dir;
};

void TestNpkReader::initTestCase()
{
    QVERIFY(m_dir.isValid());
}

void TestNpkReader::readsGeneratedPackages_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("version");
    QTest::addColumn<QString>("npkArch");
    QTest::addColumn<QString>("arch");
    QTest::addColumn<QString>("channel");
    QTest::addColumn<bool>("isBundle");
    QTest::addColumn<bool>("isSystem");
    QTest::addColumn<QString>("canonicalName");
    QTest::addColumn<QStringList>("members");
    QTest::addColumn<QString>("dependency"); // "system 6.48.4-6.48.4" or empty

    const QStringList members = {QStringLiteral("system"), QStringLiteral("ppp"),
                                 QStringLiteral("dhcp"), QStringLiteral("security"),
                                 QStringLiteral("wireless")};
    QTest::newRow("v6 bundle x86")
        << NpkWriter::build(bundle("x86", "i386", "6.48.4")) << "routeros-x86"
        << "6.48.4"
        << "i386"
        << "x86"
        << "stable" << true << true << "routeros-x86-6.48.4.npk" << members << QString();
    QTest::newRow("v6 bundle mipsbe")
        << NpkWriter::build(bundle("mipsbe", "mips", "6.44")) << "routeros-mipsbe"
        << "6.44"
        << "mips"
        << "mipsbe"
        << "stable" << true << true << "routeros-mipsbe-6.44.npk" << members << QString();
    NpkBundleSpec wrapper;
    wrapper.name = QStringLiteral("routeros");
    wrapper.version = ver("7.20.1");
    wrapper.npkArchitecture = QStringLiteral("arm");
    wrapper.packages << package("system", "7.20.1", "arm");
    QTest::newRow("v7 routeros wrapper arm")
        << NpkWriter::build(wrapper) << "routeros"
        << "7.20.1"
        << "arm"
        << "arm"
        << "stable" << true << true << "routeros-7.20.1-arm.npk"
        << QStringList{QStringLiteral("system")} << QString();
    QTest::newRow("v6 extra x86") << NpkWriter::build(package("tr069-client", "6.48.4", "i386"))
                                  << "tr069-client"
                                  << "6.48.4"
                                  << "i386"
                                  << "x86"
                                  << "stable" << false << false << "tr069-client-6.48.4.npk"
                                  << QStringList() << "system 6.48.4-6.48.4";
    NpkPackageSpec gps = package("gps", "6.45.6", "arm");
    gps.signatureWithEdDsa = false; // 68-byte signature, as in 6.45.6
    gps.channel = QStringLiteral("long-term");
    QTest::newRow("v6 extra arm, old signature")
        << NpkWriter::build(gps) << "gps"
        << "6.45.6"
        << "arm"
        << "arm"
        << "long-term" << false << false << "gps-6.45.6-arm.npk" << QStringList()
        << "system 6.45.6-6.45.6";
    QTest::newRow("v6 system package mipsbe")
        << NpkWriter::build(package("system", "6.49.10", "mips")) << "system"
        << "6.49.10"
        << "mips"
        << "mipsbe"
        << "stable" << false << true << "system-6.49.10-mipsbe.npk" << QStringList() << QString();
    QTest::newRow("v7 main arm64")
        << NpkWriter::build(package("system", "7.12.1", "arm64")) << "system"
        << "7.12.1"
        << "arm64"
        << "arm64"
        << "stable" << false << true << "routeros-7.12.1-arm64.npk" << QStringList() << QString();
    NpkPackageSpec beta = package("system", "7.0beta1", "arm");
    beta.channel = QStringLiteral("development");
    QTest::newRow("v7 beta arm") << NpkWriter::build(beta) << "system"
                                 << "7.0beta1"
                                 << "arm"
                                 << "arm"
                                 << "development" << false << true << "routeros-7.0beta1-arm.npk"
                                 << QStringList() << QString();
    QTest::newRow("v7 main x86 rc")
        << NpkWriter::build(package("system", "7.22rc4", "i386")) << "system"
        << "7.22rc4"
        << "i386"
        << "x86"
        << "stable" << false << true << "routeros-7.22rc4.npk" << QStringList() << QString();
    QTest::newRow("v7 extra mipsbe")
        << NpkWriter::build(package("tr069-client", "7.12.1", "mips")) << "tr069-client"
        << "7.12.1"
        << "mips"
        << "mipsbe"
        << "stable" << false << false << "tr069-client-7.12.1-mipsbe.npk" << QStringList()
        << "system 7.12.1-7.12.1";
    NpkPackageSpec big = package("wifi-qcom", "7.20.6", "arm64");
    big.squashfsSize = 3 * 1024 * 1024 + 17;
    QTest::newRow("v7 extra arm64, 3 MiB")
        << NpkWriter::build(big) << "wifi-qcom"
        << "7.20.6"
        << "arm64"
        << "arm64"
        << "stable" << false << false << "wifi-qcom-7.20.6-arm64.npk" << QStringList()
        << "system 7.20.6-7.20.6";
}

void TestNpkReader::readsGeneratedPackages()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, name);
    QFETCH(QString, version);
    QFETCH(QString, npkArch);
    QFETCH(QString, arch);
    QFETCH(QString, channel);
    QFETCH(bool, isBundle);
    QFETCH(bool, isSystem);
    QFETCH(QString, canonicalName);
    QFETCH(QStringList, members);
    QFETCH(QString, dependency);

    QVERIFY(!bytes.isEmpty());
    // Real layout: magic, payload size = file size - 8, the squashfs on a 4 KiB boundary.
    QVERIFY(bytes.startsWith(NpkReader::magic()));
    const qsizetype squashfs = bytes.indexOf("hsqs");
    QVERIFY(squashfs > 0);
    QCOMPARE(squashfs % 4096, 0);

    // Through a real file, as the library reads it.
    const QString path = m_dir.filePath(canonicalName);
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QCOMPARE(f.write(bytes), bytes.size());
    }
    const NpkReadResult r = NpkReader::read(path);
    QVERIFY2(r.ok(), qPrintable(r.errorString));
    QCOMPARE(r.info.name, name);
    QCOMPARE(r.info.versionString(), version);
    QCOMPARE(r.info.npkArchitecture, npkArch);
    QCOMPARE(r.info.architecture(), arch);
    QCOMPARE(r.info.channel, channel);
    QCOMPARE(r.info.bundle, isBundle);
    QCOMPARE(r.info.isSystemPackage(), isSystem);
    QCOMPARE(r.info.canonicalFileName(), canonicalName);
    QCOMPARE(r.info.bundledPackages, members);
    QCOMPARE(r.info.fileSize, qint64(bytes.size()));
    QCOMPARE(r.info.buildTime, QDateTime::fromSecsSinceEpoch(1629269007, Qt::UTC));
    QVERIFY(!r.info.description.isEmpty());
    if (dependency.isEmpty()) {
        QVERIFY(r.info.dependencies.isEmpty());
    } else {
        QCOMPARE(r.info.dependencies.size(), 1);
        const NpkDependency &d = r.info.dependencies.first();
        QCOMPARE(d.packageName + u' ' + d.minimumVersion.toString() + u'-' +
                     d.maximumVersion.toString(),
                 dependency);
    }

    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QString why;
    QCOMPARE(NpkReader::verifyDigest(f, &why),
             isBundle ? NpkDigestCheck::NotChecked : NpkDigestCheck::Valid);
}

void TestNpkReader::readsOnlyTheHeader()
{
    NpkPackageSpec big = package("system", "7.20.6", "arm");
    big.squashfsSize = 8 * 1024 * 1024;
    CountingBuffer buffer;
    buffer.setData(NpkWriter::build(big));
    QVERIFY(buffer.open(QIODevice::ReadOnly));
    const NpkReadResult r = NpkReader::read(buffer, QStringLiteral("big.npk"));
    QVERIFY2(r.ok(), qPrintable(r.errorString));
    QCOMPARE(r.info.versionString(), QStringLiteral("7.20.6"));
    QVERIFY2(buffer.bytesRead < 16 * 1024, QByteArray::number(buffer.bytesRead).constData());
}

void TestNpkReader::rejectsBadInput_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<NpkError>("error");
    QTest::addColumn<QString>("mentions");

    const QByteArray good = NpkWriter::build(package("tr069-client", "6.48.4", "i386"));
    QVERIFY(good.size() > 4200);

    QTest::newRow("empty file") << QByteArray() << NpkError::Empty << QStringLiteral("empty");
    QTest::newRow("text file named .npk")
        << QByteArray("404 Not Found\n\nThe requested URL was not found.\n") << NpkError::NotNpk
        << QStringLiteral("text file that starts with \"404 Not Found");
    QTest::newRow("html error page") << QByteArray("<!DOCTYPE html><html><body>oops")
                                     << NpkError::NotNpk << QStringLiteral("XML or HTML");
    QTest::newRow("zip of all packages")
        << QByteArray("PK\x03\x04\x14\x00\x00\x00", 8) << NpkError::NotNpk << QStringLiteral("ZIP");
    QByteArray wrongMagic = good;
    wrongMagic[0] = '\0';
    QTest::newRow("wrong magic") << wrongMagic << NpkError::NotNpk << QStringLiteral("00 F1 D0 BA");
    QTest::newRow("only the magic") << NpkReader::magic() + QByteArray(1, '\0')
                                    << NpkError::Truncated << QStringLiteral("only 5 bytes");
    QTest::newRow("truncated download")
        << good.left(3000) << NpkError::SizeMismatch
        << QStringLiteral("is 3000 bytes long but its header announces %1").arg(good.size());
    QTest::newRow("trailing garbage") << good + QByteArray("junk") << NpkError::SizeMismatch
                                      << QStringLiteral("4 unexpected bytes");

    QByteArray cutHeader = NpkReader::magic() + QByteArray(4, '\0') + QByteArray("\x01\x00\x24", 3);
    putLe32(cutHeader, 4, 3);
    QTest::newRow("truncated part header")
        << cutHeader << NpkError::Truncated << QStringLiteral("ends inside the header of part 1");

    // Offsets: header 8, empty type-25 part 6, then the type-1 part header at 14.
    QByteArray overrun = good;
    putLe32(overrun, 16, 0x7fffffff);
    QTest::newRow("part length past the end")
        << overrun << NpkError::Truncated
        << QStringLiteral("part 2 (type 1) at offset 14 announces 2147483647 bytes");

    QByteArray badVersion = good;
    badVersion[14 + 6 + 17] = 'z';
    QTest::newRow("unknown release kind")
        << badVersion << NpkError::BadPart << QStringLiteral("are not a RouterOS version");

    QByteArray badName = good;
    badName[14 + 6] = '\0';
    QTest::newRow("empty package name")
        << badName << NpkError::BadPart << QStringLiteral("package name");

    QByteArray shortInfo = NpkReader::magic() + QByteArray(4, '\0') +
                           QByteArray("\x01\x00\x0a\x00\x00\x00", 6) +
                           QByteArray("system\0\0\0\0", 10);
    putLe32(shortInfo, 4, static_cast<quint32>(shortInfo.size() - 8));
    QTest::newRow("short part info")
        << shortInfo << NpkError::BadPart << QStringLiteral("is 10 bytes long");

    QByteArray noInfo =
        NpkReader::magic() + QByteArray(4, '\0') + QByteArray("\x02\x00\x05\x00\x00\x00hello", 11);
    putLe32(noInfo, 4, static_cast<quint32>(noInfo.size() - 8));
    QTest::newRow("no package info")
        << noInfo << NpkError::NoPackageInfo << QStringLiteral("no package-information part");
}

void TestNpkReader::rejectsBadInput()
{
    QFETCH(QByteArray, bytes);
    QFETCH(NpkError, error);
    QFETCH(QString, mentions);

    const QString path = m_dir.filePath(QStringLiteral("bad.npk"));
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        QCOMPARE(f.write(bytes), bytes.size());
    }
    const NpkReadResult r = NpkReader::read(path);
    QVERIFY(!r.ok());
    QCOMPARE(r.error, error);
    QVERIFY2(r.errorString.startsWith(QLatin1String("bad.npk ")), qPrintable(r.errorString));
    QVERIFY2(r.errorString.contains(mentions), qPrintable(r.errorString));
}

void TestNpkReader::unreadableFile()
{
    const NpkReadResult missing = NpkReader::read(m_dir.filePath(QStringLiteral("nope.npk")));
    QCOMPARE(missing.error, NpkError::Unreadable);
    QVERIFY2(missing.errorString.contains(QLatin1String("nope.npk cannot be read")),
             qPrintable(missing.errorString));

    QBuffer closed;
    const NpkReadResult notOpen = NpkReader::read(closed, QStringLiteral("closed.npk"));
    QCOMPARE(notOpen.error, NpkError::Unreadable);
}

void TestNpkReader::digestDetectsCorruption()
{
    QByteArray bytes = NpkWriter::build(package("ppp", "6.48.4", "mips"));
    const qsizetype squashfs = bytes.indexOf("hsqs");
    bytes[squashfs + 100] = static_cast<char>(bytes[squashfs + 100] ^ 0x01);
    QBuffer buffer(&bytes);
    QVERIFY(buffer.open(QIODevice::ReadOnly));
    // The header still reads fine...
    QVERIFY(NpkReader::read(buffer, QStringLiteral("ppp.npk")).ok());
    // ...but the SHA-1 in the signature no longer matches.
    QString why;
    QCOMPARE(NpkReader::verifyDigest(buffer, &why), NpkDigestCheck::Invalid);
    QVERIFY2(why.contains(QLatin1String("corrupt")), qPrintable(why));
}

void TestNpkReader::writerRefusesBadSpecs()
{
    QBuffer buffer;
    QVERIFY(buffer.open(QIODevice::WriteOnly));
    QString why;
    NpkPackageSpec longName = package("a-very-long-package-name", "6.48.4", "arm");
    QVERIFY(!NpkWriter::write(buffer, longName, &why));
    QVERIFY(why.contains(QLatin1String("15")));
    NpkPackageSpec noArch = package("ppp", "6.48.4", "");
    QVERIFY(!NpkWriter::write(buffer, noArch, &why));
    QCOMPARE(buffer.size(), qint64(0));
    QCOMPARE(NpkWriter::packageSize(package("ppp", "6.48.4", "arm")),
             qint64(NpkWriter::build(package("ppp", "6.48.4", "arm")).size()));
    QCOMPARE(NpkWriter::bundleSize(bundle("arm", "arm", "6.48.4")),
             qint64(NpkWriter::build(bundle("arm", "arm", "6.48.4")).size()));
    QVERIFY(!NpkWriter::writeFile(m_dir.filePath(QStringLiteral("missing/dir/x.npk")),
                                  package("ppp", "6.48.4", "arm"), &why));
    QVERIFY2(why.contains(QLatin1String("cannot be written")), qPrintable(why));
}

void TestNpkReader::everyTruncationIsRejected()
{
    NpkPackageSpec small = package("ppp", "6.48.4", "mips");
    small.squashfsSize = 64;
    const QByteArray bytes = NpkWriter::build(small);
    for (qsizetype n = 0; n < bytes.size(); ++n) {
        QByteArray cut = bytes.left(n);
        QBuffer buffer(&cut);
        QVERIFY(buffer.open(QIODevice::ReadOnly));
        const NpkReadResult r = NpkReader::read(buffer, QStringLiteral("cut.npk"));
        QVERIFY2(!r.ok(), qPrintable(QString::number(n)));
        QVERIFY(!r.errorString.isEmpty());
    }
}

void TestNpkReader::survivesRandomCorruption()
{
    // Deterministic fuzzing: flipped bytes anywhere must give a result or a reason, never a
    // crash or a read outside the buffer (run under ASan in CI).
    const QByteArray good = NpkWriter::build(bundle("arm", "arm", "7.12.1"));
    QRandomGenerator rng(20261201);
    int rejected = 0;
    for (int i = 0; i < 3000; ++i) {
        QByteArray bytes = good;
        const int flips = 1 + int(rng.bounded(4));
        for (int f = 0; f < flips; ++f) {
            // Favour the header area, where the metadata is.
            const qsizetype at = rng.bounded(2) ? rng.bounded(qMin<qsizetype>(bytes.size(), 400))
                                                : rng.bounded(bytes.size());
            bytes[at] = char(rng.bounded(256));
        }
        QBuffer buffer(&bytes);
        QVERIFY(buffer.open(QIODevice::ReadOnly));
        const NpkReadResult r = NpkReader::read(buffer, QStringLiteral("fuzz.npk"));
        if (!r.ok()) {
            ++rejected;
            QVERIFY(!r.errorString.isEmpty());
        }
        QString why;
        NpkReader::verifyDigest(buffer, &why);
    }
    QVERIFY(rejected > 0);
}

QTEST_GUILESS_MAIN(TestNpkReader)
#include "tst_npkreader.moc"
