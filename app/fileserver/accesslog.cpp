#include "accesslog.h"

namespace fwd::fileserver {

void AccessLogSink::recordBatch(QList<AccessRecord> &records)
{
    for (const AccessRecord &r : std::as_const(records))
        record(r);
    records.clear();
}

MemoryAccessLogSink::MemoryAccessLogSink(int capacity)
    : m_capacity(qMax(1, capacity))
{}

void MemoryAccessLogSink::record(const AccessRecord &record)
{
    QMutexLocker lock(&m_mutex);
    if (m_records.size() >= m_capacity)
        m_records.removeFirst();
    m_records.append(record);
}

void MemoryAccessLogSink::recordBatch(QList<AccessRecord> &records)
{
    QMutexLocker lock(&m_mutex);
    for (AccessRecord &r : records) {
        if (m_records.size() >= m_capacity)
            m_records.removeFirst();
        m_records.append(std::move(r));
    }
    records.clear();
}

QList<AccessRecord> MemoryAccessLogSink::records() const
{
    QMutexLocker lock(&m_mutex);
    return m_records;
}

qsizetype MemoryAccessLogSink::size() const
{
    QMutexLocker lock(&m_mutex);
    return m_records.size();
}

void MemoryAccessLogSink::clear()
{
    QMutexLocker lock(&m_mutex);
    m_records.clear();
}

AccessLogBatcher::AccessLogBatcher(int intervalMs, int maxPending, QObject *parent)
    : QObject(parent)
    , m_maxPending(qMax(1, maxPending))
{
    qRegisterMetaType<QList<fwd::fileserver::AccessRecord>>();
    m_timer.setInterval(qMax(10, intervalMs));
    connect(&m_timer, &QTimer::timeout, this, &AccessLogBatcher::flush);
    m_timer.start();
}

AccessLogBatcher::~AccessLogBatcher()
{
    flush();
}

void AccessLogBatcher::record(const AccessRecord &record)
{
    QMutexLocker lock(&m_mutex);
    if (m_pending.size() >= m_maxPending) {
        m_pending.removeFirst();
        ++m_dropped;
    }
    m_pending.append(record);
}

void AccessLogBatcher::recordBatch(QList<AccessRecord> &records)
{
    QMutexLocker lock(&m_mutex);
    if (m_pending.isEmpty() && records.size() <= m_maxPending) {
        m_pending.swap(records); // the common case: nothing waiting yet
        return;
    }
    for (AccessRecord &r : records) {
        if (m_pending.size() >= m_maxPending) {
            m_pending.removeFirst();
            ++m_dropped;
        }
        m_pending.append(std::move(r));
    }
    records.clear();
}

void AccessLogBatcher::flush()
{
    QList<AccessRecord> batch;
    {
        QMutexLocker lock(&m_mutex);
        batch.swap(m_pending);
    }
    if (!batch.isEmpty())
        Q_EMIT batchReady(batch);
}

qint64 AccessLogBatcher::dropped() const
{
    QMutexLocker lock(&m_mutex);
    return m_dropped;
}

} // namespace fwd::fileserver
