#include "contenttype.h"

namespace fwd::fileserver {

QByteArray contentTypeFor(const QString &name)
{
    const qsizetype slash = name.lastIndexOf(QLatin1Char('/'));
    const qsizetype dot = name.lastIndexOf(QLatin1Char('.'));
    if (dot <= slash + 1) // no extension, or a dot file
        return QByteArrayLiteral("application/octet-stream");
    const QString ext = name.sliced(dot + 1).toLower();
    if (ext == QLatin1String("xml"))
        return QByteArrayLiteral("application/xml");
    if (ext == QLatin1String("alter") || ext == QLatin1String("rsc") || ext == QLatin1String("txt"))
        return QByteArrayLiteral("text/plain; charset=utf-8");
    // .npk, .bin and everything else: opaque bytes, never sniffed (nosniff is sent too)
    return QByteArrayLiteral("application/octet-stream");
}

} // namespace fwd::fileserver
