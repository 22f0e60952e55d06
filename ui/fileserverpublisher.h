#pragma once

#include "ui/filepublisher.h"

#include <QStringList>

namespace fwd::fileserver {
class FileServer;
}
namespace fwd::firmware {
class FileLibrary;
}

namespace fwd::ui {

// FilePublisher over FirmwareDesk's own HTTPS file server (app/fileserver).
class FileServerPublisher final : public FilePublisher
{
public:
    explicit FileServerPublisher(fileserver::FileServer &server);

    QString unavailableReason() const override;
    QUrl publicBase() const override;
    QUrl urlFor(const QString &fileName) const override;
    QString publish(const firmware::FileRecord &record) override;
    void unpublish(const QString &fileName) override;

    // At start (the server keeps its list in memory): publishes again every library file
    // marked as published on the built-in server and brings its URL up to date (the port or
    // host may have changed). A file that cannot be served any more loses the mark. Returns
    // one translated sentence per such file.
    QStringList restore(firmware::FileLibrary &library);

private:
    fileserver::FileServer &m_server;
};

} // namespace fwd::ui
