#pragma once

#include "firmware/filerecord.h"

#include <QObject>

namespace fwd::ui {

// One running upload of a library file to GenieACS. Emits finished() exactly once.
class FileUpload : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FileUpload)

public:
    explicit FileUpload(QObject *parent = nullptr);
    virtual void cancel() = 0;

Q_SIGNALS:
    void progress(qint64 sent, qint64 total);
    // errorString is translated and empty on success.
    void finished(bool ok, const QString &errorString);
};

// Uploading library files to GenieACS (`PUT /files/<name>` with the fileType, oui, productClass
// and version headers), as the Files screen sees it (injected; NbiFileUploader implements it
// over app/acs).
class GenieAcsFileUploader
{
public:
    virtual ~GenieAcsFileUploader() = default;

    // Empty when uploads can start now, else why not (translated).
    virtual QString unavailableReason() const = 0;
    // Starts the upload; the returned object is a child of `parent`.
    virtual FileUpload *upload(const firmware::FileRecord &record, QObject *parent) = 0;
};

} // namespace fwd::ui
