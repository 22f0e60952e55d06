#include "acs/taskspec.h"

#include "acs/devicedocument.h"
#include "acs/nbipath.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QRegularExpression>

namespace fwd::acs {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("fwd::acs::TaskSpec", text);
}

// A parameter path; objects end with '.', wildcards '*' select all instances.
bool isParameterPath(const QString &path, bool allowTrailingDot)
{
    static const QRegularExpression re(
        QStringLiteral("^[A-Za-z0-9_*-]+(\\.[A-Za-z0-9_*-]+)*(\\.)?$"));
    if (path.size() > 1024 || !re.match(path).hasMatch())
        return false;
    return allowTrailingDot || !path.endsWith(u'.');
}

bool hasControl(const QString &s)
{
    for (const QChar c : s)
        if (c.category() == QChar::Other_Control)
            return true;
    return false;
}

QJsonValue primitive(const QVariant &v)
{
    switch (v.typeId()) {
    case QMetaType::Bool:
        return v.toBool();
    case QMetaType::Int:
    case QMetaType::LongLong:
    case QMetaType::UInt:
    case QMetaType::ULongLong:
        return double(v.toLongLong());
    case QMetaType::Double:
        return v.toDouble();
    case QMetaType::QDateTime:
        return v.toDateTime().toUTC().toString(Qt::ISODateWithMs);
    default:
        return v.toString();
    }
}

bool isPrimitive(const QVariant &v)
{
    switch (v.typeId()) {
    case QMetaType::Bool:
    case QMetaType::Int:
    case QMetaType::LongLong:
    case QMetaType::UInt:
    case QMetaType::ULongLong:
    case QMetaType::QString:
        return true;
    case QMetaType::Double:
        return std::isfinite(v.toDouble());
    case QMetaType::QDateTime:
        return v.toDateTime().isValid();
    default:
        return false;
    }
}

const QStringList &xsdTypes()
{
    static const QStringList types = {
        QStringLiteral("xsd:string"),      QStringLiteral("xsd:int"),
        QStringLiteral("xsd:unsignedInt"), QStringLiteral("xsd:boolean"),
        QStringLiteral("xsd:dateTime"),    QStringLiteral("xsd:base64"),
        QStringLiteral("xsd:hexBinary"),   QStringLiteral("xsd:long"),
        QStringLiteral("xsd:unsignedLong")};
    return types;
}

} // namespace

TaskSpec TaskSpec::reboot()
{
    return {};
}

TaskSpec TaskSpec::factoryReset()
{
    TaskSpec t;
    t.type = Type::FactoryReset;
    return t;
}

TaskSpec TaskSpec::download(const QString &fileType, const QString &fileName,
                            const QString &targetFileName)
{
    TaskSpec t;
    t.type = Type::Download;
    t.fileType = fileType;
    t.fileName = fileName;
    t.targetFileName = targetFileName;
    return t;
}

TaskSpec TaskSpec::getParameterValues(const QStringList &names)
{
    TaskSpec t;
    t.type = Type::GetParameterValues;
    t.parameterNames = names;
    return t;
}

TaskSpec TaskSpec::setParameterValues(const QList<Setting> &values)
{
    TaskSpec t;
    t.type = Type::SetParameterValues;
    t.parameterValues = values;
    return t;
}

TaskSpec TaskSpec::refreshObject(const QString &objectName)
{
    TaskSpec t;
    t.type = Type::RefreshObject;
    t.objectName = objectName;
    return t;
}

TaskSpec TaskSpec::addObject(const QString &objectName)
{
    TaskSpec t;
    t.type = Type::AddObject;
    t.objectName = objectName;
    return t;
}

TaskSpec TaskSpec::deleteObject(const QString &objectName)
{
    TaskSpec t;
    t.type = Type::DeleteObject;
    t.objectName = objectName;
    return t;
}

TaskSpec TaskSpec::provisionsTask(const QList<QVariantList> &provisions)
{
    TaskSpec t;
    t.type = Type::Provisions;
    t.provisions = provisions;
    return t;
}

QString TaskSpec::name() const
{
    switch (type) {
    case Type::GetParameterValues:
        return QStringLiteral("getParameterValues");
    case Type::SetParameterValues:
        return QStringLiteral("setParameterValues");
    case Type::RefreshObject:
        return QStringLiteral("refreshObject");
    case Type::AddObject:
        return QStringLiteral("addObject");
    case Type::DeleteObject:
        return QStringLiteral("deleteObject");
    case Type::Reboot:
        return QStringLiteral("reboot");
    case Type::FactoryReset:
        return QStringLiteral("factoryReset");
    case Type::Download:
        return QStringLiteral("download");
    case Type::Provisions:
        return QStringLiteral("provisions");
    }
    return {};
}

QString TaskSpec::validate() const
{
    switch (type) {
    case Type::GetParameterValues:
        if (parameterNames.isEmpty())
            return tr("A “get parameter values” task needs at least one parameter name.");
        for (const QString &p : parameterNames)
            if (!isParameterPath(p, true))
                return tr("“%1” is not a parameter path.").arg(p);
        break;
    case Type::SetParameterValues:
        if (parameterValues.isEmpty())
            return tr("A “set parameter values” task needs at least one value.");
        for (const Setting &s : parameterValues) {
            if (!isParameterPath(s.path, false))
                return tr("“%1” is not a parameter path.").arg(s.path);
            if (!isPrimitive(s.value))
                return tr("The value for “%1” must be text, a number, true/false or a date.")
                    .arg(s.path);
            if (!s.xsdType.isEmpty() && !xsdTypes().contains(s.xsdType))
                return tr("“%1” is not a TR-069 type (for example xsd:string).").arg(s.xsdType);
        }
        break;
    case Type::RefreshObject:
        if (!objectName.isEmpty() && !isParameterPath(objectName, true))
            return tr("“%1” is not an object path.").arg(objectName);
        break;
    case Type::AddObject:
    case Type::DeleteObject:
        if (objectName.isEmpty() || !isParameterPath(objectName, true))
            return tr("“%1” is not an object path.").arg(objectName);
        for (const auto &[key, value] : aliasValues)
            if (!isParameterPath(key, false) || hasControl(value))
                return tr("“%1” is not a valid alias key.").arg(key);
        break;
    case Type::Reboot:
    case Type::FactoryReset:
        break;
    case Type::Download:
        if (fileType.trimmed().isEmpty() || hasControl(fileType) || fileType.size() > 256)
            return tr("A download task needs a file type such as “1 Firmware Upgrade Image”.");
        if (const QString e = checkFileName(fileName); !e.isEmpty())
            return e;
        if (!targetFileName.isEmpty() &&
            (hasControl(targetFileName) || targetFileName.size() > 256 ||
             targetFileName.contains(u'<') || targetFileName.contains(u'&')))
            return tr("The target file name “%1” cannot be sent to a router.").arg(targetFileName);
        break;
    case Type::Provisions:
        if (provisions.isEmpty())
            return tr("A provisions task needs at least one provision.");
        for (const QVariantList &p : provisions) {
            if (p.isEmpty() || p.constFirst().typeId() != QMetaType::QString ||
                p.constFirst().toString().isEmpty())
                return tr("Every provision of a provisions task needs a name.");
            for (const QVariant &arg : p)
                if (!isPrimitive(arg))
                    return tr("Provision arguments must be text, numbers or true/false.");
        }
        break;
    }
    if (!timestamp.isNull() && !timestamp.isValid())
        return tr("The task's start time is invalid.");
    if (expirySeconds && *expirySeconds <= 0)
        return tr("The task's expiry must be a positive number of seconds.");
    if (!expiryAt.isNull() && !expiryAt.isValid())
        return tr("The task's expiry date is invalid.");
    if (expirySeconds && !expiryAt.isNull())
        return tr("A task has either a relative or an absolute expiry, not both.");
    if (uniqueKey.size() > 256 || hasControl(uniqueKey))
        return tr("The task's unique key is invalid.");
    return {};
}

QJsonObject TaskSpec::toJson() const
{
    QJsonObject o{{QStringLiteral("name"), name()}};
    switch (type) {
    case Type::GetParameterValues:
        o.insert(QStringLiteral("parameterNames"), QJsonArray::fromStringList(parameterNames));
        break;
    case Type::SetParameterValues: {
        QJsonArray values;
        for (const Setting &s : parameterValues) {
            QJsonArray item{s.path, primitive(s.value)};
            if (!s.xsdType.isEmpty())
                item.append(s.xsdType);
            values.append(item);
        }
        o.insert(QStringLiteral("parameterValues"), values);
        break;
    }
    case Type::RefreshObject:
    case Type::DeleteObject:
        o.insert(QStringLiteral("objectName"), objectName);
        break;
    case Type::AddObject: {
        o.insert(QStringLiteral("objectName"), objectName);
        if (!aliasValues.isEmpty()) {
            QJsonArray values;
            for (const auto &[key, value] : aliasValues)
                values.append(QJsonArray{key, value});
            o.insert(QStringLiteral("parameterValues"), values);
        }
        break;
    }
    case Type::Reboot:
    case Type::FactoryReset:
        break;
    case Type::Download:
        o.insert(QStringLiteral("fileType"), fileType);
        o.insert(QStringLiteral("fileName"), fileName);
        if (!targetFileName.isEmpty())
            o.insert(QStringLiteral("targetFileName"), targetFileName);
        break;
    case Type::Provisions: {
        QJsonArray list;
        for (const QVariantList &p : provisions) {
            QJsonArray item;
            for (const QVariant &v : p)
                item.append(primitive(v));
            list.append(item);
        }
        o.insert(QStringLiteral("provisions"), list);
        break;
    }
    }
    if (timestamp.isValid())
        o.insert(QStringLiteral("timestamp"), timestamp.toUTC().toString(Qt::ISODateWithMs));
    if (expirySeconds)
        o.insert(QStringLiteral("expiry"), double(*expirySeconds));
    else if (expiryAt.isValid())
        o.insert(QStringLiteral("expiry"), expiryAt.toUTC().toString(Qt::ISODateWithMs));
    if (!uniqueKey.isEmpty())
        o.insert(QStringLiteral("uniqueKey"), uniqueKey);
    return o;
}

bool parseTask(const QJsonObject &document, TaskRecord *out)
{
    const QString id = document.value(QLatin1String("_id")).toString();
    if (id.isEmpty())
        return false;
    out->id = id;
    out->device = document.value(QLatin1String("device")).toString();
    out->name = document.value(QLatin1String("name")).toString();
    out->timestamp = parseGenieDate(document.value(QLatin1String("timestamp")));
    out->expiry = parseGenieDate(document.value(QLatin1String("expiry")));
    out->document = document;
    return true;
}

QString FaultRecord::taskId() const
{
    return channel.startsWith(QLatin1String("task_")) ? channel.mid(5) : QString();
}

bool parseFault(const QJsonObject &document, FaultRecord *out)
{
    const QString id = document.value(QLatin1String("_id")).toString();
    if (id.isEmpty())
        return false;
    out->id = id;
    out->device = document.value(QLatin1String("device")).toString();
    out->channel = document.value(QLatin1String("channel")).toString();
    if (out->device.isEmpty() || out->channel.isEmpty()) {
        const qsizetype colon = id.lastIndexOf(u':');
        if (colon > 0) {
            out->device = id.left(colon);
            out->channel = id.mid(colon + 1);
        }
    }
    out->code = document.value(QLatin1String("code")).toString();
    out->message = document.value(QLatin1String("message")).toString();
    out->detail = document.value(QLatin1String("detail"));
    out->retries = document.value(QLatin1String("retries")).toInt();
    out->timestamp = parseGenieDate(document.value(QLatin1String("timestamp")));
    out->expiry = parseGenieDate(document.value(QLatin1String("expiry")));
    return true;
}

bool parseFile(const QJsonObject &document, FileRecord *out)
{
    const QString id = document.value(QLatin1String("_id")).toString();
    if (id.isEmpty())
        return false;
    out->name = id;
    const QJsonValue length = document.value(QLatin1String("length"));
    out->length = length.isDouble() ? qint64(length.toDouble()) : -1;
    out->uploadDate = parseGenieDate(document.value(QLatin1String("uploadDate")));
    const QJsonObject meta = document.value(QLatin1String("metadata")).toObject();
    out->fileType = meta.value(QLatin1String("fileType")).toString();
    out->oui = meta.value(QLatin1String("oui")).toString();
    out->productClass = meta.value(QLatin1String("productClass")).toString();
    out->version = meta.value(QLatin1String("version")).toString();
    return true;
}

bool parseOperation(const QJsonObject &document, OperationRecord *out)
{
    const QString id = document.value(QLatin1String("_id")).toString();
    const qsizetype colon = id.lastIndexOf(u':');
    if (colon <= 0)
        return false;
    out->id = id;
    out->device = id.left(colon);
    out->commandKey = id.mid(colon + 1);
    out->name = document.value(QLatin1String("name")).toString();
    out->timestamp = parseGenieDate(document.value(QLatin1String("timestamp")));
    // GenieACS stores args, channels, provisions and retries as JSON strings.
    const QJsonValue args = document.value(QLatin1String("args"));
    if (args.isString())
        out->args = QJsonDocument::fromJson(args.toString().toUtf8()).object();
    else
        out->args = args.toObject();
    return true;
}

} // namespace fwd::acs
