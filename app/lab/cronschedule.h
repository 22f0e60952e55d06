#pragma once

#include <QString>

#include <array>
#include <bitset>
#include <optional>

namespace fwd::lab {

// A preset schedule's cron as GenieACS evaluates it (lib/scheduling.ts with later.js), in UTC:
// six fields (second minute hour day-of-month month day-of-week); a five-field cron gets '*'
// put in front as the seconds field (GENIEACS.md N7), so "0 2 * * *" fires every second of 02:00.
// Fields take '*', numbers, ranges a-b, steps */n and a-b/n, and comma lists; day-of-week 0-7
// (0 and 7 are Sunday); month and weekday names (JAN, MON) are accepted.
class CronSchedule final
{
public:
    static std::optional<CronSchedule> parse(const QString &expression, QString *error = nullptr);

    bool matches(qint64 secondsSinceEpoch) const;
    // The last matching second at or before t (seconds), searched back at most maxLookbackSeconds.
    std::optional<qint64> previous(qint64 t, qint64 maxLookbackSeconds) const;

private:
    std::bitset<60> m_seconds;
    std::bitset<60> m_minutes;
    std::bitset<24> m_hours;
    std::bitset<32> m_days;
    std::bitset<13> m_months;
    std::bitset<7> m_weekdays;
    bool m_anyDay = true;
    bool m_anyWeekday = true;
};

// "<duration seconds> <cron>": active while the last occurrence + duration > now.
struct PresetSchedule
{
    qint64 durationMs = 0;
    std::optional<CronSchedule> cron; // nullopt: GenieACS could not parse it and ignores the window
    static PresetSchedule parse(const QString &text);
    bool isActive(qint64 nowMs) const;
};

} // namespace fwd::lab
