#include "acs/nbipath.h"

#include <QCoreApplication>

namespace fwd::acs {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("fwd::acs::NbiPath", text);
}

bool isAlnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool isHex(QChar c)
{
    return (c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f') || (c >= u'A' && c <= u'F');
}

QByteArray percentEncode(const QByteArray &utf8, auto keep)
{
    static const char hex[] = "0123456789ABCDEF";
    QByteArray out;
    out.reserve(utf8.size() * 3);
    for (const char c : utf8) {
        if (keep(c)) {
            out.append(c);
        } else {
            const auto b = static_cast<unsigned char>(c);
            out.append('%');
            out.append(hex[b >> 4]);
            out.append(hex[b & 0xF]);
        }
    }
    return out;
}

QString describeChar(QChar c)
{
    if (c.isPrint() && !c.isSpace())
        return QStringLiteral("“") + c + QStringLiteral("”");
    return QStringLiteral("U+%1").arg(c.unicode(), 4, 16, QLatin1Char('0')).toUpper();
}

} // namespace

QString escapeDeviceIdPart(const QString &part)
{
    // GenieACS writes each byte with Number.toString(16): upper-case, without zero padding.
    static const char hex[] = "0123456789ABCDEF";
    QString out;
    for (const char c : part.toUtf8()) {
        if (isAlnum(c) || c == '_') {
            out.append(QLatin1Char(c));
            continue;
        }
        const auto b = static_cast<unsigned char>(c);
        out.append(QLatin1Char('%'));
        if (b >= 16)
            out.append(QLatin1Char(hex[b >> 4]));
        out.append(QLatin1Char(hex[b & 0xF]));
    }
    return out;
}

QString makeDeviceId(const QString &oui, const QString &productClass, const QString &serial)
{
    if (productClass.isEmpty())
        return escapeDeviceIdPart(oui) + QLatin1Char('-') + escapeDeviceIdPart(serial);
    return escapeDeviceIdPart(oui) + QLatin1Char('-') + escapeDeviceIdPart(productClass) +
           QLatin1Char('-') + escapeDeviceIdPart(serial);
}

QByteArray encodePathSegment(const QString &segment)
{
    return percentEncode(segment.toUtf8(),
                         [](char c) { return isAlnum(c) || c == '_' || c == '-'; });
}

QByteArray encodeQueryValue(const QString &value)
{
    return percentEncode(value.toUtf8(), [](char c) {
        return isAlnum(c) || c == '_' || c == '-' || c == '.' || c == '~';
    });
}

QString checkDeviceId(const QString &deviceId)
{
    if (deviceId.isEmpty())
        return tr("The device id is empty.");
    if (deviceId.size() > 1024)
        return tr("The device id is longer than 1024 characters.");
    for (qsizetype i = 0; i < deviceId.size(); ++i) {
        const QChar c = deviceId.at(i);
        if (c == u'%') {
            if (i + 1 >= deviceId.size() || !isHex(deviceId.at(i + 1)))
                return tr("The device id “%1” has a “%” that is not followed by a hex digit; "
                          "GenieACS ids escape characters as %XX.")
                    .arg(deviceId);
            continue;
        }
        if (c.unicode() < 128 &&
            (isAlnum(static_cast<char>(c.unicode())) || c == u'_' || c == u'-'))
            continue;
        return tr("The device id “%1” contains %2; GenieACS escapes every character outside "
                  "letters, digits, '_' and '-' inside its ids, so this is not a GenieACS id.")
            .arg(deviceId, describeChar(c));
    }
    return {};
}

QString checkRouteName(const QString &name, const QString &what)
{
    if (name.trimmed().isEmpty())
        return tr("The %1 name is empty.").arg(what);
    if (name.size() > 256)
        return tr("The %1 name is longer than 256 characters.").arg(what);
    for (const QChar c : name) {
        if (c == u'.' || c == u'~')
            return tr("The %1 name “%2” contains %3: GenieACS's NBI routes refuse it and it "
                      "cannot be escaped in a URL; use letters, digits, '_' or '-' instead.")
                .arg(what, name, describeChar(c));
        if (c.category() == QChar::Other_Control || c.isNonCharacter() || c.isSurrogate())
            return tr("The %1 name “%2” contains the control character %3.")
                .arg(what, name, describeChar(c));
    }
    return {};
}

QString checkFileName(const QString &name)
{
    if (name.isEmpty())
        return tr("The file name is empty.");
    if (name == QLatin1String(".") || name == QLatin1String(".."))
        return tr("“%1” is not a file name.").arg(name);
    if (name.size() > 255)
        return tr("The file name is longer than 255 characters.");
    for (const QChar c : name) {
        const char16_t u = c.unicode();
        const bool ok = u < 128 && (isAlnum(static_cast<char>(u)) || u == u'.' || u == u'_' ||
                                    u == u'-' || u == u'~');
        if (!ok)
            return tr("The file name “%1” contains %2: GenieACS copies the name into the "
                      "router's Download URL without escaping it, so only letters, digits, '.', "
                      "'_', '-' and '~' are safe.")
                .arg(name, describeChar(c));
    }
    return {};
}

bool isObjectId(const QString &id)
{
    if (id.size() != 24)
        return false;
    for (const QChar c : id)
        if (!(c >= u'0' && c <= u'9') && !(c >= u'a' && c <= u'f') && !(c >= u'A' && c <= u'F'))
            return false;
    return true;
}

QString checkTaskId(const QString &taskId)
{
    if (!isObjectId(taskId))
        return tr("“%1” is not a GenieACS task id (24 hexadecimal digits); sending it would crash "
                  "GenieACS's NBI worker.")
            .arg(taskId);
    return {};
}

QString checkFaultId(const QString &faultId)
{
    const qsizetype colon = faultId.lastIndexOf(u':');
    if (colon <= 0 || colon == faultId.size() - 1)
        return tr("“%1” is not a GenieACS fault id (<device id>:<channel>).").arg(faultId);
    if (const QString err = checkDeviceId(faultId.left(colon)); !err.isEmpty())
        return err;
    const QString channel = faultId.mid(colon + 1);
    if (channel.contains(u'.') || channel.contains(u'~'))
        return tr("The fault id “%1” contains '.' or '~', which GenieACS's NBI routes refuse.")
            .arg(faultId);
    if (channel.startsWith(QLatin1String("task_")) && !isObjectId(channel.mid(5)))
        return tr("The fault id “%1” names a task channel without a 24-hex task id; deleting it "
                  "would crash GenieACS's NBI worker.")
            .arg(faultId);
    return {};
}

} // namespace fwd::acs
