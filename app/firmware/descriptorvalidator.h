#pragma once

#include "firmware/npkinfo.h"
#include "firmware/routerosversion.h"
#include "firmware/upgradedescriptor.h"

#include <QList>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <optional>

namespace fwd::firmware {

// One link of a descriptor with what is known about the package behind it: from the NPK
// header of the library's copy (reliable) or, for links to files outside the library, from
// MikroTik's file-name pattern (a guess, flagged by a warning).
struct DescriptorPackage
{
    enum class Origin { NpkHeader, FileName, Unknown };

    QUrl url;
    QString fileName;    // last path segment of the URL, decoded
    QString packageName; // header name ("system", "routeros-x86", "tr069-client")
    std::optional<RouterOsVersion> version;
    QString architecture; // RouterOS name: "x86", "mipsbe", "arm64"
    bool systemPackage = false;
    bool bundle = false;
    QStringList bundledPackages;
    qint64 expectedSize = -1; // the size the library holds; -1 when not in the library
    Origin origin = Origin::Unknown;

    // The package name compared between links: the system package in any form is "routeros".
    QString logicalName() const;

    static DescriptorPackage fromNpk(const QUrl &url, const NpkInfo &info, qint64 size);
    // From the URL's file name, following MikroTik's naming (MIKROTIK.md §1.3).
    static DescriptorPackage fromUrl(const QUrl &url);
};

struct DescriptorIssue
{
    enum class Severity { Error, Warning };
    enum class Code {
        NoPackages,
        NotAPackage,    // a link that is not an .npk
        UnknownPackage, // version/architecture unknown or only guessed from the name
        MixedVersions,
        MixedArchitectures,
        MissingSystemPackage,
        DuplicatePackage,
        DuplicateLink,
        InsecureLink, // http:// instead of https://
        MissingTr069Client,
        LinkUnreachable,
        HttpError,
        SizeMismatch,
        SizeUnknown,
    };

    Severity severity = Severity::Error;
    Code code = Code::NoPackages;
    QUrl url;        // the link concerned, when one is
    QString message; // translated, complete sentence
};

// The checks before a descriptor is published (issue 6): one version, one architecture, the
// system package present, no duplicates; warnings for plain HTTP and a missing tr069-client.
// The network check (every link answering HEAD with the library's size) is LinkCheck.
class DescriptorValidator final
{
public:
    static QList<DescriptorIssue> validate(const QList<DescriptorPackage> &packages);

    static bool hasErrors(const QList<DescriptorIssue> &issues);

    // The descriptor for the packages: the system package first, the others by name.
    static UpgradeDescriptor build(const QList<DescriptorPackage> &packages);

    // "upgrade_<version>_<arch>.xml" from the system package (or the first known package);
    // empty when no package has a known version and architecture.
    static QString descriptorFileName(const QList<DescriptorPackage> &packages);
};

} // namespace fwd::firmware
