#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace fwd::firmware {

// The six CWMP Download FileTypes of the reference guide (GENIEACS.md §5, MIKROTIK.md §1.6).
enum class FileType {
    FirmwareUpgradeImage,             // "1 Firmware Upgrade Image"
    WebContent,                       // "2 Web Content"
    VendorConfigurationFile,          // "3 Vendor Configuration File" (also `.alter` scripts)
    ToneFile,                         // "4 Tone File"
    RingerFile,                       // "5 Ringer File"
    MikrotikFactoryConfigurationFile, // "X MIKROTIK Factory Configuration File"
};

// All types, in the order the guide lists them (for combo boxes).
QList<FileType> allFileTypes();

// The exact string sent in the Download RPC and stored as GenieACS's `fileType` metadata.
QString fileTypeWireString(FileType type);

// The wire string back to a type; accepts the documented strings exactly, plus the guide's
// "X Mikrotik Factory Configuration File" spelling (case-insensitive vendor part).
std::optional<FileType> fileTypeFromWireString(const QString &wire);

// Translated name for the UI (e.g. "1 Firmware Upgrade Image").
QString fileTypeDisplayName(FileType type);

// Translated one-line explanation for tooltips (the guide's text in short).
QString fileTypeDescription(FileType type);

// A guess from the file name and its first bytes (the caller reads at most a few KiB):
// `.npk` or a MikroTik upgrade descriptor -> 1; `.alter`, `.rsc`, `.cfg`, `.conf` and other
// RouterOS scripts -> 3; `.html`/`.htm`/`.tar` web bundles -> 2; nothing is guessed for tones,
// ringers or the factory configuration (the engineer picks those); std::nullopt means
// "no guess".
std::optional<FileType> guessFileType(const QString &fileName, const QByteArray &head);

} // namespace fwd::firmware
