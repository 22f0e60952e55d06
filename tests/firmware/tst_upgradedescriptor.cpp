#include "fakelinkprobe.h"

#include "firmware/descriptorvalidator.h"
#include "firmware/linkcheck.h"
#include "firmware/npkreader.h"
#include "firmware/npkwriter.h"
#include "firmware/upgradedescriptor.h"

#include <QBuffer>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace fwd::firmware;
using Code = DescriptorIssue::Code;
using Severity = DescriptorIssue::Severity;

Q_DECLARE_METATYPE(QList<DescriptorPackage>)

namespace {

const QUrl kBase(QStringLiteral("https://127.0.0.1:7567/"));

// A package as the library knows it: generated with the real layout, read back through the
// NPK reader, linked at the file server's public URL.
DescriptorPackage libraryPackage(const char *name, const char *version, const char *npkArch,
                                 const char *scheme = "https")
{
    NpkPackageSpec spec;
    spec.name = QLatin1String(name);
    spec.version = *RouterOsVersion::fromString(QLatin1String(version));
    spec.npkArchitecture = QLatin1String(npkArch);
    spec.dependsOnSystem = spec.name != QLatin1String("system");
    QByteArray bytes = NpkWriter::build(spec);
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::ReadOnly);
    const NpkReadResult r = NpkReader::read(buffer, spec.name);
    Q_ASSERT(r.ok());
    QUrl base = kBase;
    base.setScheme(QLatin1String(scheme));
    return DescriptorPackage::fromNpk(UpgradeDescriptor::linkFor(base, r.info.canonicalFileName()),
                                      r.info, bytes.size());
}

DescriptorPackage libraryBundle(const char *arch, const char *npkArch, const char *version)
{
    NpkBundleSpec spec;
    spec.name = QStringLiteral("routeros-") + QLatin1String(arch);
    spec.version = *RouterOsVersion::fromString(QLatin1String(version));
    spec.npkArchitecture = QLatin1String(npkArch);
    for (const char *member : {"system", "ppp", "dhcp", "security"}) {
        NpkPackageSpec p;
        p.name = QLatin1String(member);
        p.version = spec.version;
        p.npkArchitecture = spec.npkArchitecture;
        spec.packages << p;
    }
    QByteArray bytes = NpkWriter::build(spec);
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::ReadOnly);
    const NpkReadResult r = NpkReader::read(buffer, spec.name);
    Q_ASSERT(r.ok());
    return DescriptorPackage::fromNpk(UpgradeDescriptor::linkFor(kBase, r.info.canonicalFileName()),
                                      r.info, bytes.size());
}

QList<Code> codes(const QList<DescriptorIssue> &issues, Severity severity)
{
    QList<Code> out;
    for (const DescriptorIssue &i : issues) {
        if (i.severity == severity)
            out << i.code;
    }
    return out;
}

QString messages(const QList<DescriptorIssue> &issues)
{
    QStringList out;
    for (const DescriptorIssue &i : issues)
        out << i.message;
    return out.join(u'\n');
}

} // namespace

class TestUpgradeDescriptor final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void buildsExactXml();
    void readsBack();
    void readsGuideExample();
    void rejectsBrokenDescriptors_data();
    void rejectsBrokenDescriptors();
    void readFileErrors();
    void linkForEncodes();
    void packageFromUrl_data();
    void packageFromUrl();
    void validate_data();
    void validate();
    void linkCheck_data();
    void linkCheck();
    void linkCheckLimitsParallelism();
    void linkCheckCancel();
    void linkCheckEmptyList();
    void parserSurvivesRandomCorruption();
};

void TestUpgradeDescriptor::buildsExactXml()
{
    const QList<DescriptorPackage> packages = {libraryPackage("tr069-client", "6.48.4", "i386"),
                                               libraryBundle("x86", "i386", "6.48.4")};
    QVERIFY(DescriptorValidator::validate(packages).isEmpty());
    const UpgradeDescriptor d = DescriptorValidator::build(packages);
    const QByteArray expected =
        "<upgrade version=\"1\" type=\"links\">\n"
        "    <config/>\n"
        "    <links>\n"
        "        <link>\n"
        "            <url>https://127.0.0.1:7567/routeros-x86-6.48.4.npk</url>\n"
        "        </link>\n"
        "        <link>\n"
        "            <url>https://127.0.0.1:7567/tr069-client-6.48.4.npk</url>\n"
        "        </link>\n"
        "    </links>\n"
        "</upgrade>\n";
    QCOMPARE(d.toXml(), expected);
    QCOMPARE(DescriptorValidator::descriptorFileName(packages),
             QStringLiteral("upgrade_6.48.4_x86.xml"));
}

void TestUpgradeDescriptor::readsBack()
{
    UpgradeDescriptor d;
    d.links << QUrl(QStringLiteral("https://127.0.0.1:7567/fw/routeros-7.12.1-arm64.npk"))
            << QUrl(QStringLiteral(
                   "https://127.0.0.1:7567/fw/tr069-client-7.12.1-arm64.npk?a=1&b=2"));
    const QByteArray xml = d.toXml();
    QVERIFY(xml.contains("?a=1&amp;b=2")); // escaped in XML
    const DescriptorParseResult r = UpgradeDescriptor::fromXml(xml, QStringLiteral("u.xml"));
    QVERIFY2(r.ok(), qPrintable(r.errorString));
    QCOMPARE(r.descriptor.links, d.links);
}

void TestUpgradeDescriptor::readsGuideExample()
{
    // The reference guide's example, with its 3-space indentation and an XML declaration.
    const QByteArray xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                           "<upgrade version=\"1\" type=\"links\">\n"
                           "   <config/>\n"
                           "   <links>\n"
                           "       <link>\n"
                           "          <url>https://127.0.0.1:7567/routeros-x86-6.48.4.npk</url>\n"
                           "       </link>\n"
                           "       <link>\n"
                           "          <url> https://127.0.0.1:7567/tr069-client-6.48.4.npk </url>\n"
                           "       </link>\n"
                           "   </links>\n"
                           "</upgrade>\n";
    const DescriptorParseResult r = UpgradeDescriptor::fromXml(xml, QStringLiteral("g.xml"));
    QVERIFY2(r.ok(), qPrintable(r.errorString));
    QCOMPARE(r.descriptor.links.size(), 2);
    QCOMPARE(r.descriptor.links.at(1).fileName(), QStringLiteral("tr069-client-6.48.4.npk"));
    // Links to files outside the library are checked by their names.
    QList<DescriptorPackage> packages;
    for (const QUrl &url : r.descriptor.links)
        packages << DescriptorPackage::fromUrl(url);
    const QList<DescriptorIssue> issues = DescriptorValidator::validate(packages);
    QVERIFY2(codes(issues, Severity::Error).isEmpty(), qPrintable(messages(issues)));
    QCOMPARE(codes(issues, Severity::Warning),
             QList<Code>({Code::UnknownPackage, Code::UnknownPackage}));
}

void TestUpgradeDescriptor::rejectsBrokenDescriptors_data()
{
    QTest::addColumn<QByteArray>("xml");
    QTest::addColumn<QString>("mentions");
    QTest::addColumn<qint64>("line");

    const QByteArray link = "<links><link><url>https://127.0.0.1/a-6.48.npk</url></link></links>";
    QTest::newRow("empty") << QByteArray() << QStringLiteral("b.xml is empty") << qint64(0);
    QTest::newRow("not xml") << QByteArray("routeros-x86-6.48.4.npk\n")
                             << QStringLiteral("not an XML document") << qint64(1);
    QTest::newRow("unclosed") << QByteArray("<upgrade version=\"1\" type=\"links\">\n<config/>\n")
                              << QStringLiteral("not well-formed") << qint64(3);
    QTest::newRow("mismatched tags")
        << QByteArray("<upgrade version=\"1\" type=\"links\">\n<links></link>\n</upgrade>")
        << QStringLiteral("not well-formed") << qint64(2);
    QTest::newRow("wrong root") << QByteArray("<update version=\"1\" type=\"links\"/>")
                                << QStringLiteral("root element is <update>") << qint64(1);
    QTest::newRow("wrong version")
        << QByteArray("<upgrade version=\"2\" type=\"links\">") + link + "</upgrade>"
        << QStringLiteral("version=\"2\"") << qint64(1);
    QTest::newRow("no version") << QByteArray("<upgrade type=\"links\">") + link + "</upgrade>"
                                << QStringLiteral("no version attribute") << qint64(1);
    QTest::newRow("wrong type") << QByteArray("<upgrade version=\"1\" type=\"files\">") + link +
                                       "</upgrade>"
                                << QStringLiteral("type=\"files\"") << qint64(1);
    QTest::newRow("extra attribute")
        << QByteArray("<upgrade version=\"1\" type=\"links\" downgrade=\"yes\">") + link +
               "</upgrade>"
        << QStringLiteral("undocumented attribute \"downgrade\"") << qint64(1);
    QTest::newRow("no links") << QByteArray("<upgrade version=\"1\" type=\"links\"><config/>"
                                            "<links/></upgrade>")
                              << QStringLiteral("lists no package links") << qint64(1);
    QTest::newRow("config with content")
        << QByteArray("<upgrade version=\"1\" type=\"links\">\n<config>x</config>") + link +
               "</upgrade>"
        << QStringLiteral("unexpected text") << qint64(2);
    QTest::newRow("unknown element")
        << QByteArray("<upgrade version=\"1\" type=\"links\">") + link + "\n<checksum/></upgrade>"
        << QStringLiteral("unexpected element <checksum>") << qint64(2);
    QTest::newRow("link without url") << QByteArray("<upgrade version=\"1\" type=\"links\"><links>"
                                                    "<link/></links></upgrade>")
                                      << QStringLiteral("<link> has no <url>") << qint64(1);
    QTest::newRow("relative url") << QByteArray(
                                         "<upgrade version=\"1\" type=\"links\"><links><link>"
                                         "<url>routeros.npk</url></link></links></upgrade>")
                                  << QStringLiteral("\"routeros.npk\" is not an absolute")
                                  << qint64(1);
    QTest::newRow("ftp url") << QByteArray(
                                    "<upgrade version=\"1\" type=\"links\"><links><link>"
                                    "<url>ftp://127.0.0.1/a.npk</url></link></links></upgrade>")
                             << QStringLiteral("not an absolute http") << qint64(1);
    QTest::newRow("two urls") << QByteArray("<upgrade version=\"1\" type=\"links\"><links><link>"
                                            "<url>https://127.0.0.1/a.npk</url>"
                                            "<url>https://127.0.0.1/b.npk</url></link></links>"
                                            "</upgrade>")
                              << QStringLiteral("more than one <url>") << qint64(1);
    QTest::newRow("entity expansion")
        << QByteArray("<!DOCTYPE upgrade [<!ENTITY a \"aaaa\">]>\n<upgrade version=\"1\" "
                      "type=\"links\"/>")
        << QStringLiteral("document type declaration") << qint64(1);
    QTest::newRow("trailing element")
        << QByteArray("<upgrade version=\"1\" type=\"links\">") + link + "</upgrade>\n<x/>"
        << QStringLiteral("not well-formed") << qint64(2);
}

void TestUpgradeDescriptor::rejectsBrokenDescriptors()
{
    QFETCH(QByteArray, xml);
    QFETCH(QString, mentions);
    QFETCH(qint64, line);
    const DescriptorParseResult r = UpgradeDescriptor::fromXml(xml, QStringLiteral("b.xml"));
    QVERIFY(!r.ok());
    QVERIFY2(r.errorString.contains(mentions), qPrintable(r.errorString));
    QVERIFY2(r.errorString.startsWith(QLatin1String("b.xml")), qPrintable(r.errorString));
    QCOMPARE(r.line, line);
}

void TestUpgradeDescriptor::readFileErrors()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const DescriptorParseResult missing =
        UpgradeDescriptor::readFile(dir.filePath(QStringLiteral("none.xml")));
    QVERIFY(missing.errorString.contains(QLatin1String("none.xml cannot be read")));

    QFile big(dir.filePath(QStringLiteral("big.xml")));
    QVERIFY(big.open(QIODevice::WriteOnly));
    QVERIFY(big.resize(UpgradeDescriptor::MaxSize + 1));
    big.close();
    const DescriptorParseResult tooBig = UpgradeDescriptor::readFile(big.fileName());
    QVERIFY2(tooBig.errorString.contains(QLatin1String("too large")),
             qPrintable(tooBig.errorString));

    QFile good(dir.filePath(QStringLiteral("ok.xml")));
    QVERIFY(good.open(QIODevice::WriteOnly));
    UpgradeDescriptor d;
    d.links << QUrl(QStringLiteral("https://127.0.0.1/routeros-7.12.1-arm.npk"));
    good.write(d.toXml());
    good.close();
    const DescriptorParseResult ok = UpgradeDescriptor::readFile(good.fileName());
    QVERIFY2(ok.ok(), qPrintable(ok.errorString));
    QCOMPARE(ok.descriptor.links, d.links);
}

void TestUpgradeDescriptor::linkForEncodes()
{
    QCOMPARE(UpgradeDescriptor::linkFor(kBase, QStringLiteral("a.npk")).toString(),
             QStringLiteral("https://127.0.0.1:7567/a.npk"));
    QCOMPARE(UpgradeDescriptor::linkFor(QUrl(QStringLiteral("https://127.0.0.1/fw")),
                                        QStringLiteral("a b#.npk"))
                 .toString(QUrl::FullyEncoded),
             QStringLiteral("https://127.0.0.1/fw/a%20b%23.npk"));
    QCOMPARE(UpgradeDescriptor::fileNameFor(QStringLiteral("7.12.1"), QStringLiteral("arm64")),
             QStringLiteral("upgrade_7.12.1_arm64.xml"));
}

void TestUpgradeDescriptor::packageFromUrl_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("version");
    QTest::addColumn<QString>("arch");
    QTest::addColumn<bool>("system");
    QTest::newRow("v6 bundle") << "routeros-mipsbe-6.48.4.npk"
                               << "routeros-mipsbe"
                               << "6.48.4"
                               << "mipsbe" << true;
    QTest::newRow("v6 extra x86") << "tr069-client-6.48.4.npk"
                                  << "tr069-client"
                                  << "6.48.4"
                                  << "x86" << false;
    QTest::newRow("v6 extra arm") << "gps-6.45.6-arm.npk"
                                  << "gps"
                                  << "6.45.6"
                                  << "arm" << false;
    QTest::newRow("v7 main") << "routeros-7.12.1-arm64.npk"
                             << "routeros"
                             << "7.12.1"
                             << "arm64" << true;
    QTest::newRow("v7 main x86 rc") << "routeros-7.22rc4.npk"
                                    << "routeros"
                                    << "7.22rc4"
                                    << "x86" << true;
    QTest::newRow("v7 wifi") << "wifi-qcom-7.20.6-arm64.npk"
                             << "wifi-qcom"
                             << "7.20.6"
                             << "arm64" << false;
    QTest::newRow("not mikrotik naming") << "firmware.npk"
                                         << ""
                                         << ""
                                         << "" << false;
}

void TestUpgradeDescriptor::packageFromUrl()
{
    QFETCH(QString, file);
    QFETCH(QString, name);
    QFETCH(QString, version);
    QFETCH(QString, arch);
    QFETCH(bool, system);
    const DescriptorPackage p = DescriptorPackage::fromUrl(UpgradeDescriptor::linkFor(kBase, file));
    QCOMPARE(p.fileName, file);
    QCOMPARE(p.packageName, name);
    QCOMPARE(p.version ? p.version->toString() : QString(), version);
    QCOMPARE(p.architecture, arch);
    QCOMPARE(p.systemPackage, system);
    QCOMPARE(p.origin, name.isEmpty() ? DescriptorPackage::Origin::Unknown
                                      : DescriptorPackage::Origin::FileName);
}

void TestUpgradeDescriptor::validate_data()
{
    QTest::addColumn<QList<DescriptorPackage>>("packages");
    QTest::addColumn<QList<Code>>("errors");
    QTest::addColumn<QList<Code>>("warnings");
    QTest::addColumn<QString>("mentions");

    const auto v6bundle = libraryBundle("x86", "i386", "6.48.4");
    const auto v6tr = libraryPackage("tr069-client", "6.48.4", "i386");
    QTest::newRow("v6 complete") << QList<DescriptorPackage>{v6bundle, v6tr} << QList<Code>()
                                 << QList<Code>() << QString();
    QTest::newRow("v7 complete arm64")
        << QList<DescriptorPackage>{libraryPackage("system", "7.12.1", "arm64"),
                                    libraryPackage("tr069-client", "7.12.1", "arm64"),
                                    libraryPackage("wifi-qcom", "7.12.1", "arm64")}
        << QList<Code>() << QList<Code>() << QString();
    QTest::newRow("mixed versions")
        << QList<DescriptorPackage>{v6bundle, libraryPackage("tr069-client", "6.47", "i386")}
        << QList<Code>{Code::MixedVersions} << QList<Code>()
        << QStringLiteral("6.47 (tr069-client-6.47.npk); 6.48.4 (routeros-x86-6.48.4.npk)");
    QTest::newRow("mixed architectures")
        << QList<DescriptorPackage>{v6bundle, libraryPackage("tr069-client", "6.48.4", "mips")}
        << QList<Code>{Code::MixedArchitectures} << QList<Code>()
        << QStringLiteral("mipsbe (tr069-client-6.48.4-mipsbe.npk); x86 (routeros-x86-6.48.4.npk)");
    QTest::newRow("missing system package")
        << QList<DescriptorPackage>{v6tr, libraryPackage("gps", "6.48.4", "i386")}
        << QList<Code>{Code::MissingSystemPackage} << QList<Code>()
        << QStringLiteral("system package is not linked");
    QTest::newRow("missing tr069-client")
        << QList<DescriptorPackage>{libraryPackage("system", "7.12.1", "arm")} << QList<Code>()
        << QList<Code>{Code::MissingTr069Client} << QStringLiteral("can no longer reach the ACS");
    QTest::newRow("bundle and system package")
        << QList<DescriptorPackage>{v6bundle, v6tr, libraryPackage("system", "6.48.4", "i386")}
        << QList<Code>{Code::DuplicatePackage} << QList<Code>{Code::DuplicatePackage}
        << QStringLiteral("both contain the package \"routeros\"");
    QTest::newRow("same link twice")
        << QList<DescriptorPackage>{v6bundle, v6tr, v6tr} << QList<Code>{Code::DuplicateLink}
        << QList<Code>() << QStringLiteral("linked more than once");
    QTest::newRow("plain http")
        << QList<DescriptorPackage>{libraryPackage("system", "7.12.1", "arm", "http"),
                                    libraryPackage("tr069-client", "7.12.1", "arm")}
        << QList<Code>() << QList<Code>{Code::InsecureLink} << QStringLiteral("not HTTPS");
    DescriptorPackage notNpk =
        DescriptorPackage::fromUrl(QUrl(QStringLiteral("https://127.0.0.1/readme.txt")));
    QTest::newRow("link to a non-package")
        << QList<DescriptorPackage>{v6bundle, v6tr, notNpk} << QList<Code>{Code::NotAPackage}
        << QList<Code>() << QStringLiteral("readme.txt");
    DescriptorPackage odd =
        DescriptorPackage::fromUrl(QUrl(QStringLiteral("https://127.0.0.1/firmware.npk")));
    QTest::newRow("unknown package")
        << QList<DescriptorPackage>{v6bundle, v6tr, odd} << QList<Code>{Code::UnknownPackage}
        << QList<Code>() << QStringLiteral("cannot be checked");
    QTest::newRow("nothing") << QList<DescriptorPackage>() << QList<Code>{Code::NoPackages}
                             << QList<Code>() << QString();
}

void TestUpgradeDescriptor::validate()
{
    QFETCH(QList<DescriptorPackage>, packages);
    QFETCH(QList<Code>, errors);
    QFETCH(QList<Code>, warnings);
    QFETCH(QString, mentions);
    const QList<DescriptorIssue> issues = DescriptorValidator::validate(packages);
    QCOMPARE(codes(issues, Severity::Error), errors);
    QCOMPARE(codes(issues, Severity::Warning), warnings);
    QCOMPARE(DescriptorValidator::hasErrors(issues), !errors.isEmpty());
    if (!mentions.isEmpty())
        QVERIFY2(messages(issues).contains(mentions), qPrintable(messages(issues)));
}

void TestUpgradeDescriptor::linkCheck_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<qint64>("servedSize"); // -2: the server is down
    QTest::addColumn<QList<Code>>("errors");
    QTest::addColumn<QList<Code>>("warnings");
    QTest::addColumn<QString>("mentions");

    QTest::newRow("all good") << 200 << qint64(0) << QList<Code>() << QList<Code>() << QString();
    QTest::newRow("dead link") << 200 << qint64(-2) << QList<Code>{Code::LinkUnreachable}
                               << QList<Code>() << QStringLiteral("Connection refused");
    QTest::newRow("not found") << 404 << qint64(0) << QList<Code>{Code::HttpError} << QList<Code>()
                               << QStringLiteral("answered HTTP 404");
    QTest::newRow("size mismatch") << 200 << qint64(1234) << QList<Code>{Code::SizeMismatch}
                                   << QList<Code>() << QStringLiteral("serves 1234 bytes");
    QTest::newRow("no content length")
        << 200 << qint64(-1) << QList<Code>() << QList<Code>{Code::SizeUnknown}
        << QStringLiteral("without a Content-Length");
}

void TestUpgradeDescriptor::linkCheck()
{
    QFETCH(int, status);
    QFETCH(qint64, servedSize);
    QFETCH(QList<Code>, errors);
    QFETCH(QList<Code>, warnings);
    QFETCH(QString, mentions);

    const DescriptorPackage system = libraryBundle("mipsbe", "mips", "6.48.4");
    const DescriptorPackage client = libraryPackage("tr069-client", "6.48.4", "mips");
    FakeLinkProbe probe;
    probe.serve(system.url, system.expectedSize);
    // The second link is the one under test.
    if (servedSize == -2)
        probe.fail(client.url, QStringLiteral("Connection refused"));
    else
        probe.serve(client.url, servedSize == 0 ? client.expectedSize : servedSize, status);

    fwd::firmware::LinkCheck check(probe);
    QSignalSpy finished(&check, &fwd::firmware::LinkCheck::finished);
    QSignalSpy progress(&check, &fwd::firmware::LinkCheck::progress);
    check.start({system, client});
    QVERIFY(check.isRunning());
    QVERIFY(finished.wait(5000));
    QCOMPARE(finished.size(), 1);
    QVERIFY(!check.isRunning());
    QVERIFY(!check.wasCancelled());
    QCOMPARE(progress.size(), 2);
    QCOMPARE(progress.last().at(0).toInt(), 2);
    QCOMPARE(probe.requested, QList<QUrl>({system.url, client.url}));
    const QList<DescriptorIssue> issues = check.issues();
    QCOMPARE(codes(issues, Severity::Error), errors);
    QCOMPARE(codes(issues, Severity::Warning), warnings);
    for (const DescriptorIssue &i : issues)
        QCOMPARE(i.url, client.url);
    if (!mentions.isEmpty())
        QVERIFY2(messages(issues).contains(mentions), qPrintable(messages(issues)));
}

void TestUpgradeDescriptor::linkCheckLimitsParallelism()
{
    FakeLinkProbe probe;
    QList<DescriptorPackage> packages;
    for (const char *name : {"system", "tr069-client", "ppp", "dhcp", "wireless", "gps", "ups"}) {
        packages << libraryPackage(name, "6.48.4", "arm");
        probe.serve(packages.last().url, packages.last().expectedSize);
    }
    fwd::firmware::LinkCheck check(probe);
    check.setMaxParallel(2);
    QSignalSpy finished(&check, &fwd::firmware::LinkCheck::finished);
    check.start(packages);
    QVERIFY(finished.wait(5000));
    QCOMPARE(probe.requested.size(), packages.size());
    QCOMPARE(probe.maxInFlight, 2);
    QVERIFY(check.issues().isEmpty());
}

void TestUpgradeDescriptor::linkCheckCancel()
{
    FakeLinkProbe probe;
    probe.holdReplies = true;
    const DescriptorPackage a = libraryPackage("system", "7.12.1", "arm");
    const DescriptorPackage b = libraryPackage("tr069-client", "7.12.1", "arm");
    probe.serve(a.url, a.expectedSize);
    probe.serve(b.url, b.expectedSize);
    fwd::firmware::LinkCheck check(probe);
    QSignalSpy finished(&check, &fwd::firmware::LinkCheck::finished);
    check.start({a, b});
    QCOMPARE(probe.requested.size(), 2);
    check.cancel();
    QCOMPARE(finished.size(), 1);
    QVERIFY(check.wasCancelled());
    QVERIFY(!check.isRunning());
    QCOMPARE(probe.cancelRequests, 2);
    // Late answers after the cancel change nothing.
    probe.releaseAll();
    QCoreApplication::processEvents();
    QCOMPARE(finished.size(), 1);
    QVERIFY(check.issues().isEmpty());
}

void TestUpgradeDescriptor::linkCheckEmptyList()
{
    FakeLinkProbe probe;
    fwd::firmware::LinkCheck check(probe);
    QSignalSpy finished(&check, &fwd::firmware::LinkCheck::finished);
    check.start({});
    QCOMPARE(finished.size(), 0); // never synchronously
    QVERIFY(finished.wait(5000));
    QVERIFY(check.issues().isEmpty());
}

void TestUpgradeDescriptor::parserSurvivesRandomCorruption()
{
    UpgradeDescriptor d;
    d.links << QUrl(QStringLiteral("https://127.0.0.1:7567/routeros-x86-6.48.4.npk"))
            << QUrl(QStringLiteral("https://127.0.0.1:7567/tr069-client-6.48.4.npk"));
    const QByteArray good = d.toXml();
    QRandomGenerator rng(6484);
    int rejected = 0;
    for (int i = 0; i < 3000; ++i) {
        QByteArray xml = good;
        const int edits = 1 + int(rng.bounded(3));
        for (int e = 0; e < edits; ++e) {
            const qsizetype at = rng.bounded(xml.size());
            switch (rng.bounded(3)) {
            case 0:
                xml[at] = char(rng.bounded(256));
                break;
            case 1:
                xml.remove(at, 1 + rng.bounded(8));
                break;
            default:
                xml.insert(at, "<>&\"'/"[rng.bounded(6)]);
                break;
            }
        }
        const DescriptorParseResult r = UpgradeDescriptor::fromXml(xml, QStringLiteral("f.xml"));
        if (r.ok()) {
            QVERIFY(!r.descriptor.links.isEmpty());
            for (const QUrl &url : r.descriptor.links)
                QVERIFY(url.isValid() && !url.host().isEmpty());
        } else {
            ++rejected;
            QVERIFY(r.errorString.startsWith(QLatin1String("f.xml")));
        }
    }
    QVERIFY(rejected > 1000);
}

QTEST_GUILESS_MAIN(TestUpgradeDescriptor)
#include "tst_upgradedescriptor.moc"
