#include "safefilename.h"

#include <QCoreApplication>

namespace fwd::firmware {

namespace {

const char *const kContext = "fwd::firmware::SafeFileName";

bool isSafeChar(QChar c)
{
    const char16_t u = c.unicode();
    return (u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z') || (u >= u'0' && u <= u'9') ||
           u == u'.' || u == u'_' || u == u'-';
}

QString describeChar(QChar c)
{
    if (c == QLatin1Char(' '))
        return QCoreApplication::translate(kContext, "space");
    if (c.isPrint())
        return QStringLiteral("\"") + c + QStringLiteral("\"");
    return QStringLiteral("U+%1").arg(c.unicode(), 4, 16, QLatin1Char('0')).toUpper();
}

} // namespace

bool SafeFileName::isSafe(const QString &name)
{
    return problems(name).isEmpty();
}

QStringList SafeFileName::problems(const QString &name)
{
    QStringList out;
    if (name.isEmpty()) {
        out << QCoreApplication::translate(kContext, "The file name is empty.");
        return out;
    }
    if (name == QLatin1String(".") || name == QLatin1String("..")) {
        out << QCoreApplication::translate(kContext, "\"%1\" is not a file name.").arg(name);
        return out;
    }
    QStringList bad;
    for (QChar c : name) {
        if (!isSafeChar(c)) {
            const QString d = describeChar(c);
            if (!bad.contains(d))
                bad << d;
        }
    }
    if (!bad.isEmpty()) {
        out << QCoreApplication::translate(
                   kContext,
                   "The name contains %1, which GenieACS or the router's download URL may "
                   "change or misread; use only letters A-Z, digits, '.', '_' and '-'.")
                   .arg(bad.join(QStringLiteral(", ")));
    }
    if (name.startsWith(QLatin1Char('.')))
        out << QCoreApplication::translate(kContext, "The name starts with a dot (a hidden file).");
    if (name.startsWith(QLatin1Char('-')))
        out << QCoreApplication::translate(kContext, "The name starts with a dash.");
    if (name.size() > MaxLength) {
        out << QCoreApplication::translate(
                   kContext, "The name is %1 characters long; at most %2 are allowed.")
                   .arg(name.size())
                   .arg(MaxLength);
    }
    return out;
}

QString SafeFileName::suggest(const QString &name)
{
    // Decompose accented letters so that "é" becomes "e" plus a combining mark we can drop.
    const QString decomposed = name.normalized(QString::NormalizationForm_KD);
    QString out;
    out.reserve(decomposed.size());
    for (QChar c : decomposed) {
        if (c.category() == QChar::Mark_NonSpacing ||
            c.category() == QChar::Mark_SpacingCombining || c.category() == QChar::Mark_Enclosing) {
            continue;
        }
        if (isSafeChar(c)) {
            out += c;
        } else if (!out.endsWith(QLatin1Char('_'))) {
            out += QLatin1Char('_');
        }
    }
    // No leading dots, dashes or underscores; no trailing underscores or dots.
    while (!out.isEmpty() && (out.front() == QLatin1Char('.') || out.front() == QLatin1Char('-') ||
                              out.front() == QLatin1Char('_'))) {
        out.remove(0, 1);
    }
    while (!out.isEmpty() && (out.back() == QLatin1Char('_') || out.back() == QLatin1Char('.')))
        out.chop(1);
    out.replace(QStringLiteral("_."), QStringLiteral("."));
    out.replace(QStringLiteral("._"), QStringLiteral("."));
    if (out.isEmpty() || out == QLatin1String(".."))
        out = QStringLiteral("file");
    if (out.size() > MaxLength) {
        // Keep the extension: shorten the stem.
        const qsizetype dot = out.lastIndexOf(QLatin1Char('.'));
        const QString ext = (dot > 0 && out.size() - dot <= 16) ? out.mid(dot) : QString();
        out = out.left(MaxLength - ext.size()) + ext;
    }
    return out;
}

} // namespace fwd::firmware
