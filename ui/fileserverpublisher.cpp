#include "fileserverpublisher.h"

#include "fileserver/fileserver.h"
#include "fileserver/publishedfile.h"
#include "firmware/filelibrary.h"

#include <QCoreApplication>

namespace fwd::ui {

FileServerPublisher::FileServerPublisher(fileserver::FileServer &server)
    : m_server(server)
{}

QString FileServerPublisher::unavailableReason() const
{
    if (m_server.isRunning())
        return QString();
    const QString why = m_server.errorString();
    return why.isEmpty()
               ? QCoreApplication::translate("fwd::ui::FileServerPublisher",
                                             "The built-in file server is not running.")
               : QCoreApplication::translate("fwd::ui::FileServerPublisher",
                                             "The built-in file server is not running: %1")
                     .arg(why);
}

QUrl FileServerPublisher::publicBase() const
{
    return m_server.baseUrl();
}

QUrl FileServerPublisher::urlFor(const QString &fileName) const
{
    return m_server.urlFor(fileName);
}

QString FileServerPublisher::publish(const firmware::FileRecord &record)
{
    fileserver::PublishedFile file;
    file.name = record.fileName;
    file.absolutePath = record.storedPath;
    file.size = record.size;
    file.etag = record.sha256;
    return m_server.publish(file);
}

void FileServerPublisher::unpublish(const QString &fileName)
{
    m_server.unpublish(fileName);
}

QStringList FileServerPublisher::restore(firmware::FileLibrary &library)
{
    QStringList problems;
    for (const firmware::FileRecord &r : library.records()) {
        if (!r.publishedTo.testFlag(firmware::PublishTarget::BuiltInServer))
            continue;
        const QString error = publish(r);
        if (!error.isEmpty()) {
            problems << QCoreApplication::translate("fwd::ui::FileServerPublisher",
                                                    "%1 is no longer published: %2")
                            .arg(r.fileName, error);
            firmware::PublishTargets targets = r.publishedTo;
            targets.setFlag(firmware::PublishTarget::BuiltInServer, false);
            library.markPublished(r.id, targets, QUrl());
            continue;
        }
        const QUrl url = urlFor(r.fileName);
        if (url != r.publishedUrl)
            library.markPublished(r.id, r.publishedTo, url);
    }
    return problems;
}

} // namespace fwd::ui
