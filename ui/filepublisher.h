#pragma once

#include "firmware/filerecord.h"

#include <QString>
#include <QUrl>

namespace fwd::ui {

// Publishing library files on the built-in file server, as the Files screen and the descriptor
// builder see it (injected; FileServerPublisher is the implementation over app/fileserver).
class FilePublisher
{
public:
    virtual ~FilePublisher() = default;

    // Empty when publishing works now, else why not (translated; shown on disabled actions).
    virtual QString unavailableReason() const = 0;
    // The base URL links are built on ("https://host:7567/" or an external prefix).
    virtual QUrl publicBase() const = 0;
    virtual QUrl urlFor(const QString &fileName) const = 0;
    // Serves the library's copy under its file name. Empty on success, else the reason.
    virtual QString publish(const firmware::FileRecord &record) = 0;
    virtual void unpublish(const QString &fileName) = 0;
};

} // namespace fwd::ui
