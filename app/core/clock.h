#pragma once

#include <QDateTime>
#include <QObject>

namespace fwd {

// Every clock read in scheduling, verification and the lab goes through a Clock, so that tests
// and the lab can run time fast (DESIGN.md, "Rules of the house").
class Clock
{
public:
    virtual ~Clock() = default;
    virtual QDateTime now() const = 0;
    qint64 nowMs() const { return now().toMSecsSinceEpoch(); }
};

// The wall clock, in UTC.
class SystemClock final : public Clock
{
public:
    QDateTime now() const override;
};

// A clock that only moves when told to: for unit tests.
class ManualClock final : public Clock
{
public:
    explicit ManualClock(QDateTime start);
    QDateTime now() const override;
    void set(QDateTime t);
    void advance(qint64 ms);

private:
    QDateTime m_now;
};

// Real time multiplied by a factor from an epoch: the lab's accelerated clock. A factor of 60
// makes a 30-minute verification delay pass in 30 seconds.
class AcceleratedClock final : public Clock
{
public:
    AcceleratedClock(QDateTime simulatedStart, double factor, const Clock &base);
    QDateTime now() const override;
    double factor() const { return m_factor; }
    // Real milliseconds that pass while simulated time moves by simulatedMs.
    qint64 realMsFor(qint64 simulatedMs) const;

private:
    QDateTime m_simulatedStart;
    QDateTime m_realStart;
    double m_factor;
    const Clock &m_base;
};

} // namespace fwd
