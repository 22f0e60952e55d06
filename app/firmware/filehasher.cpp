#include "filehasher.h"

#include "firmware/firmwarelogging.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QMutex>
#include <QMutexLocker>
#include <QRunnable>
#include <QThreadPool>

namespace fwd::firmware {

namespace {

const char *const kContext = "fwd::firmware::FileHasher";

QString tr(const char *text)
{
    return QCoreApplication::translate(kContext, text);
}

} // namespace

HashResult StreamHasher::run(QIODevice &in, qint64 expectedSize, const std::atomic<bool> &cancel,
                             const std::function<void(qint64)> &progress, QIODevice *copyTo)
{
    HashResult r;
    QCryptographicHash sha(QCryptographicHash::Sha256);
    QByteArray block(BlockSize, Qt::Uninitialized);
    qint64 done = 0;
    for (;;) {
        if (cancel.load(std::memory_order_relaxed)) {
            r.cancelled = true;
            r.size = done;
            r.errorString = tr("Cancelled.");
            return r;
        }
        const qint64 n = in.read(block.data(), BlockSize);
        if (n < 0) {
            r.size = done;
            r.errorString = tr("Reading failed after %1 bytes: %2").arg(done).arg(in.errorString());
            return r;
        }
        if (n == 0)
            break;
        sha.addData(QByteArrayView(block.constData(), n));
        if (copyTo && copyTo->write(block.constData(), n) != n) {
            r.size = done;
            r.errorString = tr("Writing the copy failed after %1 bytes: %2")
                                .arg(done)
                                .arg(copyTo->errorString());
            return r;
        }
        done += n;
        if (expectedSize >= 0 && done > expectedSize)
            break;
        if (progress)
            progress(done);
    }
    r.size = done;
    if (expectedSize >= 0 && done != expectedSize) {
        r.errorString = tr("The file changed while it was read: %1 bytes were expected, %2 were "
                           "found.")
                            .arg(expectedSize)
                            .arg(done);
        return r;
    }
    r.ok = true;
    r.sha256 = sha.result();
    return r;
}

struct FileHasher::Job
{
    QString path;
    std::atomic<bool> cancel{false};
    QMutex mutex;
    FileHasher *receiver = nullptr; // cleared under the mutex when the hasher lets go
};

namespace {

class HashTask final : public QRunnable
{
public:
    using Deliver = std::function<void(const HashResult &, bool final, qint64 done, qint64 total)>;

    HashTask(QString path, const std::atomic<bool> &cancel, Deliver deliver)
        : m_path(std::move(path))
        , m_cancel(cancel)
        , m_deliver(std::move(deliver))
    {}

    void run() override
    {
        HashResult r;
        QFile file(m_path);
        const QString name = QFileInfo(m_path).fileName();
        if (QFileInfo(m_path).isDir()) {
            r.errorString = tr("%1 cannot be read: it is a folder.").arg(name);
        } else if (!file.open(QIODevice::ReadOnly)) {
            r.errorString = tr("%1 cannot be read: %2.").arg(name, file.errorString());
        } else {
            const qint64 total = file.size();
            QElapsedTimer since;
            since.start();
            bool first = true;
            r = StreamHasher::run(file, total, m_cancel, [&](qint64 done) {
                if (first || since.elapsed() >= 100) {
                    first = false;
                    since.restart();
                    m_deliver({}, false, done, total);
                }
            });
            if (!r.ok && !r.cancelled)
                r.errorString = tr("%1 cannot be hashed: %2").arg(name, r.errorString);
        }
        r.path = m_path;
        m_deliver(r, true, r.size, r.size);
    }

private:
    QString m_path;
    const std::atomic<bool> &m_cancel;
    Deliver m_deliver;
};

} // namespace

FileHasher::FileHasher(QObject *parent, QThreadPool *pool)
    : QObject(parent)
    , m_pool(pool ? pool : QThreadPool::globalInstance())
{}

FileHasher::~FileHasher()
{
    if (m_job) {
        QMutexLocker lock(&m_job->mutex);
        m_job->receiver = nullptr;
        m_job->cancel = true;
    }
}

void FileHasher::start(const QString &path)
{
    if (m_job) {
        QMutexLocker lock(&m_job->mutex);
        m_job->receiver = nullptr;
        m_job->cancel = true;
    }
    auto job = std::make_shared<Job>();
    job->path = path;
    job->receiver = this;
    m_job = job;
    m_running = true;
    m_result = HashResult();
    qCDebug(lcFirmware) << "hashing" << path;
    // The task keeps the job alive; deliveries go through the mutex so that the hasher cannot
    // be destroyed while an event is being posted to it.
    auto deliver = [job](const HashResult &r, bool final, qint64 done, qint64 total) {
        QMutexLocker lock(&job->mutex);
        FileHasher *receiver = job->receiver;
        if (!receiver)
            return;
        QMetaObject::invokeMethod(
            receiver,
            [receiver, job, r, final, done, total] {
                if (receiver->m_job != job)
                    return;
                if (!final || r.ok)
                    Q_EMIT receiver->progress(done, total);
                if (final)
                    receiver->deliver(job, r);
            },
            Qt::QueuedConnection);
    };
    // The cancel flag lives in the job, which `deliver` keeps alive as long as the task.
    auto *task = new HashTask(path, job->cancel, deliver);
    task->setAutoDelete(true);
    m_pool->start(task);
}

void FileHasher::cancel()
{
    if (m_job)
        m_job->cancel = true;
}

void FileHasher::deliver(const std::shared_ptr<Job> &job, const HashResult &result)
{
    if (m_job != job)
        return;
    m_job.reset();
    m_running = false;
    m_result = result;
    Q_EMIT finished();
}

} // namespace fwd::firmware
