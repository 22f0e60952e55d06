#include "nbifileuploader.h"

#include "acs/actionjob.h"
#include "acs/nbiclient.h"
#include "firmware/filetype.h"

#include <QCoreApplication>
#include <QTimer>

namespace fwd::ui {

FileUpload::FileUpload(QObject *parent)
    : QObject(parent)
{}

namespace {

class NbiFileUpload final : public FileUpload
{
public:
    NbiFileUpload(acs::ActionJob *job, QObject *parent)
        : FileUpload(parent)
        , m_job(job)
    {
        connect(job, &acs::NbiJob::uploadProgress, this, &FileUpload::progress);
        connect(job, &acs::ActionJob::finished, this, [this](const acs::ActionResult &result) {
            m_job = nullptr;
            Q_EMIT finished(result.ok(), result.errorString);
        });
    }
    explicit NbiFileUpload(const QString &error, QObject *parent)
        : FileUpload(parent)
    {
        QTimer::singleShot(0, this, [this, error] { Q_EMIT finished(false, error); });
    }

    void cancel() override
    {
        if (m_job)
            m_job->cancel();
    }

private:
    QPointer<acs::ActionJob> m_job;
};

} // namespace

NbiFileUploader::NbiFileUploader(acs::NbiClient *client)
    : m_client(client)
{}

QString NbiFileUploader::unavailableReason() const
{
    if (!m_client)
        return QCoreApplication::translate("fwd::ui::NbiFileUploader",
                                           "No GenieACS connection is configured.");
    return m_client->checkUrl();
}

FileUpload *NbiFileUploader::upload(const firmware::FileRecord &record, QObject *parent)
{
    const QString why = unavailableReason();
    if (!why.isEmpty())
        return new NbiFileUpload(why, parent);
    acs::FileMetadata metadata;
    metadata.fileType = firmware::fileTypeWireString(record.fileType);
    metadata.oui = record.oui;
    metadata.productClass = record.productClass;
    metadata.version = record.version;
    acs::ActionJob *job = m_client->putFile(record.fileName, record.storedPath, metadata);
    auto *upload = new NbiFileUpload(job, parent);
    // Started from the event loop, so that even an immediate refusal reaches the caller, who
    // connects after this returns. A cancel before then finishes the job without sending.
    QTimer::singleShot(0, job, [job] {
        if (!job->isFinished() && !job->isStarted())
            job->start();
    });
    return upload;
}

} // namespace fwd::ui
