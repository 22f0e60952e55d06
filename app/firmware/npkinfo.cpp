#include "npkinfo.h"

namespace fwd::firmware {

namespace {

// Only the spellings seen in real files (MIKROTIK.md §2.9); the others are UNVERIFIED and pass
// through unchanged.
struct ArchPair
{
    const char *npk;
    const char *routerOs;
};
constexpr ArchPair kArchPairs[] = {{"i386", "x86"}, {"mips", "mipsbe"}};

} // namespace

QString routerOsArchitectureFromNpk(const QString &npkArchitecture)
{
    const QString a = npkArchitecture.trimmed().toLower();
    for (const ArchPair &p : kArchPairs) {
        if (a == QLatin1String(p.npk))
            return QLatin1String(p.routerOs);
    }
    return a;
}

QString npkArchitectureFromRouterOs(const QString &architecture)
{
    const QString a = architecture.trimmed().toLower();
    for (const ArchPair &p : kArchPairs) {
        if (a == QLatin1String(p.routerOs))
            return QLatin1String(p.npk);
    }
    return a;
}

QString NpkInfo::architecture() const
{
    return routerOsArchitectureFromNpk(npkArchitecture);
}

bool NpkInfo::isSystemPackage() const
{
    return name == QLatin1String("system") || name == QLatin1String("routeros") ||
           (bundle && name.startsWith(QLatin1String("routeros-")));
}

QString NpkInfo::logicalName() const
{
    return isSystemPackage() ? QStringLiteral("routeros") : name;
}

QString NpkInfo::canonicalFileName() const
{
    const QString arch = architecture();
    const QString ver = versionString();
    const bool x86 = arch == QLatin1String("x86");
    if (bundle && version.major < 7) // v6 bundle; a v7 "routeros" wrapper is named like v7
        return QStringLiteral("routeros-") + arch + QLatin1Char('-') + ver + QStringLiteral(".npk");
    const QString stem =
        (version.major >= 7 && isSystemPackage()) ? QStringLiteral("routeros") : name;
    if (x86)
        return stem + QLatin1Char('-') + ver + QStringLiteral(".npk");
    return stem + QLatin1Char('-') + ver + QLatin1Char('-') + arch + QStringLiteral(".npk");
}

} // namespace fwd::firmware
