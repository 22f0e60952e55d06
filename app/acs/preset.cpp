#include "acs/preset.h"

#include <QCoreApplication>
#include <QRegularExpression>

namespace fwd::acs {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("fwd::acs::Preset", text);
}

// One cron field: '*' or '?', or a list of items n, n-m, with an optional /step.
bool validField(const QString &field, int min, int max, const QStringList &names)
{
    if (field.isEmpty())
        return false;
    auto value = [&](const QString &token, int *out) {
        bool ok = false;
        const int n = token.toInt(&ok);
        if (ok) {
            *out = n;
            return n >= min && n <= max;
        }
        const qsizetype i = names.indexOf(token.toUpper());
        if (i < 0)
            return false;
        *out = int(i) + min;
        return true;
    };
    for (const QString &item : field.split(u',')) {
        QString range = item;
        const qsizetype slash = item.indexOf(u'/');
        if (slash >= 0) {
            bool ok = false;
            const int step = item.mid(slash + 1).toInt(&ok);
            if (!ok || step < 1 || step > max - min + 1)
                return false;
            range = item.left(slash);
        }
        if (range == QLatin1String("*") || range == QLatin1String("?"))
            continue;
        const qsizetype dash = range.indexOf(u'-', 1);
        int a = 0;
        int b = 0;
        if (dash > 0) {
            if (!value(range.left(dash), &a) || !value(range.mid(dash + 1), &b) || a > b)
                return false;
        } else if (!value(range, &a)) {
            return false;
        }
    }
    return true;
}

} // namespace

QString PresetSchedule::validate(const QString &schedule)
{
    const QStringList parts = schedule.simplified().split(u' ', Qt::SkipEmptyParts);
    if (parts.isEmpty())
        return tr("The schedule is empty.");
    bool ok = false;
    const qint64 duration = parts.constFirst().toLongLong(&ok);
    if (!ok || duration <= 0 || duration > 366LL * 24 * 3600)
        return tr("A schedule starts with its duration in seconds (1 to one year), for example "
                  "“3600 0 0 2 * * *”.");
    const QStringList cron = parts.mid(1);
    if (cron.size() == 5)
        return tr("The cron “%1” has 5 fields; GenieACS would add a seconds field and fire every "
                  "second of that minute. Write 6 fields (seconds first), for example “0 %1”.")
            .arg(cron.join(u' '));
    if (cron.size() != 6)
        return tr("The cron part of a schedule needs 6 fields (second minute hour day month "
                  "weekday), in UTC.");
    static const QStringList months = {
        QStringLiteral("JAN"), QStringLiteral("FEB"), QStringLiteral("MAR"), QStringLiteral("APR"),
        QStringLiteral("MAY"), QStringLiteral("JUN"), QStringLiteral("JUL"), QStringLiteral("AUG"),
        QStringLiteral("SEP"), QStringLiteral("OCT"), QStringLiteral("NOV"), QStringLiteral("DEC")};
    static const QStringList days = {
        QStringLiteral("SUN"), QStringLiteral("MON"), QStringLiteral("TUE"), QStringLiteral("WED"),
        QStringLiteral("THU"), QStringLiteral("FRI"), QStringLiteral("SAT")};
    struct Field
    {
        const char *name;
        int min, max;
        const QStringList *names;
    };
    static const QStringList none;
    const Field fields[6] = {{"second", 0, 59, &none},  {"minute", 0, 59, &none},
                             {"hour", 0, 23, &none},    {"day", 1, 31, &none},
                             {"month", 1, 12, &months}, {"weekday", 0, 7, &days}};
    for (int i = 0; i < 6; ++i) {
        if (!validField(cron.at(i), fields[i].min, fields[i].max, *fields[i].names))
            return tr("The %1 field “%2” of the cron is not valid (allowed: %3 to %4, lists, "
                      "ranges, steps and *).")
                .arg(QCoreApplication::translate("fwd::acs::Preset", fields[i].name), cron.at(i))
                .arg(fields[i].min)
                .arg(fields[i].max);
    }
    return {};
}

QString PresetSchedule::make(qint64 durationSeconds, const QString &cron6)
{
    return QString::number(durationSeconds) + QLatin1Char(' ') + cron6.simplified();
}

QString Preset::validate() const
{
    if (configurations.isEmpty())
        return tr("A preset needs at least one configuration; GenieACS crashes every CWMP "
                  "session while a preset without configurations exists.");
    for (const Configuration &c : configurations) {
        if (c.type.isEmpty())
            return tr("A preset configuration has no type.");
        if (c.type == QLatin1String("provision") && c.name.trimmed().isEmpty())
            return tr("A preset's provision configuration needs the provision's name.");
        for (const QVariant &a : c.args) {
            const int t = a.typeId();
            if (t != QMetaType::QString && t != QMetaType::Bool && t != QMetaType::Int &&
                t != QMetaType::LongLong && t != QMetaType::Double)
                return tr("Provision arguments must be text, numbers or true/false.");
        }
    }
    if (channel.trimmed().isEmpty())
        return tr("A preset needs a channel (GenieACS's default is “default”).");
    for (auto it = events.cbegin(); it != events.cend(); ++it)
        if (it.key().trimmed().isEmpty())
            return tr("A preset event has no name.");
    if (!schedule.isEmpty())
        if (const QString e = PresetSchedule::validate(schedule); !e.isEmpty())
            return e;
    return {};
}

QJsonObject Preset::toJson() const
{
    QJsonObject ev;
    for (auto it = events.cbegin(); it != events.cend(); ++it)
        ev.insert(it.key(), it.value());
    QJsonArray configs;
    for (const Configuration &c : configurations) {
        QJsonObject o = c.extra;
        o.insert(QStringLiteral("type"), c.type);
        if (c.type == QLatin1String("provision")) {
            o.insert(QStringLiteral("name"), c.name);
            o.insert(QStringLiteral("args"), QJsonArray::fromVariantList(c.args));
        }
        configs.append(o);
    }
    QJsonObject o{{QStringLiteral("weight"), weight},
                  {QStringLiteral("channel"), channel},
                  {QStringLiteral("events"), ev},
                  {QStringLiteral("precondition"), precondition},
                  {QStringLiteral("configurations"), configs}};
    if (!schedule.isEmpty())
        o.insert(QStringLiteral("schedule"),
                 PresetSchedule::make(schedule.section(u' ', 0, 0).toLongLong(),
                                      schedule.simplified().section(u' ', 1)));
    return o;
}

} // namespace fwd::acs
