#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QUrl>

namespace fwd::firmware {

struct DescriptorParseResult;

// The MikroTik "1 Firmware Upgrade Image" XML (MIKROTIK.md §1.1): <upgrade version="1"
// type="links"> with an empty <config/> and one <link><url>…</url></link> per package. Only
// the documented elements are written or accepted.
struct UpgradeDescriptor
{
    QList<QUrl> links;

    // The XML exactly as MikroTik's example lays it out, UTF-8, ending in a newline.
    QByteArray toXml() const;

    // Parses an existing descriptor; every error names the line and what was expected.
    static DescriptorParseResult fromXml(const QByteArray &xml, const QString &displayName);
    static DescriptorParseResult readFile(const QString &path);

    // "upgrade_6.48.4_x86.xml"
    static QString fileNameFor(const QString &version, const QString &architecture);

    // A published file's URL under the file server's public base ("https://host:7567/" or
    // an external prefix such as "https://cdn.example/fw/"); the name is percent-encoded.
    static QUrl linkFor(const QUrl &publicBase, const QString &fileName);

    // Larger inputs are refused before parsing: a real descriptor is a few hundred bytes.
    static constexpr qint64 MaxSize = 1024 * 1024;
};

struct DescriptorParseResult
{
    UpgradeDescriptor descriptor;
    QString errorString; // translated; empty on success
    qint64 line = 0;     // where the first problem is, when known

    bool ok() const { return errorString.isEmpty(); }
};

} // namespace fwd::firmware
