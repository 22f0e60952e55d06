#pragma once

#include "firmware/routerosversion.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

namespace fwd::firmware {

// A dependency record of an NPK (part type 3, MIKROTIK.md §2.6).
struct NpkDependency
{
    QString packageName;
    RouterOsVersion minimumVersion;
    RouterOsVersion maximumVersion;
};

// What the header of one .npk file says about it (MIKROTIK.md §2.11).
struct NpkInfo
{
    QString name;            // package name in the header: "system", "tr069-client", "routeros-x86"
    RouterOsVersion version; // from the header, never from the file name
    QString npkArchitecture; // as the NPK spells it (part type 16): "i386", "mips", "arm"
    QString channel;         // "stable", "long-term", "testing", "development"; may be empty
    QDateTime buildTime;     // UTC
    QString description;
    bool bundle = false;         // a v6 "routeros-<arch>" bundle (first part type 18)
    QStringList bundledPackages; // members of a bundle (part type 20)
    QList<NpkDependency> dependencies;
    qint64 fileSize = 0;

    QString versionString() const { return version.toString(); }

    // The architecture as RouterOS names it in file names and X_MIKROTIK_ArchName.
    QString architecture() const;

    // True for the package an upgrade cannot do without: the v6 "routeros-<arch>" bundle, the
    // "system" package (v6 separate packages, v7 main package) or a v7 "routeros" wrapper.
    bool isSystemPackage() const;

    // The package's name for comparisons between packages of one upgrade: the system package
    // in any of its forms is "routeros", others keep their header name.
    QString logicalName() const;

    // The file name MikroTik publishes this package under (MIKROTIK.md §1.3):
    // v6 bundle routeros-<arch>-<ver>.npk; v7 main routeros-<ver>-<arch>.npk; extras
    // <pkg>-<ver>-<arch>.npk; the "-<arch>" suffix is dropped on x86 except for v6 bundles.
    QString canonicalFileName() const;
};

// NPK architecture strings to RouterOS architecture names ("i386" -> "x86", "mips" -> "mipsbe");
// unknown values pass through lower-cased.
QString routerOsArchitectureFromNpk(const QString &npkArchitecture);
// The reverse ("x86" -> "i386", "mipsbe" -> "mips"); unknown values pass through lower-cased.
QString npkArchitectureFromRouterOs(const QString &architecture);

} // namespace fwd::firmware
