#pragma once

#include <QDateTime>
#include <QList>
#include <QMutex>
#include <QObject>
#include <QString>
#include <QTimer>

namespace fwd::fileserver {

// One line of the access log: one HTTP request and what became of it.
struct AccessRecord
{
    QDateTime time;        // when the request head was complete (UTC)
    QString clientAddress; // "192.0.2.7" (IPv4-mapped IPv6 shown as IPv4)
    quint16 clientPort = 0;
    QString method;           // GET, HEAD, or what the client sent (truncated)
    QString file;             // published name, or the request target as received when unknown
    QString range;            // served range "bytes 0-1023/4096", empty for a full body
    int status = 0;           // HTTP status sent
    qint64 bytesSent = 0;     // body bytes handed to the network
    qint64 bytesExpected = 0; // body bytes the response announced (Content-Length)
    qint64 durationMs = 0;    // from request head to last byte or break-off
    bool completed = false;   // body sent in full (false: the download broke off)
    QString user;             // HTTP Basic user name, when one was sent
    QString userAgent;        // truncated to 200 characters

    bool operator==(const AccessRecord &) const = default;
};

// Where the server writes its access log. Called from the worker threads and must not block
// them (hand records off in batches; see AccessLogBatcher). The server hands over what each
// worker logged during one turn of its event loop through recordBatch() (one call, one lock,
// instead of one per request); record() takes a single record.
class AccessLogSink
{
public:
    virtual ~AccessLogSink() = default;
    virtual void record(const AccessRecord &record) = 0;
    // Takes the records in order; `records` may be left empty or moved from. The default calls
    // record() for each.
    virtual void recordBatch(QList<AccessRecord> &records);
};

// Keeps records in memory, thread-safe: for tests and as a short "recent downloads" buffer.
// Holds at most `capacity` records, dropping the oldest.
class MemoryAccessLogSink final : public AccessLogSink
{
public:
    explicit MemoryAccessLogSink(int capacity = 100000);
    void record(const AccessRecord &record) override;
    void recordBatch(QList<AccessRecord> &records) override;
    QList<AccessRecord> records() const;
    qsizetype size() const;
    void clear();

private:
    mutable QMutex m_mutex;
    QList<AccessRecord> m_records;
    int m_capacity;
};

// Collects records from any thread under a short lock and hands them over in batches on its own
// thread (the thread it lives in), every intervalMs, through batchReady(). The store's sink
// connects to batchReady and writes each batch in one transaction. At most maxPending records
// wait; beyond that the oldest are dropped and counted in dropped().
class AccessLogBatcher final : public QObject, public AccessLogSink
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AccessLogBatcher)

public:
    explicit AccessLogBatcher(int intervalMs = 500, int maxPending = 100000,
                              QObject *parent = nullptr);
    ~AccessLogBatcher() override;

    void record(const AccessRecord &record) override;
    void recordBatch(QList<AccessRecord> &records) override;
    // Hands over what is pending now (called by the timer; also useful before shutdown).
    void flush();
    qint64 dropped() const;

Q_SIGNALS:
    void batchReady(const QList<fwd::fileserver::AccessRecord> &batch);

private:
    mutable QMutex m_mutex;
    QList<AccessRecord> m_pending;
    qint64 m_dropped = 0;
    int m_maxPending;
    QTimer m_timer;
};

} // namespace fwd::fileserver

Q_DECLARE_METATYPE(fwd::fileserver::AccessRecord)
