#include "descriptorvalidator.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QMap>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>

namespace fwd::firmware {

namespace {

const char *const kContext = "fwd::firmware::DescriptorValidator";

QString tr(const char *text)
{
    return QCoreApplication::translate(kContext, text);
}

const QStringList &knownArchitectures()
{
    static const QStringList archs = {QStringLiteral("arm"),    QStringLiteral("arm64"),
                                      QStringLiteral("mipsbe"), QStringLiteral("mmips"),
                                      QStringLiteral("smips"),  QStringLiteral("ppc"),
                                      QStringLiteral("tile"),   QStringLiteral("x86")};
    return archs;
}

DescriptorIssue issue(DescriptorIssue::Severity s, DescriptorIssue::Code c, const QUrl &url,
                      const QString &message)
{
    DescriptorIssue i;
    i.severity = s;
    i.code = c;
    i.url = url;
    i.message = message;
    return i;
}

QString urlText(const QUrl &url)
{
    return url.toDisplayString();
}

} // namespace

QString DescriptorPackage::logicalName() const
{
    return systemPackage ? QStringLiteral("routeros") : packageName;
}

DescriptorPackage DescriptorPackage::fromNpk(const QUrl &url, const NpkInfo &info, qint64 size)
{
    DescriptorPackage p;
    p.url = url;
    p.fileName = url.fileName(QUrl::FullyDecoded);
    p.packageName = info.name;
    p.version = info.version;
    p.architecture = info.architecture();
    p.systemPackage = info.isSystemPackage();
    p.bundle = info.bundle;
    p.bundledPackages = info.bundledPackages;
    p.expectedSize = size;
    p.origin = Origin::NpkHeader;
    return p;
}

DescriptorPackage DescriptorPackage::fromUrl(const QUrl &url)
{
    DescriptorPackage p;
    p.url = url;
    p.fileName = url.fileName(QUrl::FullyDecoded);
    static const QRegularExpression re(QStringLiteral(
        R"(^([a-z0-9][a-z0-9_-]*?)-(\d+\.\d+(?:\.\d+|(?:alpha|beta|rc)\d+)?)(?:-([a-z0-9_]+))?\.npk$)"));
    const QRegularExpressionMatch m = re.match(p.fileName.toLower());
    if (!m.hasMatch())
        return p;
    QString name = m.captured(1);
    QString arch = m.captured(3);
    p.version = RouterOsVersion::fromString(m.captured(2));
    if (!p.version)
        return p;
    // v6 bundle: routeros-<arch>-<ver>.npk
    if (name.startsWith(QLatin1String("routeros-")) && knownArchitectures().contains(name.mid(9)) &&
        arch.isEmpty()) {
        arch = name.mid(9);
        p.bundle = true;
        p.packageName = name;
        p.systemPackage = true;
    } else {
        p.packageName = name;
        p.systemPackage = name == QLatin1String("routeros") || name == QLatin1String("system");
    }
    if (arch.isEmpty())
        arch = QStringLiteral("x86"); // MikroTik drops the suffix on x86 (MIKROTIK.md §1.3)
    p.architecture = arch;
    p.origin = Origin::FileName;
    return p;
}

QList<DescriptorIssue> DescriptorValidator::validate(const QList<DescriptorPackage> &packages)
{
    using S = DescriptorIssue::Severity;
    using C = DescriptorIssue::Code;
    QList<DescriptorIssue> out;
    if (packages.isEmpty()) {
        out << issue(S::Error, C::NoPackages, {}, tr("The descriptor links no packages."));
        return out;
    }

    QSet<QUrl> seenUrls;
    QMap<QString, QUrl> seenNames;
    QMap<QString, QStringList> versions; // version -> file names
    QMap<QString, QStringList> archs;    // architecture -> file names
    QStringList bundled;
    bool haveSystem = false;
    bool haveTr069 = false;

    for (const DescriptorPackage &p : packages) {
        const QString file = p.fileName.isEmpty() ? urlText(p.url) : p.fileName;
        if (seenUrls.contains(p.url)) {
            out << issue(S::Error, C::DuplicateLink, p.url,
                         tr("%1 is linked more than once.").arg(urlText(p.url)));
            continue;
        }
        seenUrls.insert(p.url);
        if (p.url.scheme().compare(QLatin1String("https"), Qt::CaseInsensitive) != 0) {
            out << issue(S::Warning, C::InsecureLink, p.url,
                         tr("%1 is not HTTPS: anyone on the path can read or replace the "
                            "package. Use HTTPS in production.")
                             .arg(urlText(p.url)));
        }
        if (!p.fileName.endsWith(QLatin1String(".npk"), Qt::CaseInsensitive) &&
            p.origin != DescriptorPackage::Origin::NpkHeader) {
            out << issue(S::Error, C::NotAPackage, p.url,
                         tr("%1 does not point at a RouterOS package (.npk).").arg(urlText(p.url)));
            continue;
        }
        if (p.origin == DescriptorPackage::Origin::Unknown || !p.version ||
            p.architecture.isEmpty()) {
            out << issue(S::Error, C::UnknownPackage, p.url,
                         tr("%1 is not in the library and its name does not follow MikroTik's "
                            "naming, so its version and architecture cannot be checked.")
                             .arg(file));
            continue;
        }
        if (p.origin == DescriptorPackage::Origin::FileName) {
            out << issue(S::Warning, C::UnknownPackage, p.url,
                         tr("%1 is not in the library: its version (%2) and architecture (%3) "
                            "are taken from its file name, not from the package itself.")
                             .arg(file, p.version->toString(), p.architecture));
        }
        const QString name = p.logicalName();
        if (seenNames.contains(name)) {
            out << issue(S::Error, C::DuplicatePackage, p.url,
                         tr("%1 and %2 both contain the package \"%3\"; link it once.")
                             .arg(seenNames.value(name).fileName(QUrl::FullyDecoded), file, name));
        } else {
            seenNames.insert(name, p.url);
        }
        versions[p.version->toString()] << file;
        archs[p.architecture] << file;
        haveSystem = haveSystem || p.systemPackage;
        haveTr069 = haveTr069 || p.packageName == QLatin1String("tr069-client") ||
                    p.bundledPackages.contains(QLatin1String("tr069-client"));
        bundled << p.bundledPackages;
    }

    auto describe = [](const QMap<QString, QStringList> &groups) {
        QStringList parts;
        for (auto it = groups.cbegin(); it != groups.cend(); ++it)
            parts << QStringLiteral("%1 (%2)").arg(it.key(), it.value().join(QStringLiteral(", ")));
        return parts.join(QStringLiteral("; "));
    };
    if (versions.size() > 1) {
        out << issue(S::Error, C::MixedVersions, {},
                     tr("The packages are of different versions: %1. RouterOS installs only "
                        "packages of the same version as the system package.")
                         .arg(describe(versions)));
    }
    if (archs.size() > 1) {
        out << issue(S::Error, C::MixedArchitectures, {},
                     tr("The packages are for different architectures: %1. A router can install "
                        "only packages built for its own architecture.")
                         .arg(describe(archs)));
    }
    for (const DescriptorPackage &p : packages) {
        if (!p.bundle && bundled.contains(p.packageName)) {
            out << issue(S::Warning, C::DuplicatePackage, p.url,
                         tr("%1 is already part of the linked RouterOS bundle.").arg(p.fileName));
        }
    }
    if (!seenNames.isEmpty() && !haveSystem) {
        out << issue(S::Error, C::MissingSystemPackage, {},
                     tr("The RouterOS system package is not linked (routeros-<arch>-<version>.npk "
                        "for v6, routeros-<version>-<arch>.npk for v7). Extra packages install "
                        "only together with a system package of the same version."));
    }
    if (!seenNames.isEmpty() && !haveTr069) {
        out << issue(S::Warning, C::MissingTr069Client, {},
                     tr("tr069-client is not linked. After the upgrade the router keeps the old "
                        "tr069-client, which does not load with the new version, and the router "
                        "can no longer reach the ACS."));
    }
    return out;
}

bool DescriptorValidator::hasErrors(const QList<DescriptorIssue> &issues)
{
    return std::any_of(issues.cbegin(), issues.cend(), [](const DescriptorIssue &i) {
        return i.severity == DescriptorIssue::Severity::Error;
    });
}

UpgradeDescriptor DescriptorValidator::build(const QList<DescriptorPackage> &packages)
{
    QList<DescriptorPackage> sorted = packages;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const DescriptorPackage &a, const DescriptorPackage &b) {
                         if (a.systemPackage != b.systemPackage)
                             return a.systemPackage;
                         return a.packageName < b.packageName;
                     });
    UpgradeDescriptor d;
    for (const DescriptorPackage &p : sorted)
        d.links << p.url;
    return d;
}

QString DescriptorValidator::descriptorFileName(const QList<DescriptorPackage> &packages)
{
    const DescriptorPackage *pick = nullptr;
    for (const DescriptorPackage &p : packages) {
        if (!p.version || p.architecture.isEmpty())
            continue;
        if (!pick || (p.systemPackage && !pick->systemPackage))
            pick = &p;
    }
    if (!pick)
        return {};
    return UpgradeDescriptor::fileNameFor(pick->version->toString(), pick->architecture);
}

} // namespace fwd::firmware
