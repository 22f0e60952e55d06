#pragma once

#include <QByteArray>
#include <QObject>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>

class QIODevice;
class QThreadPool;

namespace fwd::firmware {

struct HashResult
{
    QString path;
    QByteArray sha256; // raw 32 bytes; empty unless ok
    qint64 size = 0;   // bytes hashed
    bool ok = false;
    bool cancelled = false;
    QString errorString; // translated; empty when ok

    QString sha256Hex() const { return QString::fromLatin1(sha256.toHex()); }
};

// The synchronous core: streams a device through SHA-256 in 1 MiB blocks, optionally copying
// every block to `copyTo`. Sizes are 64-bit throughout (files beyond 4 GiB). When
// `expectedSize` >= 0 a shorter or longer stream is an error (the file changed meanwhile).
// `progress` is called after every block with the bytes done so far.
class StreamHasher final
{
public:
    static constexpr qint64 BlockSize = 1024 * 1024;

    static HashResult run(QIODevice &in, qint64 expectedSize, const std::atomic<bool> &cancel,
                          const std::function<void(qint64)> &progress = {},
                          QIODevice *copyTo = nullptr);
};

// Hashes one file off the GUI thread (a QThreadPool task) with throttled progress and
// cancellation; the window stays responsive for files of any size.
class FileHasher final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FileHasher)

public:
    // `pool` defaults to QThreadPool::globalInstance().
    explicit FileHasher(QObject *parent = nullptr, QThreadPool *pool = nullptr);
    ~FileHasher() override;

    // Starts hashing; a running job is cancelled first (its result is never delivered).
    void start(const QString &path);
    // Stops the running job; finished() follows with result().cancelled set (unless the job
    // completed meanwhile).
    void cancel();

    bool isRunning() const { return m_running; }
    HashResult result() const { return m_result; }

Q_SIGNALS:
    // After the first block, then at most every 100 ms, and once at the end of a successful
    // run with done == total.
    void progress(qint64 done, qint64 total);
    void finished();

private:
    struct Job;
    void deliver(const std::shared_ptr<Job> &job, const HashResult &result);

    QThreadPool *m_pool;
    std::shared_ptr<Job> m_job;
    HashResult m_result;
    bool m_running = false;
};

} // namespace fwd::firmware
