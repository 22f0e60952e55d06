#pragma once

#include "firmware/filetype.h"

#include <QDateTime>
#include <QFlags>
#include <QList>
#include <QString>
#include <QUrl>

namespace fwd::firmware {

// Where a library file is served from (issue 6: built-in server URL, GenieACS, both).
enum class PublishTarget {
    None = 0,
    BuiltInServer = 0x1, // FirmwareDesk's own HTTPS file server
    GenieAcs = 0x2,      // PUT /files/<name> on GenieACS (its file server then serves it)
};
Q_DECLARE_FLAGS(PublishTargets, PublishTarget)
Q_DECLARE_OPERATORS_FOR_FLAGS(PublishTargets)

// One file of the library with its metadata (the reference product's Files screen).
struct FileRecord
{
    qint64 id = 0; // catalog id; 0 until stored
    FileType fileType = FileType::FirmwareUpgradeImage;
    QString oui;          // vendor OUI ("E48D8C"); empty: any vendor
    QString productClass; // "RB2011iL"; empty: any product class
    QString version;      // the version the file installs ("6.48.4"); free text otherwise
    QString fileName;     // as written to the router and published; always a safe name
    qint64 size = 0;
    QString sha256;       // lower-case hex
    QDateTime uploadedAt; // UTC
    PublishTargets publishedTo = PublishTarget::None;
    QUrl publishedUrl;  // the built-in server's public URL, when published there
    QString sourcePath; // where the engineer imported it from (informational)
    QString storedPath; // the library's copy
    // From the NPK header, for RouterOS packages; empty for other files.
    QString packageName;
    QString architecture;
    // Batches that use the file (kept by the store); a used file cannot be removed.
    QList<qint64> batchIds;

    // True when the file applies to a device of this OUI and product class: an empty OUI or
    // product class in the record means "any"; comparisons ignore case.
    bool appliesTo(const QString &deviceOui, const QString &deviceProductClass) const;

    bool isPackage() const { return !packageName.isEmpty(); }
    bool isUsed() const { return !batchIds.isEmpty(); }
};

} // namespace fwd::firmware
