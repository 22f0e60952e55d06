#include "httpdate.h"

#include <QList>
#include <QTimeZone>

#include <array>
#include <cstring>

namespace fwd::fileserver {

namespace {

constexpr std::array<const char *, 7> kDays = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
constexpr std::array<const char *, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

int monthFromName(QByteArrayView name)
{
    for (int i = 0; i < 12; ++i) {
        if (name == QByteArrayView(kMonths[size_t(i)]))
            return i + 1;
    }
    return 0;
}

bool toInt(QByteArrayView digits, int &out)
{
    if (digits.isEmpty() || digits.size() > 4)
        return false;
    int v = 0;
    for (char c : digits) {
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    out = v;
    return true;
}

// "08:49:37"
bool parseTime(QByteArrayView text, QTime &out)
{
    if (text.size() != 8 || text[2] != ':' || text[5] != ':')
        return false;
    int h = 0, m = 0, s = 0;
    if (!toInt(text.sliced(0, 2), h) || !toInt(text.sliced(3, 2), m) ||
        !toInt(text.sliced(6, 2), s))
        return false;
    out = QTime(h, m, s);
    return out.isValid();
}

QList<QByteArrayView> words(QByteArrayView text)
{
    QList<QByteArrayView> out;
    qsizetype i = 0;
    while (i < text.size()) {
        while (i < text.size() && text[i] == ' ')
            ++i;
        const qsizetype start = i;
        while (i < text.size() && text[i] != ' ')
            ++i;
        if (i > start)
            out.append(text.sliced(start, i - start));
    }
    return out;
}

QDateTime make(int year, int month, int day, const QTime &time)
{
    const QDate date(year, month, day);
    if (!date.isValid() || !time.isValid())
        return {};
    return QDateTime(date, time, QTimeZone::utc());
}

} // namespace

QByteArray formatHttpDate(const QDateTime &time)
{
    // Written digit by digit: this runs for every response.
    const QDateTime t = time.toUTC();
    const QDate d = t.date();
    const QTime tm = t.time();
    QByteArray out(29, Qt::Uninitialized);
    char *p = out.data();
    auto two = [&p](int v) {
        *p++ = char('0' + v / 10 % 10);
        *p++ = char('0' + v % 10);
    };
    std::memcpy(p, kDays[size_t(d.dayOfWeek() - 1)], 3);
    p += 3;
    *p++ = ',';
    *p++ = ' ';
    two(d.day());
    *p++ = ' ';
    std::memcpy(p, kMonths[size_t(d.month() - 1)], 3);
    p += 3;
    *p++ = ' ';
    two(d.year() / 100);
    two(d.year() % 100);
    *p++ = ' ';
    two(tm.hour());
    *p++ = ':';
    two(tm.minute());
    *p++ = ':';
    two(tm.second());
    std::memcpy(p, " GMT", 4);
    return out;
}

QDateTime parseHttpDate(QByteArrayView text)
{
    const QList<QByteArrayView> w = words(text.trimmed());
    QTime time;
    int day = 0, year = 0;
    if (w.size() == 6 && w[0].endsWith(',') && w[5] == "GMT") {
        // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
        const int month = monthFromName(w[2]);
        if (w[1].size() != 2 || w[3].size() != 4 || !toInt(w[1], day) || !month ||
            !toInt(w[3], year) || !parseTime(w[4], time))
            return {};
        return make(year, month, day, time);
    }
    if (w.size() == 4 && w[0].endsWith(',') && w[3] == "GMT") {
        // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
        const QByteArrayView dmy = w[1];
        if (dmy.size() != 9 || dmy[2] != '-' || dmy[6] != '-')
            return {};
        const int month = monthFromName(dmy.sliced(3, 3));
        if (!toInt(dmy.sliced(0, 2), day) || !month || !toInt(dmy.sliced(7, 2), year) ||
            !parseTime(w[2], time))
            return {};
        year += year < 70 ? 2000 : 1900; // RFC 9110: two-digit years 50 years back at most
        return make(year, month, day, time);
    }
    if (w.size() == 5) {
        // asctime: Sun Nov  6 08:49:37 1994
        const int month = monthFromName(w[1]);
        if (!month || !toInt(w[2], day) || w[2].size() > 2 || !parseTime(w[3], time) ||
            w[4].size() != 4 || !toInt(w[4], year))
            return {};
        return make(year, month, day, time);
    }
    return {};
}

} // namespace fwd::fileserver
