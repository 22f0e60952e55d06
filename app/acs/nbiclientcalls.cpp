// The calls of NbiClient: one job per call (nbiclient.h). Kept apart from the client's transport.
#include "acs/actionjob.h"
#include "acs/devicelistjob.h"
#include "acs/devicequery.h"
#include "acs/faultsweepjob.h"
#include "acs/nbiclient.h"
#include "acs/nbipath.h"
#include "acs/preset.h"
#include "acs/queryjob.h"
#include "acs/taskjob.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QJsonDocument>

namespace fwd::acs {

namespace {

NbiRequest action(const QByteArray &method, const QByteArray &path)
{
    NbiRequest r;
    r.method = method;
    r.path = path;
    return r;
}

QString checkHeaderValue(const QString &name, const QString &value)
{
    for (const QChar c : value)
        if (c.unicode() < 0x20 || c.unicode() > 0x7E)
            return QCoreApplication::translate("fwd::acs::NbiClient",
                                               "The file's %1 “%2” may only contain printable "
                                               "ASCII characters (it is sent as an HTTP header).")
                .arg(name, value);
    return {};
}

QString checkScript(const QString &script)
{
    if (script.trimmed().isEmpty())
        return QCoreApplication::translate("fwd::acs::NbiClient", "The script is empty.");
    if (script.size() > 1024 * 1024)
        return QCoreApplication::translate("fwd::acs::NbiClient",
                                           "The script is larger than 1 MiB.");
    return {};
}

} // namespace

QueryJob *NbiClient::query(Collection collection, const QueryOptions &options)
{
    return new QueryJob(*this, collection, options);
}

CountJob *NbiClient::count(Collection collection, const QJsonObject &query)
{
    return new CountJob(*this, collection, query);
}

CountJob *NbiClient::countDevices(const DeviceFilter &filter)
{
    auto *job = new CountJob(*this, Collection::Devices, filter.toJson());
    if (const QString e = filter.validate(generation()); !e.isEmpty())
        job->rejectInput(e);
    return job;
}

QueryJob *NbiClient::queryDevices(const DeviceFilter &filter, const QueryOptions &options)
{
    QueryOptions o = options;
    o.query = filter.toJson();
    auto *job = new QueryJob(*this, Collection::Devices, o);
    if (const QString e = filter.validate(generation()); !e.isEmpty())
        job->rejectInput(e);
    return job;
}

DeviceListJob *NbiClient::listDevices(const DeviceFilter &filter, const QStringList &projection,
                                      int pageSize, qint64 maxDevices)
{
    return new DeviceListJob(*this, filter, projection, pageSize, maxDevices);
}

ActionJob *NbiClient::addTag(const QString &deviceId, const QString &tag)
{
    QString e = checkDeviceId(deviceId);
    if (e.isEmpty())
        e = checkRouteName(tag, tr("tag"));
    if (!e.isEmpty())
        return new ActionJob(*this, e);
    // GenieACS ≤ 1.2.9 answers 200 for unknown devices: look first unless it is known to be newer.
    const auto precheck = generation() == GenieAcsVersion::Generation::Modern
                              ? ActionJob::Precheck::None
                              : ActionJob::Precheck::DeviceExists;
    return new ActionJob(*this,
                         action("POST", "/devices/" + encodePathSegment(deviceId) + "/tags/" +
                                            encodePathSegment(tag)),
                         precheck, deviceId);
}

ActionJob *NbiClient::removeTag(const QString &deviceId, const QString &tag)
{
    QString e = checkDeviceId(deviceId);
    if (e.isEmpty())
        e = checkRouteName(tag, tr("tag"));
    if (!e.isEmpty())
        return new ActionJob(*this, e);
    const auto precheck = generation() == GenieAcsVersion::Generation::Modern
                              ? ActionJob::Precheck::None
                              : ActionJob::Precheck::DeviceExists;
    return new ActionJob(*this,
                         action("DELETE", "/devices/" + encodePathSegment(deviceId) + "/tags/" +
                                              encodePathSegment(tag)),
                         precheck, deviceId);
}

ActionJob *NbiClient::deleteDevice(const QString &deviceId)
{
    if (const QString e = checkDeviceId(deviceId); !e.isEmpty())
        return new ActionJob(*this, e);
    return new ActionJob(*this, action("DELETE", "/devices/" + encodePathSegment(deviceId)));
}

TaskJob *NbiClient::createTask(const QString &deviceId, const TaskSpec &task,
                               const TaskOptions &options)
{
    return new TaskJob(*this, deviceId, task, options);
}

TaskJob *NbiClient::connectionRequest(const QString &deviceId, int waitMs)
{
    TaskOptions o;
    o.connectionRequest = true;
    o.waitMs = waitMs;
    return new TaskJob(*this, deviceId, std::nullopt, o);
}

QueryJob *NbiClient::listTasks(const QueryOptions &options)
{
    return new QueryJob(*this, Collection::Tasks, options);
}

ActionJob *NbiClient::deleteTask(const QString &taskId)
{
    if (const QString e = checkTaskId(taskId); !e.isEmpty())
        return new ActionJob(*this, e);
    // 404 "Task not found": it already ran, expired or was deleted.
    return new ActionJob(*this, action("DELETE", "/tasks/" + taskId.toLatin1()),
                         ActionJob::Precheck::None, taskId, true);
}

ActionJob *NbiClient::retryTask(const QString &taskId)
{
    if (const QString e = checkTaskId(taskId); !e.isEmpty())
        return new ActionJob(*this, e);
    // An unknown id crashes GenieACS's NBI worker (T096): look first.
    return new ActionJob(*this, action("POST", "/tasks/" + taskId.toLatin1() + "/retry"),
                         ActionJob::Precheck::TaskExists, taskId);
}

QueryJob *NbiClient::listFaults(const QueryOptions &options)
{
    return new QueryJob(*this, Collection::Faults, options);
}

ActionJob *NbiClient::deleteFault(const QString &faultId)
{
    if (const QString e = checkFaultId(faultId); !e.isEmpty())
        return new ActionJob(*this, e);
    return new ActionJob(*this, action("DELETE", "/faults/" + encodePathSegment(faultId)));
}

FaultSweepJob *NbiClient::clearExpiringFaults(int limit)
{
    return new FaultSweepJob(*this, limit);
}

QueryJob *NbiClient::listOperations(const QueryOptions &options)
{
    return new QueryJob(*this, Collection::Operations, options);
}

ActionJob *NbiClient::putFile(const QString &name, const QString &localPath,
                              const FileMetadata &metadata, bool refreshCwmpCache)
{
    QString e = checkFileName(name);
    if (e.isEmpty() && !QFileInfo(localPath).isFile())
        e = tr("%1 is not a readable file.").arg(localPath);
    const std::pair<QString, const QString *> headers[] = {
        {tr("file type"), &metadata.fileType},
        {tr("OUI"), &metadata.oui},
        {tr("product class"), &metadata.productClass},
        {tr("version"), &metadata.version}};
    for (const auto &[label, value] : headers)
        if (e.isEmpty())
            e = checkHeaderValue(label, *value);
    if (!e.isEmpty())
        return new ActionJob(*this, e);
    NbiRequest r = action("PUT", "/files/" + QUrl::toPercentEncoding(name));
    r.uploadFile = localPath;
    r.headers.append(std::pair<QByteArray, QByteArray>("Content-Type", "application/octet-stream"));
    if (!metadata.fileType.isEmpty())
        r.headers.append(
            std::pair<QByteArray, QByteArray>("fileType", metadata.fileType.toLatin1()));
    if (!metadata.oui.isEmpty())
        r.headers.append(std::pair<QByteArray, QByteArray>("oui", metadata.oui.toLatin1()));
    if (!metadata.productClass.isEmpty())
        r.headers.append(
            std::pair<QByteArray, QByteArray>("productClass", metadata.productClass.toLatin1()));
    if (!metadata.version.isEmpty())
        r.headers.append(std::pair<QByteArray, QByteArray>("version", metadata.version.toLatin1()));
    // Uploads take as long as the link needs; the timer measures silence, not duration.
    auto *job = new ActionJob(*this, r);
    job->setCacheRefreshAfter(refreshCwmpCache);
    return job;
}

ActionJob *NbiClient::refreshCwmpCache()
{
    return new ActionJob(*this, ActionJob::cacheRefreshRequest());
}

QueryJob *NbiClient::listFiles(const QueryOptions &options)
{
    return new QueryJob(*this, Collection::Files, options);
}

ActionJob *NbiClient::deleteFile(const QString &name, bool refreshCwmpCache)
{
    if (name.isEmpty() || name.size() > 1024)
        return new ActionJob(*this, tr("The file name is empty or too long."));
    // GenieACS 1.2.16 crashes its NBI worker on DELETE of a missing file (W2): look first.
    auto *job = new ActionJob(*this, action("DELETE", "/files/" + QUrl::toPercentEncoding(name)),
                              ActionJob::Precheck::FileExists, name);
    job->setCacheRefreshAfter(refreshCwmpCache);
    return job;
}

ActionJob *NbiClient::putPreset(const QString &name, const Preset &preset)
{
    QString e = checkRouteName(name, tr("preset"));
    if (e.isEmpty())
        e = preset.validate();
    if (!e.isEmpty())
        return new ActionJob(*this, e);
    NbiRequest r = action("PUT", "/presets/" + encodePathSegment(name));
    r.body = QJsonDocument(preset.toJson()).toJson(QJsonDocument::Compact);
    r.headers.append(std::pair<QByteArray, QByteArray>("Content-Type", "application/json"));
    return new ActionJob(*this, r);
}

QueryJob *NbiClient::listPresets(const QueryOptions &options)
{
    return new QueryJob(*this, Collection::Presets, options);
}

ActionJob *NbiClient::deletePreset(const QString &name)
{
    if (const QString e = checkRouteName(name, tr("preset")); !e.isEmpty())
        return new ActionJob(*this, e);
    return new ActionJob(*this, action("DELETE", "/presets/" + encodePathSegment(name)));
}

// PUT of a provision or virtual-parameter script: the same checks and request for both.
static ActionJob *putScript(NbiClient &client, const QByteArray &collection, const QString &kind,
                            const QString &name, const QString &script)
{
    QString e = checkRouteName(name, kind);
    if (e.isEmpty())
        e = checkScript(script);
    if (!e.isEmpty())
        return new ActionJob(client, e);
    NbiRequest r = action("PUT", "/" + collection + "/" + encodePathSegment(name));
    r.body = script.toUtf8();
    r.headers.append(std::pair<QByteArray, QByteArray>("Content-Type", "application/javascript"));
    return new ActionJob(client, r);
}

ActionJob *NbiClient::putProvision(const QString &name, const QString &script)
{
    return putScript(*this, "provisions", tr("provision"), name, script);
}

QueryJob *NbiClient::listProvisions(const QueryOptions &options)
{
    return new QueryJob(*this, Collection::Provisions, options);
}

ActionJob *NbiClient::deleteProvision(const QString &name)
{
    if (const QString e = checkRouteName(name, tr("provision")); !e.isEmpty())
        return new ActionJob(*this, e);
    return new ActionJob(*this, action("DELETE", "/provisions/" + encodePathSegment(name)));
}

ActionJob *NbiClient::putVirtualParameter(const QString &name, const QString &script)
{
    return putScript(*this, "virtual_parameters", tr("virtual parameter"), name, script);
}

QueryJob *NbiClient::listVirtualParameters(const QueryOptions &options)
{
    return new QueryJob(*this, Collection::VirtualParameters, options);
}

ActionJob *NbiClient::deleteVirtualParameter(const QString &name)
{
    if (const QString e = checkRouteName(name, tr("virtual parameter")); !e.isEmpty())
        return new ActionJob(*this, e);
    return new ActionJob(*this, action("DELETE", "/virtual_parameters/" + encodePathSegment(name)));
}

} // namespace fwd::acs
