#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>
#include <QVariant>

namespace fwd::acs {

// One parameter of a device document: {_value, _type, _timestamp, _writable, _object}.
struct ParameterValue
{
    bool present = false;
    QVariant value; // QString, qint64, double, bool or QDateTime (xsd:dateTime)
    QString type;   // e.g. "xsd:string"
    QDateTime timestamp;
    bool writable = false;
    QString text() const; // the value as text ("" when absent)
};

// One instance of the Downloads virtual tree (GENIEACS.md §6).
struct DownloadRecord
{
    QString instance; // "1"
    QString fileType, fileName, targetFileName;
    QDateTime download; // the declared trigger time
    QString lastFileType, lastFileName, lastTargetFileName;
    QDateTime lastDownload, startTime, completeTime;
    // Dates GenieACS set to the epoch ("never") are invalid here.
    // A download declared after the last finished one: the router has not reported success.
    bool pending() const;
    // A download the router reported as finished (TransferComplete or DownloadResponse 0).
    // With DownloadResponse 0, GenieACS 1.2.x writes the FileType into LastFileName and
    // LastTargetFileName (T068): compare fileName, not lastFileName.
    bool completed() const;
};

// A GenieACS device document in typed form, as FirmwareDesk reads it.
struct DeviceRecord
{
    enum class DataModel { Unknown, Tr098, Tr181 };

    QString id;
    QString manufacturer, oui, productClass, serialNumber;
    QStringList tags;
    QDateTime registered, lastInform, lastBoot, lastBootstrap;
    DataModel dataModel = DataModel::Unknown;
    ParameterValue softwareVersion; // from the data model's DeviceInfo
    ParameterValue hardwareVersion;
    ParameterValue architecture; // MikroTik: Device.DeviceInfo.X_MIKROTIK_ArchName
    QList<DownloadRecord> downloads;
    QDateTime lastReboot; // the Reboot virtual parameter
};

// Parses a device document (whole or projected). Returns false (with a translated reason) only
// when the document is not a device at all (no string _id); missing parts stay empty.
bool parseDevice(const QJsonObject &document, DeviceRecord *out, QString *error = nullptr);
// The parameter at a dotted path ("InternetGatewayDevice.DeviceInfo.SoftwareVersion").
ParameterValue parameterAt(const QJsonObject &document, const QString &path);
// GenieACS writes dates as ISO 8601 strings with milliseconds ("2026-12-01T06:32:52.924Z").
QDateTime parseGenieDate(const QJsonValue &value);

} // namespace fwd::acs

Q_DECLARE_METATYPE(fwd::acs::DeviceRecord)
