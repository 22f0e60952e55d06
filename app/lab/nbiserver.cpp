#include "lab/nbiserver.h"

#include "lab/connectionrequester.h"
#include "lab/docvalue.h"
#include "lab/lablogging.h"
#include "lab/labstore.h"
#include "lab/query.h"

#include <QElapsedTimer>
#include <QJSEngine>
#include <QRegularExpression>
#include <QTimer>
#include <QUrl>

#include <cmath>

namespace fwd::lab {

using docvalue::Kind;

namespace {

const QRegularExpression &re(const char *pattern)
{
    // Patterns are string literals; one static cache keyed by pointer.
    static QHash<const char *, QRegularExpression> cache;
    auto it = cache.find(pattern);
    if (it == cache.end())
        it = cache.insert(pattern, QRegularExpression(QLatin1String(pattern)));
    return it.value();
}

// The route patterns of GenieACS 1.2.16 lib/nbi.ts.
constexpr const char *kDeviceTasks = "^/devices/([a-zA-Z0-9\\-_%]+)/tasks/?$";
constexpr const char *kTasks = "^/tasks/([a-zA-Z0-9\\-_%]+)(/[a-zA-Z_]*)?$";
constexpr const char *kTags = "^/devices/([a-zA-Z0-9\\-_%]+)/tags/([a-zA-Z0-9\\-_%]+)/?$";
constexpr const char *kPresets = "^/presets/([a-zA-Z0-9\\-_%]+)/?$";
constexpr const char *kObjects = "^/objects/([a-zA-Z0-9\\-_%]+)/?$";
constexpr const char *kFiles = "^/files/([a-zA-Z0-9%!*'();:@&=+$,?#\\[\\]\\-_.~]+)/?$";
constexpr const char *kQuery = "^/([a-zA-Z0-9_]+)/?$";
constexpr const char *kDeleteDevice = "^/devices/([a-zA-Z0-9\\-_%]+)/?$";
constexpr const char *kProvisions = "^/provisions/([a-zA-Z0-9\\-_%]+)/?$";
constexpr const char *kVirtualParameters = "^/virtual_parameters/([a-zA-Z0-9\\-_%]+)/?$";
constexpr const char *kFaults = "^/faults/([a-zA-Z0-9\\-_%:]+)/?$";

// decodeURIComponent(): nullopt where JavaScript throws URIError.
std::optional<QString> decodeUriComponent(const QString &s)
{
    const QByteArray raw = s.toUtf8();
    QByteArray out;
    out.reserve(raw.size());
    for (qsizetype i = 0; i < raw.size(); ++i) {
        if (raw.at(i) != '%') {
            out.append(raw.at(i));
            continue;
        }
        if (i + 2 >= raw.size())
            return std::nullopt;
        bool ok = false;
        const int b = raw.mid(i + 1, 2).toInt(&ok, 16);
        if (!ok || !isxdigit(uchar(raw.at(i + 1))) || !isxdigit(uchar(raw.at(i + 2))))
            return std::nullopt;
        out.append(char(b));
        i += 2;
    }
    const QString decoded = QString::fromUtf8(out);
    if (decoded.toUtf8() != out)
        return std::nullopt; // malformed UTF-8
    return decoded;
}

// parseInt(): NaN as nullopt.
std::optional<qint64> jsParseInt(const QString &input)
{
    QString s = input.trimmed();
    bool negative = false;
    if (s.startsWith(u'-') || s.startsWith(u'+')) {
        negative = s.startsWith(u'-');
        s.remove(0, 1);
    }
    int base = 10;
    if (s.startsWith(QLatin1String("0x"), Qt::CaseInsensitive)) {
        base = 16;
        s.remove(0, 2);
    }
    qsizetype n = 0;
    while (n < s.size() && (base == 16 ? isxdigit(s.at(n).toLatin1()) : s.at(n).isDigit()))
        ++n;
    if (n == 0)
        return std::nullopt;
    bool ok = false;
    const qint64 v = s.left(n).toLongLong(&ok, base);
    if (!ok)
        return std::nullopt;
    return negative ? -v : v;
}

HttpResponse text(int status, const QByteArray &body, const QByteArray &reason = {})
{
    HttpResponse r;
    r.status = status;
    r.reason = reason;
    r.body = body;
    return r;
}

HttpResponse methodNotAllowed(const QByteArray &allow)
{
    HttpResponse r = text(405, "405 Method Not Allowed");
    r.headers.emplaceBack("Allow", allow);
    return r;
}

HttpResponse json(int status, const QVariant &value, const QByteArray &reason = {})
{
    HttpResponse r = text(status, docvalue::toJsonBytes(value), reason);
    r.headers.emplaceBack("Content-Type", "application/json");
    return r;
}

bool isObjectId(const QString &s)
{
    static const QRegularExpression hex(QStringLiteral("^[0-9a-fA-F]{24}$"));
    return hex.match(s).hasMatch();
}

// JavaScript's typeof for the task validation.
bool isPrimitiveParamValue(const QVariant &v)
{
    const Kind k = docvalue::kind(v);
    return k == Kind::String || k == Kind::Bool || k == Kind::Number;
}

bool validParamValue(const QVariant &p)
{
    if (docvalue::kind(p) != Kind::Array)
        return false;
    const QVariantList l = p.toList();
    if (l.size() < 2 || docvalue::kind(l.at(0)) != Kind::String || l.at(0).toString().isEmpty() ||
        !isPrimitiveParamValue(l.at(1)))
        return false;
    if (l.size() > 2 && docvalue::kind(l.at(2)) != Kind::Null &&
        docvalue::kind(l.at(2)) != Kind::String)
        return false;
    return true;
}

bool truthy(const QVariant &v)
{
    switch (docvalue::kind(v)) {
    case Kind::Missing:
    case Kind::Null:
        return false;
    case Kind::Bool:
        return v.toBool();
    case Kind::Number:
        return v.toDouble() != 0 && !std::isnan(v.toDouble());
    case Kind::String:
        return !v.toString().isEmpty();
    default:
        return true;
    }
}

// GenieACS api-functions.ts sanitizeTask(): normalises timestamp/expiry and validates; an error
// text where GenieACS throws (and its NBI worker dies).
QString sanitizeTask(QVariantMap &task, qint64 nowMs)
{
    const QVariant ts = task.value(QStringLiteral("timestamp"));
    QDateTime timestamp;
    if (truthy(ts)) {
        if (docvalue::isNumber(ts))
            timestamp = docvalue::fromMs(qint64(ts.toDouble()));
        else if (const auto d = docvalue::parseJsDate(ts.toString()))
            timestamp = *d;
    } else {
        timestamp = docvalue::fromMs(nowMs);
    }
    task.insert(QStringLiteral("timestamp"), timestamp);
    const QVariant expiry = task.value(QStringLiteral("expiry"));
    if (truthy(expiry)) {
        double seconds = 0;
        bool numeric = docvalue::isNumber(expiry);
        if (numeric) {
            seconds = expiry.toDouble();
        } else if (docvalue::kind(expiry) == Kind::String) {
            bool ok = false;
            seconds = expiry.toString().trimmed().toDouble(&ok);
            numeric = ok;
        }
        if (numeric && timestamp.isValid()) {
            task.insert(QStringLiteral("expiry"), timestamp.addMSecs(qint64(seconds * 1000)));
        } else {
            const auto d = docvalue::kind(expiry) == Kind::String
                               ? docvalue::parseJsDate(expiry.toString())
                               : std::nullopt;
            task.insert(QStringLiteral("expiry"), d ? *d : QDateTime());
        }
    }

    const QString name = task.value(QStringLiteral("name")).toString();
    const QVariant parameterNames = task.value(QStringLiteral("parameterNames"));
    const QVariant parameterValues = task.value(QStringLiteral("parameterValues"));
    const QVariant objectName = task.value(QStringLiteral("objectName"));
    if (docvalue::kind(task.value(QStringLiteral("name"))) != Kind::String)
        return QStringLiteral("Error: Invalid task name");
    if (name == QLatin1String("getParameterValues")) {
        if (docvalue::kind(parameterNames) != Kind::Array || parameterNames.toList().isEmpty())
            return QStringLiteral("Error: Missing 'parameterNames' property");
        for (const QVariant &p : parameterNames.toList()) {
            if (docvalue::kind(p) != Kind::String || p.toString().isEmpty())
                return QStringLiteral("Error: Invalid parameter name '%1'").arg(p.toString());
        }
    } else if (name == QLatin1String("setParameterValues")) {
        if (docvalue::kind(parameterValues) != Kind::Array || parameterValues.toList().isEmpty())
            return QStringLiteral("Error: Missing 'parameterValues' property");
        for (const QVariant &p : parameterValues.toList()) {
            if (!validParamValue(p))
                return QStringLiteral("Error: Invalid parameter value");
        }
    } else if (name == QLatin1String("refreshObject")) {
        if (docvalue::kind(objectName) != Kind::String)
            return QStringLiteral("Error: Missing 'objectName' property");
    } else if (name == QLatin1String("deleteObject")) {
        if (docvalue::kind(objectName) != Kind::String || objectName.toString().isEmpty())
            return QStringLiteral("Error: Missing 'objectName' property");
    } else if (name == QLatin1String("addObject")) {
        if (parameterValues.isValid() && docvalue::kind(parameterValues) != Kind::Null) {
            if (docvalue::kind(parameterValues) != Kind::Array)
                return QStringLiteral("Error: Invalid 'parameterValues' property");
            for (const QVariant &p : parameterValues.toList()) {
                if (!validParamValue(p))
                    return QStringLiteral("Error: Invalid parameter value");
            }
        }
    } else if (name == QLatin1String("download")) {
        if (!truthy(task.value(QStringLiteral("file")))) {
            const QVariant ft = task.value(QStringLiteral("fileType"));
            const QVariant fn = task.value(QStringLiteral("fileName"));
            if (docvalue::kind(ft) != Kind::String || ft.toString().isEmpty())
                return QStringLiteral("Error: Missing 'fileType' property");
            if (docvalue::kind(fn) != Kind::String || fn.toString().isEmpty())
                return QStringLiteral("Error: Missing 'fileName' property");
        }
        const QVariant target = task.value(QStringLiteral("targetFileName"));
        if (target.isValid() && docvalue::kind(target) != Kind::Null &&
            docvalue::kind(target) != Kind::String)
            return QStringLiteral("Error: Invalid 'targetFileName' property");
    } else if (name == QLatin1String("provisions")) {
        const QVariant provisions = task.value(QStringLiteral("provisions"));
        bool ok = docvalue::kind(provisions) == Kind::Array;
        for (const QVariant &arr : provisions.toList()) {
            if (docvalue::kind(arr) != Kind::Array) {
                ok = false; // arr.every is not a function
                break;
            }
            for (const QVariant &s : arr.toList()) {
                if (docvalue::kind(s) != Kind::Null && !isPrimitiveParamValue(s))
                    ok = false;
            }
        }
        if (!ok)
            return QStringLiteral("Error: Invalid 'provisions' property");
    } else if (name != QLatin1String("reboot") && name != QLatin1String("factoryReset")) {
        return QStringLiteral("Error: Invalid task name");
    }
    return {};
}

} // namespace

NbiServer::NbiServer(LabStore &store, Options options, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_options(std::move(options))
{
    HttpServer::Options http = m_options.http;
    http.serverHeaderName = "GenieACS-Version";
    http.serverHeaderValue = m_options.version;
    m_http = new HttpServer(http, this);
    m_http->setHandler([this](HttpExchange *e) { handle(e); });
}

NbiServer::~NbiServer() = default;

bool NbiServer::listen(const QHostAddress &address, quint16 port)
{
    return m_http->listen(address, port);
}

QString NbiServer::connectionRequestUrlError(const QString &url)
{
    const QUrl u(url, QUrl::StrictMode);
    if (url.isEmpty() || !u.isValid() || u.scheme().isEmpty() || u.host().isEmpty())
        return QStringLiteral("Invalid connection request URL");
    if (u.scheme() != QLatin1String("http"))
        return QStringLiteral("Invalid connection request URL or protocol");
    return {};
}

QString NbiServer::checkScript(const QString &script)
{
    if (!m_js)
        m_js = std::make_unique<QJSEngine>();
    // Compiled as the body of a function that is never called, as vm.Script only compiles.
    const QJSValue r = m_js->evaluate(QStringLiteral("(function(){\"use strict\";\n") + script +
                                      QStringLiteral("\n})"));
    if (r.isError()) {
        const QString name = r.property(QStringLiteral("name")).toString();
        return name + QStringLiteral(": ") + r.property(QStringLiteral("message")).toString();
    }
    return {};
}

void NbiServer::connectionRequest(const QString &deviceId,
                                  std::function<void(const QString &)> done)
{
    if (m_requester) {
        m_requester->connectionRequest(deviceId, std::move(done));
        return;
    }
    // No simulated CPE behind this device: check the URL as GenieACS does, then nobody answers.
    const DeviceRecord *d = m_store.device(deviceId);
    QString url;
    if (d) {
        url = d->parameterValue(
                   m_store.paths(),
                   QStringLiteral("InternetGatewayDevice.ManagementServer.ConnectionRequestURL"))
                  .toString();
        if (url.isEmpty())
            url = d->parameterValue(m_store.paths(),
                                    QStringLiteral("Device.ManagementServer.ConnectionRequestURL"))
                      .toString();
    }
    const QString error = connectionRequestUrlError(url);
    done(error.isEmpty() ? QStringLiteral("Device is offline") : error);
}

void NbiServer::handle(HttpExchange *exchange)
{
    const HttpRequest &req = exchange->request();
    const QString path = QString::fromUtf8(req.path);
    const QByteArray &method = req.method;
    auto decoded = [&](const QString &s, QString *out) {
        const auto d = decodeUriComponent(s);
        if (!d) {
            exchange->crash(QStringLiteral("URIError: URI malformed"));
            return false;
        }
        *out = *d;
        return true;
    };
    QRegularExpressionMatch m;

    if ((m = re(kPresets).match(path)).hasMatch()) {
        QString name;
        if (decoded(m.captured(1), &name))
            handleJsonResource(exchange, QStringLiteral("presets"), name);
    } else if ((m = re(kObjects).match(path)).hasMatch()) {
        QString name;
        if (decoded(m.captured(1), &name))
            handleJsonResource(exchange, QStringLiteral("objects"), name);
    } else if ((m = re(kProvisions).match(path)).hasMatch()) {
        QString name;
        if (decoded(m.captured(1), &name))
            handleScriptResource(exchange, QStringLiteral("provisions"), name);
    } else if ((m = re(kVirtualParameters).match(path)).hasMatch()) {
        QString name;
        if (decoded(m.captured(1), &name))
            handleScriptResource(exchange, QStringLiteral("virtualParameters"), name);
    } else if ((m = re(kTags).match(path)).hasMatch()) {
        QString deviceId, tag;
        if (!decoded(m.captured(1), &deviceId) || !decoded(m.captured(2), &tag))
            return;
        if (method != "POST" && method != "DELETE") {
            exchange->respond(methodNotAllowed("POST, DELETE"));
            return;
        }
        DeviceRecord *d = m_store.device(deviceId);
        if (!d) {
            exchange->respond(text(404, "No such device"));
            return;
        }
        if (method == "POST") {
            d->hasTags = true;
            if (!d->tags.contains(tag))
                d->tags.append(tag);
        } else if (d->hasTags) {
            d->tags.removeAll(tag);
        }
        exchange->respond(text(200, {}));
    } else if ((m = re(kFaults).match(path)).hasMatch()) {
        if (method != "DELETE") {
            exchange->respond(methodNotAllowed("DELETE"));
            return;
        }
        QString faultId;
        if (!decoded(m.captured(1), &faultId))
            return;
        const QString deviceId = faultId.section(u':', 0, 0);
        const QString channel = faultId.mid(deviceId.size() + 1);
        if (m_store.isInSession(deviceId)) {
            exchange->respond(text(503, "Device is in session"));
            return;
        }
        m_store.faults().remove(faultId);
        if (channel.startsWith(QLatin1String("task_"))) {
            const QString taskId = channel.mid(5);
            if (!isObjectId(taskId) && taskId.size() != 12) {
                exchange->crash(QStringLiteral(
                    "BSONError: Argument passed in must be a string of 12 bytes or a "
                    "string of 24 hex characters or an integer"));
                return;
            }
            m_store.tasks().remove(taskId.toLower());
        }
        exchange->respond(text(200, {}));
    } else if ((m = re(kDeviceTasks).match(path)).hasMatch()) {
        if (method != "POST") {
            exchange->respond(methodNotAllowed("POST"));
            return;
        }
        QString deviceId;
        if (decoded(m.captured(1), &deviceId))
            handleDeviceTasks(exchange, deviceId);
    } else if ((m = re(kTasks).match(path)).hasMatch()) {
        QString taskId;
        if (decoded(m.captured(1), &taskId))
            handleTasks(exchange, taskId, m.captured(2));
    } else if ((m = re(kFiles).match(path)).hasMatch()) {
        QString name;
        if (decoded(m.captured(1), &name))
            handleFiles(exchange, name);
    } else if ((m = re(kDeleteDevice).match(path)).hasMatch()) {
        if (method != "DELETE") {
            exchange->respond(methodNotAllowed("DELETE"));
            return;
        }
        QString deviceId;
        if (!decoded(m.captured(1), &deviceId))
            return;
        if (m_store.isInSession(deviceId)) {
            exchange->respond(text(503, "Device is in session"));
            return;
        }
        m_store.deleteDevice(deviceId);
        exchange->respond(text(200, {}));
    } else if ((m = re(kQuery).match(path)).hasMatch()) {
        // Convert to camel case, as nbi.ts does (virtual_parameters -> virtualParameters).
        QString name = m.captured(1);
        qsizetype i = name.indexOf(u'_');
        while (i >= 0) {
            if (i + 1 < name.size())
                name = name.left(i) + name.at(i + 1).toUpper() + name.mid(i + 2);
            else
                name = name.left(i);
            i = name.indexOf(u'_', i);
        }
        if (method != "GET" && method != "HEAD") {
            exchange->respond(methodNotAllowed("GET, HEAD"));
            return;
        }
        if (!LabStore::isQueryable(name)) {
            exchange->respond(text(404, "404 Not Found"));
            return;
        }
        handleQuery(exchange, name);
    } else {
        exchange->respond(text(404, "404 Not Found"));
    }
}

void NbiServer::handleJsonResource(HttpExchange *exchange, const QString &collection,
                                   const QString &name)
{
    const QByteArray &method = exchange->request().method;
    if (method == "PUT") {
        QString error;
        const QVariant parsed = docvalue::parseJson(exchange->request().body, &error);
        if (!parsed.isValid()) {
            exchange->respond(text(400, error.toUtf8()));
            return;
        }
        if (docvalue::kind(parsed) != Kind::Object) {
            // preset._id = name on a primitive throws; an array is refused by the database.
            exchange->crash(QStringLiteral("TypeError: Cannot create property '_id'"));
            return;
        }
        QVariantMap doc = parsed.toMap();
        doc.insert(QStringLiteral("_id"), name);
        m_store.collection(collection)->upsert(doc);
        m_store.notifyConfigChanged();
        exchange->respond(text(200, {}));
    } else if (method == "DELETE") {
        m_store.collection(collection)->remove(name);
        m_store.notifyConfigChanged();
        exchange->respond(text(200, {}));
    } else {
        exchange->respond(methodNotAllowed("PUT, DELETE"));
    }
}

void NbiServer::handleScriptResource(HttpExchange *exchange, const QString &collection,
                                     const QString &name)
{
    const QByteArray &method = exchange->request().method;
    if (method == "PUT") {
        const QString script = QString::fromUtf8(exchange->request().body);
        const QString error = checkScript(script);
        if (!error.isEmpty()) {
            exchange->respond(text(400, error.toUtf8()));
            return;
        }
        m_store.collection(collection)
            ->upsert({{QStringLiteral("_id"), name}, {QStringLiteral("script"), script}});
        m_store.notifyConfigChanged();
        exchange->respond(text(200, {}));
    } else if (method == "DELETE") {
        m_store.collection(collection)->remove(name);
        m_store.notifyConfigChanged();
        exchange->respond(text(200, {}));
    } else {
        exchange->respond(methodNotAllowed("PUT, DELETE"));
    }
}

void NbiServer::handleFiles(HttpExchange *exchange, const QString &name)
{
    const HttpRequest &req = exchange->request();
    if (req.method == "PUT") {
        auto header = [&](const QByteArray &h) {
            return req.hasHeader(h) ? QVariant(QString::fromUtf8(req.header(h))) : docvalue::null();
        };
        const QVariantMap metadata = {{QStringLiteral("fileType"), header("fileType")},
                                      {QStringLiteral("oui"), header("oui")},
                                      {QStringLiteral("productClass"), header("productClass")},
                                      {QStringLiteral("version"), header("version")}};
        // nbi.ts does not invalidate the CWMP side's cache here: a new file keeps FileSize 0 in
        // Download RPCs until that cache refreshes (GENIEACS.md §5).
        m_store.putFile(name, req.body, metadata);
        exchange->respond(text(201, {}));
    } else if (req.method == "DELETE") {
        if (!m_store.deleteFile(name)) {
            // GenieACS 1.2.16 (W2): the driver's "File not found for id" escapes nbi.ts.
            exchange->crash(QStringLiteral("MongoRuntimeError: File not found for id ") + name);
            return;
        }
        exchange->respond(text(200, {}));
    } else {
        exchange->respond(methodNotAllowed("PUT, DELETE"));
    }
}

void NbiServer::handleTasks(HttpExchange *exchange, const QString &taskId, const QString &action)
{
    const QByteArray &method = exchange->request().method;
    const bool validId = isObjectId(taskId) || taskId.size() == 12;
    const QString id = taskId.toLower();
    if (action.isEmpty() || action == QLatin1String("/")) {
        if (method != "DELETE") {
            exchange->respond(methodNotAllowed("PUT DELETE"));
            return;
        }
        if (!validId) {
            exchange->crash(QStringLiteral(
                "BSONError: Argument passed in must be a string of 12 bytes or a string "
                "of 24 hex characters or an integer"));
            return;
        }
        const QVariantMap *task = m_store.tasks().find(id);
        if (!task) {
            exchange->respond(text(404, "Task not found"));
            return;
        }
        const QString deviceId = task->value(QStringLiteral("device")).toString();
        if (m_store.isInSession(deviceId)) {
            exchange->respond(text(503, "Device is in session"));
            return;
        }
        m_store.tasks().remove(id);
        m_store.faults().remove(deviceId + QStringLiteral(":task_") + taskId);
        exchange->respond(text(200, {}));
    } else if (action == QLatin1String("/retry")) {
        if (method != "POST") {
            exchange->respond(methodNotAllowed("POST"));
            return;
        }
        if (!validId) {
            exchange->crash(QStringLiteral(
                "BSONError: Argument passed in must be a string of 24 hex characters"));
            return;
        }
        const QVariantMap *task = m_store.tasks().find(id);
        if (!task) {
            exchange->crash(
                QStringLiteral("TypeError: Cannot read properties of null (reading 'device')"));
            return;
        }
        const QString deviceId = task->value(QStringLiteral("device")).toString();
        if (m_store.isInSession(deviceId)) {
            exchange->respond(text(503, "Device is in session"));
            return;
        }
        m_store.faults().remove(deviceId + QStringLiteral(":task_") + taskId);
        exchange->respond(text(200, {}));
    } else {
        exchange->respond(text(404, {}));
    }
}

void NbiServer::handleDeviceTasks(HttpExchange *exchange, const QString &deviceId)
{
    const HttpRequest &req = exchange->request();
    const bool conReq = req.hasQueryItem(QStringLiteral("connection_request"));
    QVariant task;
    if (!req.body.isEmpty()) {
        QString error;
        task = docvalue::parseJson(req.body, &error);
        if (!task.isValid()) {
            exchange->respond(text(400, error.toUtf8()));
            return;
        }
        const Kind k = docvalue::kind(task);
        if (k == Kind::Null) {
            exchange->respond(
                text(400, "TypeError: Cannot set properties of null (setting 'device')"));
            return;
        }
        if (k != Kind::Object && k != Kind::Array) {
            const QString type = k == Kind::String ? QStringLiteral("string")
                                 : k == Kind::Bool ? QStringLiteral("boolean")
                                                   : QStringLiteral("number");
            exchange->respond(
                text(400, QStringLiteral("TypeError: Cannot create property 'device' on %1 '%2'")
                              .arg(type, QString::fromUtf8(req.body.trimmed()))
                              .toUtf8()));
            return;
        }
        if (k == Kind::Object) {
            QVariantMap t = task.toMap();
            t.insert(QStringLiteral("device"), deviceId);
            task = t;
        }
    }
    if (!task.isValid() && !conReq) {
        exchange->respond(text(400, {}));
        return;
    }

    // insertTasks(): sanitize every task (a failure kills GenieACS's worker), uniqueKey, insert.
    auto insertTasks = [this](QVariant &tasks, QString *error) {
        const bool isArray = docvalue::kind(tasks) == Kind::Array;
        QVariantList list = isArray ? tasks.toList() : QVariantList{tasks};
        for (QVariant &t : list) {
            if (docvalue::kind(t) != Kind::Object) {
                *error = QStringLiteral("TypeError: Cannot create property 'timestamp'");
                return false;
            }
            QVariantMap m = t.toMap();
            const QString e = sanitizeTask(m, m_store.nowMs());
            if (!e.isEmpty()) {
                *error = e;
                return false;
            }
            t = m;
        }
        for (QVariant &t : list) {
            QVariantMap m = t.toMap();
            const QVariant key = m.value(QStringLiteral("uniqueKey"));
            if (truthy(key)) {
                const QVariant dev = m.value(QStringLiteral("device"));
                m_store.tasks().removeIf([&](const QVariantMap &o) {
                    return docvalue::equals(o.value(QStringLiteral("device")), dev) &&
                           docvalue::equals(o.value(QStringLiteral("uniqueKey")), key);
                });
            }
            m.insert(QStringLiteral("_id"), m_store.newObjectId());
            m_store.tasks().upsert(m);
            t = m;
        }
        tasks = isArray ? QVariant(list) : list.first();
        return true;
    };

    if (!task.isValid() || !conReq) {
        if (!m_store.device(deviceId)) {
            exchange->respond(text(404, "No such device"));
            return;
        }
        if (task.isValid()) {
            QString error;
            if (!insertTasks(task, &error)) {
                exchange->crash(error);
                return;
            }
            exchange->respond(json(202, task));
        } else {
            QPointer<HttpExchange> ex(exchange);
            connectionRequest(deviceId, [ex](const QString &status) {
                if (!ex)
                    return;
                if (!status.isEmpty())
                    ex->respond(text(504, status.toUtf8(), status.toUtf8()));
                else
                    ex->respond(text(200, {}));
            });
        }
        return;
    }

    // Body and connection request: validate first so that a crash leaves nothing behind.
    QVariant probe = task;
    {
        const bool isArray = docvalue::kind(probe) == Kind::Array;
        const QVariantList list = isArray ? probe.toList() : QVariantList{probe};
        for (const QVariant &t : list) {
            if (docvalue::kind(t) != Kind::Object) {
                exchange->crash(QStringLiteral("TypeError: Cannot create property 'timestamp'"));
                return;
            }
            QVariantMap copy = t.toMap();
            const QString e = sanitizeTask(copy, m_store.nowMs());
            if (!e.isEmpty()) {
                exchange->crash(e);
                return;
            }
        }
    }
    taskWithConnectionRequest(exchange, deviceId, task,
                              req.hasQueryItem(QStringLiteral("timeout"))
                                  ? req.queryItem(QStringLiteral("timeout"))
                                  : QString());
}

namespace {

// The task + connection_request sequence of nbi.ts: lock (30 s), insert, CR, wait for the
// session to start (timeout, polled), wait for it to end (120 s), look for the task's fault.
class TaskCrFlow final : public QObject
{
public:
    TaskCrFlow(NbiServer *nbi, LabStore &store, const NbiServer::Options &options,
               QPointer<HttpExchange> exchange, QString deviceId, QVariant task,
               std::optional<qint64> threshold,
               std::function<void(const QString &, std::function<void(const QString &)>)> cr)
        : QObject(nbi)
        , m_store(store)
        , m_options(options)
        , m_exchange(std::move(exchange))
        , m_deviceId(std::move(deviceId))
        , m_task(std::move(task))
        , m_threshold(threshold)
        , m_cr(std::move(cr))
    {
        m_clock.start();
    }

    void start() { tryLock(); }

private:
    bool alive()
    {
        if (m_exchange && m_exchange->isConnected())
            return true;
        deleteLater();
        return false;
    }

    void finish(int status, const QByteArray &reason)
    {
        if (m_exchange)
            m_exchange->respond(json(status, m_task, reason));
        deleteLater();
    }

    void tryLock()
    {
        if (!alive())
            return;
        if (m_store.isInSession(m_deviceId)) {
            if (m_clock.elapsed() < m_options.lockWaitMs) {
                QTimer::singleShot(m_options.sessionPollMs, this, [this] { tryLock(); });
                return;
            }
            if (!m_store.device(m_deviceId)) {
                m_exchange->respond(text(404, "No such device"));
                deleteLater();
                return;
            }
            insert();
            finish(202, "Task queued but not processed");
            return;
        }
        if (!m_store.device(m_deviceId)) {
            m_exchange->respond(text(404, "No such device"));
            deleteLater();
            return;
        }
        insert();
        m_lastInform = m_store.device(m_deviceId)->lastInform;
        m_sessionsBefore = m_store.sessionsStarted(m_deviceId);
        m_cr(m_deviceId, [self = QPointer<TaskCrFlow>(this)](const QString &status) {
            if (!self)
                return;
            if (!status.isEmpty()) {
                self->finish(202, status.toUtf8());
                return;
            }
            self->m_waitStart.start();
            self->m_remaining = self->m_threshold;
            self->awaitStart();
        });
    }

    void insert()
    {
        const bool isArray = docvalue::kind(m_task) == Kind::Array;
        QVariantList list = isArray ? m_task.toList() : QVariantList{m_task};
        for (QVariant &t : list) {
            QVariantMap m = t.toMap();
            sanitizeTask(m, m_store.nowMs());
            const QVariant key = m.value(QStringLiteral("uniqueKey"));
            if (truthy(key)) {
                const QVariant dev = m.value(QStringLiteral("device"));
                m_store.tasks().removeIf([&](const QVariantMap &o) {
                    return docvalue::equals(o.value(QStringLiteral("device")), dev) &&
                           docvalue::equals(o.value(QStringLiteral("uniqueKey")), key);
                });
            }
            m.insert(QStringLiteral("_id"), m_store.newObjectId());
            m_store.tasks().upsert(m);
            t = m;
        }
        m_task = isArray ? QVariant(list) : list.first();
    }

    bool sessionStarted() const
    {
        const DeviceRecord *d = m_store.device(m_deviceId);
        return (d && d->lastInform > m_lastInform) || m_store.isInSession(m_deviceId) ||
               m_store.sessionsStarted(m_deviceId) != m_sessionsBefore;
    }

    void awaitStart()
    {
        if (!alive())
            return;
        if (sessionStarted()) {
            m_waitStart.start();
            m_endRemaining = m_options.sessionEndWaitMs;
            awaitEnd();
            return;
        }
        // parseInt() gave NaN: GenieACS waits until the device informs.
        if (m_remaining && *m_remaining < m_options.sessionPollMs) {
            finish(202, "Task queued but not processed");
            return;
        }
        QTimer::singleShot(m_options.sessionPollMs, this, [this] {
            if (m_remaining)
                *m_remaining -= m_waitStart.restart();
            awaitStart();
        });
    }

    void awaitEnd()
    {
        if (!alive())
            return;
        if (!m_store.isInSession(m_deviceId)) {
            const QString taskId = docvalue::kind(m_task) == Kind::Object
                                       ? m_task.toMap().value(QStringLiteral("_id")).toString()
                                       : QStringLiteral("undefined");
            if (m_store.faults().find(m_deviceId + QStringLiteral(":task_") + taskId))
                finish(202, "Task faulted");
            else
                finish(200, {});
            return;
        }
        if (m_endRemaining < m_options.sessionPollMs) {
            finish(202, "Task queued but not processed");
            return;
        }
        QTimer::singleShot(m_options.sessionPollMs, this, [this] {
            m_endRemaining -= m_waitStart.restart();
            awaitEnd();
        });
    }

    LabStore &m_store;
    const NbiServer::Options &m_options;
    QPointer<HttpExchange> m_exchange;
    QString m_deviceId;
    QVariant m_task;
    std::optional<qint64> m_threshold;
    std::optional<qint64> m_remaining;
    qint64 m_endRemaining = 0;
    qint64 m_lastInform = 0;
    quint32 m_sessionsBefore = 0;
    QElapsedTimer m_clock;
    QElapsedTimer m_waitStart;
    std::function<void(const QString &, std::function<void(const QString &)>)> m_cr;
};

} // namespace

void NbiServer::taskWithConnectionRequest(QPointer<HttpExchange> exchange, const QString &deviceId,
                                          QVariant task, const QString &timeoutParam)
{
    std::optional<qint64> threshold = m_options.deviceOnlineThresholdMs;
    if (!timeoutParam.isNull())
        threshold = jsParseInt(timeoutParam);
    auto *flow = new TaskCrFlow(
        this, m_store, m_options, std::move(exchange), deviceId, std::move(task), threshold,
        [this](const QString &id, std::function<void(const QString &)> done) {
            connectionRequest(id, std::move(done));
        });
    flow->start();
}

void NbiServer::handleQuery(HttpExchange *exchange, const QString &name)
{
    const HttpRequest &req = exchange->request();
    QVariant q = QVariantMap();
    if (req.hasQueryItem(QStringLiteral("query"))) {
        QString error;
        q = docvalue::parseJson(req.queryItem(QStringLiteral("query")).toUtf8(), &error);
        if (!q.isValid()) {
            exchange->respond(text(400, error.toUtf8()));
            return;
        }
    }
    // A JSON value that is not an object behaves like {} for Object.entries(), and MongoDB
    // refuses arrays.
    const Kind qk = docvalue::kind(q);
    if (qk == Kind::Array || qk == Kind::Null) {
        exchange->crash(
            QStringLiteral("MongoInvalidArgumentError: Query filter must be a plain object"));
        return;
    }
    QVariantMap filter = qk == Kind::Object ? q.toMap() : QVariantMap();
    QString error;
    if (name == QLatin1String("devices")) {
        const auto expanded = Query::expandDeviceQuery(filter, &error);
        if (!expanded) {
            exchange->crash(error);
            return;
        }
        filter = *expanded;
    } else if (name == QLatin1String("tasks") || name == QLatin1String("faults")) {
        const auto sanitized = name == QLatin1String("tasks")
                                   ? Query::sanitizeTasksQuery(filter, &error)
                                   : Query::sanitizeFaultsQuery(filter, &error);
        if (!sanitized) {
            exchange->crash(error);
            return;
        }
        filter = *sanitized;
    }
    LabStore::FindOptions options;
    if (req.hasQueryItem(QStringLiteral("projection"))) {
        options.projection = Projection::parse(req.queryItem(QStringLiteral("projection")), &error);
        if (!options.projection) {
            exchange->crash(error);
            return;
        }
    }
    if (req.hasQueryItem(QStringLiteral("sort"))) {
        const QVariant s =
            docvalue::parseJson(req.queryItem(QStringLiteral("sort")).toUtf8(), &error);
        if (!s.isValid()) {
            exchange->respond(text(400, error.toUtf8()));
            return;
        }
        const QVariantMap sm = s.toMap();
        for (auto it = sm.cbegin(); it != sm.cend(); ++it) {
            QString key = it.key();
            if (name == QLatin1String("devices") &&
                key.mid(key.lastIndexOf(u'.') + 1).left(1) != QLatin1String("_"))
                key += QStringLiteral("._value");
            int direction = 1;
            if (docvalue::isNumber(it.value())) {
                direction = it.value().toDouble() < 0 ? -1 : 1;
            } else if (it.value().toString() == QLatin1String("desc") ||
                       it.value().toString() == QLatin1String("descending")) {
                direction = -1;
            } else if (it.value().toString() != QLatin1String("asc") &&
                       it.value().toString() != QLatin1String("ascending")) {
                exchange->crash(
                    QStringLiteral("MongoInvalidArgumentError: Invalid sort direction"));
                return;
            }
            options.sort.push_back({key, direction});
        }
    }
    const auto query = Query::compile(filter, &error);
    if (!query) {
        exchange->crash(error);
        return;
    }
    if (req.hasQueryItem(QStringLiteral("skip"))) {
        options.skip = jsParseInt(req.queryItem(QStringLiteral("skip")));
        if (options.skip && *options.skip < 0) {
            exchange->crash(QStringLiteral("MongoServerError: skip value must be non-negative"));
            return;
        }
    }
    if (req.hasQueryItem(QStringLiteral("limit")))
        options.limit = jsParseInt(req.queryItem(QStringLiteral("limit")));
    options.countOnly = req.method == "HEAD";

    const LabStore::FindResult result = m_store.find(name, *query, options);
    HttpResponse r;
    r.status = 200;
    r.headers.emplaceBack("Content-Type", "application/json");
    r.headers.emplaceBack("total", QByteArray::number(result.total));
    if (!options.countOnly) {
        QByteArray body = "[\n";
        for (qsizetype i = 0; i < result.docs.size(); ++i) {
            if (i)
                body += ",\n";
            body += docvalue::toJsonBytes(result.docs.at(i));
        }
        body += "\n]";
        r.body = body;
    }
    exchange->respond(r);
}

} // namespace fwd::lab
