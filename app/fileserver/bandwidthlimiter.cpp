#include "bandwidthlimiter.h"

namespace fwd::fileserver {

BandwidthLimiter::BandwidthLimiter(qint64 bytesPerSecond)
    : m_rate(qMax<qint64>(1, bytesPerSecond))
    // A twentieth of a second's worth, at least one TLS record: smooth without being choppy.
    , m_burst(qMax(double(m_rate) / 20.0, 16384.0))
    , m_tokens(0)
    , m_last(std::chrono::steady_clock::now())
{}

qint64 BandwidthLimiter::take(qint64 want)
{
    QMutexLocker lock(&m_mutex);
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - m_last).count();
    m_last = now;
    m_tokens = qMin(m_burst, m_tokens + elapsed * double(m_rate));
    const qint64 granted = qMin(want, qint64(m_tokens));
    m_tokens -= double(granted);
    return granted;
}

} // namespace fwd::fileserver
