#include "accesslog.h"

namespace fwd::fileserver {

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
