#pragma once

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>
#include <QVariant>

#include <optional>

namespace fwd::acs {

// A GenieACS task (GENIEACS.md §3), checked before it is sent: an invalid task body crashes
// GenieACS's NBI worker (≥ 1.2.10: the connection drops and the NBI is gone for ~20 s).
struct TaskSpec
{
    enum class Type {
        GetParameterValues,
        SetParameterValues,
        RefreshObject,
        AddObject,
        DeleteObject,
        Reboot,
        FactoryReset,
        Download,
        Provisions,
    };
    struct Setting
    {
        QString path;
        QVariant value;  // QString, integer, double, bool or QDateTime
        QString xsdType; // optional, e.g. "xsd:unsignedInt"
    };

    Type type = Type::Reboot;
    QStringList parameterNames;     // getParameterValues
    QList<Setting> parameterValues; // setParameterValues
    QString objectName;             // refreshObject ("" = everything), addObject, deleteObject
    QList<std::pair<QString, QString>> aliasValues; // addObject: alias keys of the new instance
    QString fileType;                               // download, e.g. "1 Firmware Upgrade Image"
    QString fileName;                               // download: the name in GenieACS's files
    QString targetFileName;                         // download, optional
    QList<QVariantList> provisions; // provisions: [name, args…] with primitive args

    QDateTime timestamp;                 // not due before
    std::optional<qint64> expirySeconds; // after timestamp
    QDateTime expiryAt;                  // or an absolute expiry
    QString uniqueKey;                   // replaces the device's task with the same key

    static TaskSpec reboot();
    static TaskSpec factoryReset();
    static TaskSpec download(const QString &fileType, const QString &fileName,
                             const QString &targetFileName = {});
    static TaskSpec getParameterValues(const QStringList &names);
    static TaskSpec setParameterValues(const QList<Setting> &values);
    static TaskSpec refreshObject(const QString &objectName);
    static TaskSpec addObject(const QString &objectName);
    static TaskSpec deleteObject(const QString &objectName);
    static TaskSpec provisionsTask(const QList<QVariantList> &provisions);

    bool hasExpiry() const { return expirySeconds.has_value() || !expiryAt.isNull(); }
    QString name() const; // GenieACS's task name, e.g. "download"
    // Empty when GenieACS can take it, else one translated sentence.
    QString validate() const;
    QJsonObject toJson() const;
};

// A task as GenieACS lists it in /tasks/.
struct TaskRecord
{
    QString id;
    QString device;
    QString name;
    QDateTime timestamp;
    QDateTime expiry;
    QJsonObject document;
};
bool parseTask(const QJsonObject &document, TaskRecord *out);

// A fault as GenieACS lists it in /faults/ (GENIEACS.md §4).
struct FaultRecord
{
    QString id; // <device>:<channel>
    QString device;
    QString channel; // preset channel or task_<id>
    QString code;    // cwmp.9010, timeout, script.Error, …
    QString message;
    QJsonValue detail;
    int retries = 0;
    QDateTime timestamp;
    QDateTime expiry;
    QString taskId() const; // for task_ channels
};
bool parseFault(const QJsonObject &document, FaultRecord *out);

// A file in GenieACS (fs.files).
struct FileRecord
{
    QString name; // _id
    qint64 length = -1;
    QDateTime uploadDate;
    QString fileType, oui, productClass, version;
};
bool parseFile(const QJsonObject &document, FileRecord *out);

// A pending asynchronous download (GenieACS ≥ 1.2.10, /operations/).
struct OperationRecord
{
    QString id; // <device>:<CommandKey>
    QString device;
    QString commandKey;
    QString name; // "Download"
    QDateTime timestamp;
    QJsonObject args; // parsed from GenieACS's JSON string
};
bool parseOperation(const QJsonObject &document, OperationRecord *out);

} // namespace fwd::acs

Q_DECLARE_METATYPE(fwd::acs::TaskSpec)
