#include "lab/cronschedule.h"

#include <QDateTime>
#include <QStringList>

namespace fwd::lab {

namespace {

int nameValue(const QString &s, bool month)
{
    static const QStringList months = {
        QStringLiteral("JAN"), QStringLiteral("FEB"), QStringLiteral("MAR"), QStringLiteral("APR"),
        QStringLiteral("MAY"), QStringLiteral("JUN"), QStringLiteral("JUL"), QStringLiteral("AUG"),
        QStringLiteral("SEP"), QStringLiteral("OCT"), QStringLiteral("NOV"), QStringLiteral("DEC")};
    static const QStringList days = {
        QStringLiteral("SUN"), QStringLiteral("MON"), QStringLiteral("TUE"), QStringLiteral("WED"),
        QStringLiteral("THU"), QStringLiteral("FRI"), QStringLiteral("SAT")};
    const QString u = s.toUpper();
    if (month) {
        const qsizetype i = months.indexOf(u);
        return i < 0 ? -1 : int(i) + 1;
    }
    const qsizetype i = days.indexOf(u);
    return i < 0 ? -1 : int(i);
}

template<size_t N>
bool parseField(const QString &field, int min, int max, bool month, bool weekday,
                std::bitset<N> *out, bool *any)
{
    out->reset();
    *any = field == QLatin1String("*") || field == QLatin1String("?");
    auto value = [&](const QString &s, bool *ok) {
        int v = s.toInt(ok);
        if (!*ok && (month || weekday)) {
            v = nameValue(s, month);
            *ok = v >= 0;
        }
        return v;
    };
    for (const QString &part : field.split(u',')) {
        QString range = part;
        int step = 1;
        const qsizetype slash = part.indexOf(u'/');
        if (slash >= 0) {
            bool ok = false;
            step = part.mid(slash + 1).toInt(&ok);
            if (!ok || step <= 0)
                return false;
            range = part.left(slash);
        }
        int lo = min;
        int hi = max;
        if (range != QLatin1String("*") && range != QLatin1String("?")) {
            const qsizetype dash = range.indexOf(u'-');
            bool ok = false;
            if (dash > 0) {
                lo = value(range.left(dash), &ok);
                if (!ok)
                    return false;
                hi = value(range.mid(dash + 1), &ok);
                if (!ok)
                    return false;
            } else {
                lo = value(range, &ok);
                if (!ok)
                    return false;
                hi = slash >= 0 ? max : lo;
            }
        }
        if (lo < min || hi > max || lo > hi)
            return false;
        for (int v = lo; v <= hi; v += step)
            out->set(size_t(weekday && v == 7 ? 0 : v));
    }
    return true;
}

} // namespace

std::optional<CronSchedule> CronSchedule::parse(const QString &expression, QString *error)
{
    QStringList parts = expression.trimmed().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    if (parts.size() == 5)
        parts.prepend(QStringLiteral("*"));
    if (parts.size() != 6) {
        if (error)
            *error = QStringLiteral("a cron needs 5 or 6 fields");
        return std::nullopt;
    }
    CronSchedule c;
    bool any = false;
    const bool ok = parseField(parts.at(0), 0, 59, false, false, &c.m_seconds, &any) &&
                    parseField(parts.at(1), 0, 59, false, false, &c.m_minutes, &any) &&
                    parseField(parts.at(2), 0, 23, false, false, &c.m_hours, &any) &&
                    parseField(parts.at(3), 1, 31, false, false, &c.m_days, &c.m_anyDay) &&
                    parseField(parts.at(4), 1, 12, true, false, &c.m_months, &any) &&
                    parseField(parts.at(5), 0, 7, false, true, &c.m_weekdays, &c.m_anyWeekday);
    if (!ok) {
        if (error)
            *error = QStringLiteral("invalid cron field in \"%1\"").arg(expression);
        return std::nullopt;
    }
    return c;
}

bool CronSchedule::matches(qint64 t) const
{
    const QDateTime dt = QDateTime::fromSecsSinceEpoch(t, Qt::UTC);
    const QTime time = dt.time();
    const QDate date = dt.date();
    return m_seconds.test(size_t(time.second())) && m_minutes.test(size_t(time.minute())) &&
           m_hours.test(size_t(time.hour())) && m_months.test(size_t(date.month())) &&
           m_days.test(size_t(date.day())) && m_weekdays.test(size_t(date.dayOfWeek() % 7));
}

std::optional<qint64> CronSchedule::previous(qint64 t, qint64 maxLookbackSeconds) const
{
    // Backwards from t: skip whole days, hours and minutes that cannot match, then seconds.
    const qint64 stop = t - maxLookbackSeconds;
    qint64 cur = t;
    while (cur >= stop) {
        const QDateTime dt = QDateTime::fromSecsSinceEpoch(cur, Qt::UTC);
        const QDate date = dt.date();
        const QTime time = dt.time();
        const qint64 intoDay = time.hour() * 3600 + time.minute() * 60 + time.second();
        if (!m_months.test(size_t(date.month())) || !m_days.test(size_t(date.day())) ||
            !m_weekdays.test(size_t(date.dayOfWeek() % 7))) {
            cur -= intoDay + 1;
        } else if (!m_hours.test(size_t(time.hour()))) {
            cur -= time.minute() * 60 + time.second() + 1;
        } else if (!m_minutes.test(size_t(time.minute()))) {
            cur -= time.second() + 1;
        } else if (!m_seconds.test(size_t(time.second()))) {
            cur -= 1;
        } else {
            return cur;
        }
    }
    return std::nullopt;
}

PresetSchedule PresetSchedule::parse(const QString &text)
{
    PresetSchedule s;
    QStringList parts = text.trimmed().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    if (parts.isEmpty())
        return s;
    bool ok = false;
    s.durationMs = qint64(parts.takeFirst().toDouble(&ok) * 1000);
    if (!ok)
        return s;
    s.cron = CronSchedule::parse(parts.join(QLatin1Char(' ')));
    return s;
}

bool PresetSchedule::isActive(qint64 nowMs) const
{
    if (!cron)
        return true; // GenieACS: "Invalid preset schedule" -> the window is ignored
    const qint64 now = nowMs / 1000;
    const auto prev = cron->previous(now, durationMs / 1000 + 1);
    return prev && *prev * 1000 + durationMs > nowMs;
}

} // namespace fwd::lab
