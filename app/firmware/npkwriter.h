#pragma once

#include "firmware/routerosversion.h"

#include <QDateTime>
#include <QList>
#include <QString>

class QIODevice;

namespace fwd::firmware {

// One package as NpkWriter lays it out (the real v6/v7 layout of MIKROTIK.md §2.9: empty
// pre-header, part info, channel, architecture, description, digest, dependency, padding so
// the squashfs starts on a 4 KiB boundary, squashfs, signature with a valid SHA-1, trailer).
struct NpkPackageSpec
{
    QString name; // at most 15 ASCII characters: "system", "tr069-client", "gps"
    RouterOsVersion version;
    QString npkArchitecture; // as the NPK spells it: "i386", "mips", "arm", "arm64"
    QString channel = QStringLiteral("stable");
    QDateTime buildTime = QDateTime::fromSecsSinceEpoch(1629269007, Qt::UTC);
    QString description;
    qint64 squashfsSize = 4096;     // size of the (synthetic) file system part, any size
    bool dependsOnSystem = true;    // extra packages pin "system" to their own version
    bool signatureWithEdDsa = true; // 132-byte signature (6.48+, v7) instead of 68 bytes
};

// A v6 "routeros-<arch>" bundle: a type-18 header, then the member packages in one stream.
struct NpkBundleSpec
{
    QString name; // "routeros-x86"
    RouterOsVersion version;
    QString npkArchitecture;
    QString channel = QStringLiteral("stable");
    QDateTime buildTime = QDateTime::fromSecsSinceEpoch(1629269007, Qt::UTC);
    QString description;
    QList<NpkPackageSpec> packages;
};

// Produces real-layout NPK files for tests, the lab's simulated routers and benchmarks. The
// contents are synthetic (no real file system, no MikroTik signature), the layout is real.
class NpkWriter final
{
public:
    // Writes the package to an open device, streaming the squashfs part in 1 MiB blocks.
    static bool write(QIODevice &device, const NpkPackageSpec &spec, QString *errorString);
    static bool write(QIODevice &device, const NpkBundleSpec &spec, QString *errorString);

    // Writes to a file through a temporary name and an atomic rename.
    static bool writeFile(const QString &path, const NpkPackageSpec &spec, QString *errorString);
    static bool writeFile(const QString &path, const NpkBundleSpec &spec, QString *errorString);

    // In memory, for small packages.
    static QByteArray build(const NpkPackageSpec &spec);
    static QByteArray build(const NpkBundleSpec &spec);

    // The size write() produces, without writing.
    static qint64 packageSize(const NpkPackageSpec &spec);
    static qint64 bundleSize(const NpkBundleSpec &spec);
};

} // namespace fwd::firmware
