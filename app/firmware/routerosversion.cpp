#include "routerosversion.h"

#include <QRegularExpression>

namespace fwd::firmware {

std::optional<RouterOsVersion> RouterOsVersion::fromString(const QString &text)
{
    static const QRegularExpression re(QStringLiteral(
        R"(^\s*[vV]?(\d{1,3})\.(\d{1,3})(?:\.(\d{1,3})|(alpha|beta|rc)(\d{1,3}))?\s*(?:\([A-Za-z -]*\))?\s*$)"));
    const QRegularExpressionMatch m = re.match(text);
    if (!m.hasMatch())
        return std::nullopt;
    RouterOsVersion v;
    v.major = m.captured(1).toInt();
    v.minor = m.captured(2).toInt();
    if (m.hasCaptured(3) && !m.captured(3).isEmpty()) {
        v.revision = m.captured(3).toInt();
    } else if (m.hasCaptured(4) && !m.captured(4).isEmpty()) {
        const QString k = m.captured(4);
        v.kind = k == QLatin1String("alpha")  ? Kind::Alpha
                 : k == QLatin1String("beta") ? Kind::Beta
                                              : Kind::ReleaseCandidate;
        v.revision = m.captured(5).toInt();
    }
    if (v.major > 255 || v.minor > 255 || v.revision > 127)
        return std::nullopt;
    return v;
}

std::optional<RouterOsVersion> RouterOsVersion::fromNpkBytes(const QByteArray &b)
{
    if (b.size() != 4)
        return std::nullopt;
    RouterOsVersion v;
    v.revision = static_cast<quint8>(b[0]) & 0x7f; // bit 7: "test" flag (MIKROTIK.md §2.5)
    switch (b[1]) {
    case 'a':
        v.kind = Kind::Alpha;
        break;
    case 'b':
        v.kind = Kind::Beta;
        break;
    case 'c':
        v.kind = Kind::ReleaseCandidate;
        break;
    case 'f':
        v.kind = Kind::Final;
        break;
    default:
        return std::nullopt;
    }
    v.minor = static_cast<quint8>(b[2]);
    v.major = static_cast<quint8>(b[3]);
    return v;
}

QByteArray RouterOsVersion::toNpkBytes() const
{
    char letter = 'f';
    switch (kind) {
    case Kind::Alpha:
        letter = 'a';
        break;
    case Kind::Beta:
        letter = 'b';
        break;
    case Kind::ReleaseCandidate:
        letter = 'c';
        break;
    case Kind::Final:
        letter = 'f';
        break;
    }
    QByteArray b(4, '\0');
    b[0] = static_cast<char>(revision & 0x7f);
    b[1] = letter;
    b[2] = static_cast<char>(minor & 0xff);
    b[3] = static_cast<char>(major & 0xff);
    return b;
}

QString RouterOsVersion::toString() const
{
    QString s = QString::number(major) + QLatin1Char('.') + QString::number(minor);
    switch (kind) {
    case Kind::Final:
        if (revision != 0)
            s += QLatin1Char('.') + QString::number(revision);
        break;
    case Kind::Alpha:
        s += QStringLiteral("alpha") + QString::number(revision);
        break;
    case Kind::Beta:
        s += QStringLiteral("beta") + QString::number(revision);
        break;
    case Kind::ReleaseCandidate:
        s += QStringLiteral("rc") + QString::number(revision);
        break;
    }
    return s;
}

std::strong_ordering operator<=>(const RouterOsVersion &a, const RouterOsVersion &b)
{
    if (auto c = a.major <=> b.major; c != 0)
        return c;
    if (auto c = a.minor <=> b.minor; c != 0)
        return c;
    // 7.22beta1 < 7.22rc1 < 7.22 (final) < 7.22.1
    if (auto c = static_cast<int>(a.kind) <=> static_cast<int>(b.kind); c != 0)
        return c;
    return a.revision <=> b.revision;
}

} // namespace fwd::firmware
