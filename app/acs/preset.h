#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>
#include <QVariantList>

namespace fwd::acs {

// GenieACS's preset schedule "<durationSeconds> <cron>" (GENIEACS.md §6). GenieACS stores it
// unchecked and, when it cannot parse it, applies the preset at any time; a 5-field cron gets a
// '*' seconds field in front and fires every second of its minute (correction N7). FirmwareDesk
// therefore only sends 6-field crons that pass this check. Cron times are UTC.
struct PresetSchedule
{
    // Empty when valid, else one translated sentence.
    static QString validate(const QString &schedule);
    static QString make(qint64 durationSeconds, const QString &cron6);
};

// A preset in the NBI format. `configurations` is required: a preset without it crashes every
// CWMP session of GenieACS (correction N3), so validate() refuses it.
struct Preset
{
    struct Configuration
    {
        QString type = QStringLiteral("provision"); // or a legacy type: value, add_tag, …
        QString name;                               // provision name (type provision)
        QVariantList args;                          // primitive arguments
        QJsonObject extra; // legacy types: the other fields as GenieACS wants them
    };

    int weight = 0;
    QString channel = QStringLiteral("default");
    QMap<QString, bool> events; // "1 BOOT" → true (must be present), false (must be absent)
    QString precondition;       // a GenieACS 1.2 expression; empty = always
    QString schedule;           // "" or "<durationSeconds> <6-field cron>"
    QList<Configuration> configurations;

    QString validate() const;
    QJsonObject toJson() const;
};

} // namespace fwd::acs
