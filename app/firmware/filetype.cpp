#include "filetype.h"

#include <QCoreApplication>
#include <QFileInfo>

namespace fwd::firmware {

namespace {

const char *const kContext = "fwd::firmware::FileType";

bool looksLikeUpgradeDescriptor(const QByteArray &head)
{
    // The root element of a MikroTik descriptor, possibly after an XML declaration or comments.
    const QByteArray trimmed = head.trimmed();
    if (!trimmed.startsWith('<'))
        return false;
    const qsizetype root = trimmed.indexOf("<upgrade");
    return root >= 0 && trimmed.indexOf("links", root) > root;
}

bool looksLikeRouterOsScript(const QByteArray &head)
{
    // RouterOS exports start with a comment carrying the date and "by RouterOS", and scripts
    // are made of menu paths such as "/ip address".
    const QByteArray trimmed = head.trimmed();
    if (trimmed.startsWith("# ") && trimmed.contains("RouterOS"))
        return true;
    for (const QByteArray &line : trimmed.split('\n')) {
        const QByteArray l = line.trimmed();
        if (l.isEmpty() || l.startsWith('#'))
            continue;
        return l.startsWith("/") || l.startsWith(":");
    }
    return false;
}

} // namespace

QList<FileType> allFileTypes()
{
    return {FileType::FirmwareUpgradeImage,
            FileType::WebContent,
            FileType::VendorConfigurationFile,
            FileType::ToneFile,
            FileType::RingerFile,
            FileType::MikrotikFactoryConfigurationFile};
}

QString fileTypeWireString(FileType type)
{
    switch (type) {
    case FileType::FirmwareUpgradeImage:
        return QStringLiteral("1 Firmware Upgrade Image");
    case FileType::WebContent:
        return QStringLiteral("2 Web Content");
    case FileType::VendorConfigurationFile:
        return QStringLiteral("3 Vendor Configuration File");
    case FileType::ToneFile:
        return QStringLiteral("4 Tone File");
    case FileType::RingerFile:
        return QStringLiteral("5 Ringer File");
    case FileType::MikrotikFactoryConfigurationFile:
        return QStringLiteral("X MIKROTIK Factory Configuration File");
    }
    return {};
}

std::optional<FileType> fileTypeFromWireString(const QString &wire)
{
    const QString w = wire.trimmed();
    for (FileType t : allFileTypes()) {
        if (w == fileTypeWireString(t))
            return t;
    }
    // The guide spells the vendor part "Mikrotik"; the wire string is upper case. Accept both.
    if (w.compare(fileTypeWireString(FileType::MikrotikFactoryConfigurationFile),
                  Qt::CaseInsensitive) == 0) {
        return FileType::MikrotikFactoryConfigurationFile;
    }
    return std::nullopt;
}

QString fileTypeDisplayName(FileType type)
{
    switch (type) {
    case FileType::FirmwareUpgradeImage:
        return QCoreApplication::translate(kContext, "1 Firmware Upgrade Image");
    case FileType::WebContent:
        return QCoreApplication::translate(kContext, "2 Web Content");
    case FileType::VendorConfigurationFile:
        return QCoreApplication::translate(kContext, "3 Vendor Configuration File");
    case FileType::ToneFile:
        return QCoreApplication::translate(kContext, "4 Tone File");
    case FileType::RingerFile:
        return QCoreApplication::translate(kContext, "5 Ringer File");
    case FileType::MikrotikFactoryConfigurationFile:
        return QCoreApplication::translate(kContext, "X MikroTik Factory Configuration File");
    }
    return {};
}

QString fileTypeDescription(FileType type)
{
    switch (type) {
    case FileType::FirmwareUpgradeImage:
        return QCoreApplication::translate(
            kContext, "Firmware update. For MikroTik, an XML upgrade descriptor that links the "
                      "RouterOS packages (.npk) to download and install.");
    case FileType::WebContent:
        return QCoreApplication::translate(kContext,
                                           "Files for the router's web-based user interface.");
    case FileType::VendorConfigurationFile:
        return QCoreApplication::translate(
            kContext, "Replaces the whole configuration; a file whose name ends in .alter is run "
                      "as a script that changes the configuration in place.");
    case FileType::ToneFile:
        return QCoreApplication::translate(
            kContext, "Tones and announcements of the voice service (TR-104).");
    case FileType::RingerFile:
        return QCoreApplication::translate(kContext,
                                           "Ring sequences of the voice service (TR-104).");
    case FileType::MikrotikFactoryConfigurationFile:
        return QCoreApplication::translate(
            kContext, "Replaces the RouterOS default-configuration script run after "
                      "/system reset-configuration. A broken script can lock the router out.");
    }
    return {};
}

std::optional<FileType> guessFileType(const QString &fileName, const QByteArray &head)
{
    const QString suffix = QFileInfo(fileName).suffix().toLower();
    if (suffix == QLatin1String("npk"))
        return FileType::FirmwareUpgradeImage;
    if (suffix == QLatin1String("alter") || suffix == QLatin1String("rsc") ||
        suffix == QLatin1String("cfg") || suffix == QLatin1String("conf") ||
        suffix == QLatin1String("backup")) {
        return FileType::VendorConfigurationFile;
    }
    if (suffix == QLatin1String("xml") || head.trimmed().startsWith('<')) {
        if (looksLikeUpgradeDescriptor(head))
            return FileType::FirmwareUpgradeImage;
    }
    if (suffix == QLatin1String("html") || suffix == QLatin1String("htm"))
        return FileType::WebContent;
    if (head.startsWith("\x1e\xf1\xd0\xba"))
        return FileType::FirmwareUpgradeImage; // an NPK under another name
    if (looksLikeRouterOsScript(head))
        return FileType::VendorConfigurationFile;
    return std::nullopt;
}

} // namespace fwd::firmware
