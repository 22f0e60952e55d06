#pragma once

#include <QString>
#include <QStringList>

namespace fwd::firmware {

// File names that survive the whole path: the library folder, the built-in file server's URL,
// GenieACS's `PUT /files/<name>` route and its Download URL (encodeURI, not XML-escaped), and
// the router's file system. Only [A-Za-z0-9._-] is safe (GENIEACS.md §5 and correction W3).
class SafeFileName final
{
public:
    static constexpr int MaxLength = 200;

    // True when the name can be used as is.
    static bool isSafe(const QString &name);

    // Every reason the name is not safe, translated, one sentence each; empty when safe.
    static QStringList problems(const QString &name);

    // A safe name close to the original: accents dropped, spaces and other characters turned
    // into '_', runs of '_' collapsed, leading dots and dashes removed, the extension kept
    // and the length bounded. Never empty ("file" when nothing usable is left).
    static QString suggest(const QString &name);
};

} // namespace fwd::firmware
