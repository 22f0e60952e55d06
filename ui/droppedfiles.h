#pragma once

#include <QMimeData>
#include <QStringList>
#include <QUrl>

namespace fwd::ui {

// The local files of a drop from the desktop (file URLs only), for the screens that take them.
inline QStringList localFiles(const QMimeData *mime)
{
    QStringList out;
    if (!mime || !mime->hasUrls())
        return out;
    for (const QUrl &url : mime->urls()) {
        if (url.isLocalFile())
            out << url.toLocalFile();
    }
    return out;
}

} // namespace fwd::ui
