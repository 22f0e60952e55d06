#include "clock.h"

#include <cmath>

namespace fwd {

QDateTime SystemClock::now() const
{
    return QDateTime::currentDateTimeUtc();
}

ManualClock::ManualClock(QDateTime start)
    : m_now(std::move(start))
{}

QDateTime ManualClock::now() const
{
    return m_now;
}

void ManualClock::set(QDateTime t)
{
    m_now = std::move(t);
}

void ManualClock::advance(qint64 ms)
{
    m_now = m_now.addMSecs(ms);
}

AcceleratedClock::AcceleratedClock(QDateTime simulatedStart, double factor, const Clock &base)
    : m_simulatedStart(std::move(simulatedStart))
    , m_realStart(base.now())
    , m_factor(factor > 0 ? factor : 1.0)
    , m_base(base)
{}

QDateTime AcceleratedClock::now() const
{
    const qint64 realElapsed = m_realStart.msecsTo(m_base.now());
    return m_simulatedStart.addMSecs(static_cast<qint64>(std::llround(realElapsed * m_factor)));
}

qint64 AcceleratedClock::realMsFor(qint64 simulatedMs) const
{
    return static_cast<qint64>(std::ceil(static_cast<double>(simulatedMs) / m_factor));
}

} // namespace fwd
