#pragma once

#include "firmware/npkinfo.h"

#include <QString>

class QIODevice;

namespace fwd::firmware {

enum class NpkError {
    None,
    Unreadable,   // the file cannot be opened or read
    Empty,        // zero bytes
    NotNpk,       // wrong magic: a text file, a ZIP, anything else
    SizeMismatch, // the header's payload size disagrees with the file size (truncated?)
    Truncated,    // a part header or payload runs past the end of the file
    BadPart,      // a metadata part is malformed
    NoPackageInfo // a valid container without a package-information part
};

struct NpkReadResult
{
    NpkInfo info;
    NpkError error = NpkError::None;
    QString errorString; // translated, names the file, the offset and what was expected

    bool ok() const { return error == NpkError::None; }
};

enum class NpkDigestCheck { Valid, Invalid, NotChecked };

// Reads the identity of a MikroTik package from its header parts (MIKROTIK.md §2.11). Only
// the part headers and the small metadata parts are read; large parts (squashfs) are skipped
// by seeking, so reading a 100 MB package costs a few KiB of I/O.
class NpkReader final
{
public:
    // The file's name is used in error messages only.
    static NpkReadResult read(const QString &path);
    // `device` must be open for reading and random-access; `displayName` names it in errors.
    static NpkReadResult read(QIODevice &device, const QString &displayName);

    // Optional offline integrity check: recomputes the SHA-1 the signature part starts with
    // (MIKROTIK.md §2.7) for a single package. Reads the whole file. Bundles are NotChecked.
    static NpkDigestCheck verifyDigest(QIODevice &device, QString *errorString = nullptr);

    // The 4 magic bytes every NPK starts with (u32 LE 0xBAD0F11E).
    static QByteArray magic();
};

} // namespace fwd::firmware
