#include "httprequest.h"

#include <QCoreApplication>
#include <QStringDecoder>
#include <QVarLengthArray>

namespace fwd::fileserver {

namespace {

bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

bool isToken(QByteArrayView v)
{
    if (v.isEmpty())
        return false;
    for (char c : v) {
        if (!isTokenChar(c))
            return false;
    }
    return true;
}

HeadParseResult error(int status, const char *reason)
{
    HeadParseResult r;
    r.status = HeadParseResult::Status::Error;
    r.errorStatus = status;
    r.errorReason = reason;
    return r;
}

QByteArrayView stripCr(QByteArrayView line)
{
    return line.endsWith('\r') ? line.chopped(1) : line;
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

} // namespace

QByteArray HttpRequestHead::header(QByteArrayView lowerName) const
{
    for (const auto &h : headers) {
        if (h.first == lowerName)
            return h.second;
    }
    return {};
}

int HttpRequestHead::headerCount(QByteArrayView lowerName) const
{
    int n = 0;
    for (const auto &h : headers)
        n += h.first == lowerName ? 1 : 0;
    return n;
}

HeadParseResult parseRequestHead(QByteArrayView buffer, int maxHeaderBytes, int maxHeaderCount)
{
    // Robustness (RFC 9112 2.2): ignore empty lines before the request line.
    qsizetype start = 0;
    while (start < buffer.size() && (buffer[start] == '\r' || buffer[start] == '\n'))
        ++start;
    if (start > 64)
        return error(400, "too many empty lines before the request");

    // Find the end of the head: an empty line.
    qsizetype end = -1;
    qsizetype blankLen = 0;
    for (qsizetype i = start; i < buffer.size(); ++i) {
        if (buffer[i] != '\n')
            continue;
        if (i + 1 < buffer.size() && buffer[i + 1] == '\n') {
            end = i + 1;
            blankLen = 1;
            break;
        }
        if (i + 2 < buffer.size() && buffer[i + 1] == '\r' && buffer[i + 2] == '\n') {
            end = i + 1;
            blankLen = 2;
            break;
        }
    }
    if (end < 0) {
        if (buffer.size() - start > maxHeaderBytes)
            return error(431, "request head too large");
        // A NUL or other control byte in the request line can be rejected early.
        return {};
    }
    if (end - start > maxHeaderBytes)
        return error(431, "request head too large");

    HeadParseResult result;
    result.consumed = end + blankLen;
    HttpRequestHead &head = result.head;
    head.headers.reserve(qMin(maxHeaderCount, 16));
    const QByteArrayView text = buffer.sliced(start, end - start);

    qsizetype lineStart = 0;
    bool firstLine = true;
    while (lineStart < text.size()) {
        qsizetype nl = text.indexOf('\n', lineStart);
        if (nl < 0)
            nl = text.size();
        const QByteArrayView line = stripCr(text.sliced(lineStart, nl - lineStart));
        lineStart = nl + 1;
        for (char c : line) {
            const auto u = static_cast<unsigned char>(c);
            if ((u < 0x20 && c != '\t') || u == 0x7f || c == '\r')
                return error(400, "control character in the request head");
        }
        if (firstLine) {
            firstLine = false;
            const qsizetype sp1 = line.indexOf(' ');
            const qsizetype sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
            if (sp1 <= 0 || sp2 <= sp1 + 1 || line.indexOf(' ', sp2 + 1) >= 0)
                return error(400, "malformed request line");
            const QByteArrayView method = line.first(sp1);
            const QByteArrayView target = line.sliced(sp1 + 1, sp2 - sp1 - 1);
            const QByteArrayView version = line.sliced(sp2 + 1);
            if (!isToken(method))
                return error(400, "malformed method");
            if (version.size() != 8 || !version.startsWith("HTTP/") || version[6] != '.' ||
                version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9')
                return error(400, "malformed HTTP version");
            if (version[5] != '1')
                return error(505, "unsupported HTTP version");
            head.method = method.toByteArray();
            head.target = target.toByteArray();
            head.versionMinor = version[7] - '0';
            continue;
        }
        if (line.startsWith(' ') || line.startsWith('\t'))
            return error(400, "obsolete line folding");
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            return error(400, "malformed header field");
        const QByteArrayView name = line.first(colon);
        if (!isToken(name))
            return error(400, "malformed header name");
        if (head.headers.size() >= maxHeaderCount)
            return error(431, "too many header fields");
        head.headers.append(
            {name.toByteArray().toLower(), line.sliced(colon + 1).trimmed().toByteArray()});
    }
    result.status = HeadParseResult::Status::Complete;
    return result;
}

TargetResult resolveTarget(QByteArrayView target)
{
    TargetResult bad{400, {}};
    QByteArrayView path = target;
    if (path.startsWith("http://") || path.startsWith("https://")) {
        const qsizetype authority = path.indexOf("//") + 2;
        const qsizetype slash = path.indexOf('/', authority);
        if (slash < 0)
            return bad;
        path = path.sliced(slash);
    }
    if (!path.startsWith('/'))
        return bad;
    if (path.contains('#'))
        return bad;
    const qsizetype query = path.indexOf('?');
    if (query >= 0)
        path = path.first(query);
    if (path == "/")
        return {404, {}};

    // One pass: raw slashes separate segments, each segment is percent-decoded once (an encoded
    // slash is refused, so it can never join or split segments), and the segment rules are
    // checked as each one ends.
    QVarLengthArray<char, 256> decoded;
    qsizetype segmentStart = 0;
    bool ascii = true;
    auto segmentOk = [&decoded, &segmentStart] {
        const qsizetype length = decoded.size() - segmentStart;
        const char *p = decoded.data() + segmentStart;
        if (length == 0)
            return false; // "//etc/passwd", "a//b", trailing slash
        if (p[0] == '.' && (length == 1 || (length == 2 && p[1] == '.')))
            return false; // "." and ".." (also when percent-encoded)
        return true;
    };
    for (qsizetype i = 1; i < path.size(); ++i) {
        char c = path[i];
        if (c == '/') {
            if (!segmentOk())
                return bad;
            decoded.append('/');
            segmentStart = decoded.size();
            continue;
        }
        if (c == '%') {
            if (i + 2 >= path.size())
                return bad;
            const int hi = hexValue(path[i + 1]);
            const int lo = hexValue(path[i + 2]);
            if (hi < 0 || lo < 0)
                return bad;
            c = char(hi * 16 + lo);
            i += 2;
        }
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f || c == '\\' || c == '/')
            return bad;
        ascii = ascii && u < 0x80;
        decoded.append(c);
    }
    if (!segmentOk())
        return bad;
    const QByteArrayView bytes(decoded.data(), decoded.size());
    if (ascii)
        return {0, QString::fromLatin1(bytes)};
    // Valid UTF-8 as a whole is valid UTF-8 in every segment: '/' never occurs inside a
    // multi-byte sequence.
    QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    QString name = utf8(bytes);
    if (utf8.hasError())
        return bad;
    return {0, name};
}

QString checkPublishedName(const QString &name)
{
    if (name.isEmpty())
        return QCoreApplication::translate("fwd::fileserver", "The published name is empty.");
    if (name.startsWith(QLatin1Char('/')))
        return QCoreApplication::translate("fwd::fileserver",
                                           "The published name must not start with a slash.");
    const QStringList segments = name.split(QLatin1Char('/'));
    for (const QString &s : segments) {
        if (s.isEmpty() || s == QLatin1String(".") || s == QLatin1String(".."))
            return QCoreApplication::translate(
                       "fwd::fileserver",
                       "The published name \"%1\" has an empty, \".\" or \"..\" part.")
                .arg(name);
        if (s.size() > 255)
            return QCoreApplication::translate("fwd::fileserver",
                                               "A part of the published name is too long.");
        for (QChar c : s) {
            if (c.unicode() < 0x20 || c.unicode() == 0x7f || c == QLatin1Char('\\'))
                return QCoreApplication::translate(
                    "fwd::fileserver",
                    "The published name contains a control character or a backslash.");
        }
    }
    return {};
}

} // namespace fwd::fileserver
