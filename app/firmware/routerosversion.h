#pragma once

#include <QByteArray>
#include <QString>

#include <compare>
#include <optional>

namespace fwd::firmware {

// A RouterOS version as NPK headers encode it (MIKROTIK.md §2.5): major.minor, then either a
// patch number (final releases, omitted when 0) or alpha/beta/rc with a number.
// Examples: 6.48.4, 6.44, 7.0beta1, 7.22rc4.
struct RouterOsVersion
{
    enum class Kind { Alpha, Beta, ReleaseCandidate, Final };

    int major = 0;
    int minor = 0;
    Kind kind = Kind::Final;
    int revision = 0; // patch for Final, pre-release number otherwise (0..127)

    // Parses MAJOR.MINOR[.PATCH] or MAJOR.MINOR(alpha|beta|rc)N, optionally followed by a
    // channel in parentheses ("7.20.6 (stable)"); leading "v" is accepted. nullopt if invalid.
    static std::optional<RouterOsVersion> fromString(const QString &text);

    // The 4 bytes of an NPK header (revision, build letter, minor, major); nullopt when the
    // bytes are not a version (unknown build letter).
    static std::optional<RouterOsVersion> fromNpkBytes(const QByteArray &fourBytes);
    QByteArray toNpkBytes() const;

    QString toString() const;

    friend bool operator==(const RouterOsVersion &, const RouterOsVersion &) = default;
    friend std::strong_ordering operator<=>(const RouterOsVersion &a, const RouterOsVersion &b);
};

} // namespace fwd::firmware
