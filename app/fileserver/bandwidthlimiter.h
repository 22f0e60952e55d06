#pragma once

#include <QMutex>
#include <QtGlobal>

#include <chrono>

namespace fwd::fileserver {

// A token bucket shared by all worker threads: the global bandwidth cap (internal).
class BandwidthLimiter final
{
public:
    explicit BandwidthLimiter(qint64 bytesPerSecond);
    Q_DISABLE_COPY_MOVE(BandwidthLimiter)

    // Grants up to `want` bytes now (possibly 0: try again a little later).
    qint64 take(qint64 want);
    qint64 rate() const { return m_rate; }

private:
    QMutex m_mutex;
    const qint64 m_rate;
    const double m_burst;
    double m_tokens;
    std::chrono::steady_clock::time_point m_last;
};

} // namespace fwd::fileserver
