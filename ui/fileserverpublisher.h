#pragma once

#include "ui/filepublisher.h"

namespace fwd::fileserver {
class FileServer;
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

private:
    fileserver::FileServer &m_server;
};

} // namespace fwd::ui
