#include "transcript.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>

namespace {

QByteArray bodyBytes(const QJsonValue &v)
{
    if (v.isNull() || v.isUndefined())
        return {};
    if (v.isString())
        return v.toString().toUtf8();
    if (v.isArray())
        return QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact);
    return QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact);
}

} // namespace

Transcript Transcript::load(const QString &prefix)
{
    const QDir dir(QString::fromLocal8Bit(qgetenv("FWD_TEST_DATA")) +
                   QStringLiteral("/transcripts"));
    const QStringList matches = dir.entryList({prefix + QStringLiteral("-*.json")}, QDir::Files);
    if (matches.size() != 1)
        qFatal("transcript %s not found in %s", qPrintable(prefix), qPrintable(dir.path()));
    QFile file(dir.filePath(matches.constFirst()));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(file.fileName()));
    const QJsonObject root = QJsonDocument::fromJson(file.readAll()).object();
    const QJsonObject req = root.value(QLatin1String("request")).toObject();
    const QJsonObject res = root.value(QLatin1String("response")).toObject();
    Transcript t;
    t.method = req.value(QLatin1String("method")).toString().toLatin1();
    t.path = req.value(QLatin1String("path")).toString().toLatin1();
    t.pathDecoded = req.contains(QLatin1String("path_decoded"))
                        ? req.value(QLatin1String("path_decoded")).toString().toUtf8()
                        : t.path;
    const QJsonObject reqHeaders = req.value(QLatin1String("headers")).toObject();
    for (auto it = reqHeaders.begin(); it != reqHeaders.end(); ++it)
        t.requestHeaders.append({it.key().toLatin1(), it.value().toString().toLatin1()});
    t.requestBody = bodyBytes(req.value(QLatin1String("body")));
    t.status = res.value(QLatin1String("status")).toInt();
    t.reason = res.value(QLatin1String("reason")).toString().toLatin1();
    const QJsonObject headers = res.value(QLatin1String("headers")).toObject();
    for (auto it = headers.begin(); it != headers.end(); ++it) {
        const QByteArray name = it.key().toLatin1();
        if (name.compare("Transfer-Encoding", Qt::CaseInsensitive) == 0 ||
            name.compare("Content-Length", Qt::CaseInsensitive) == 0)
            continue;
        t.headers.append({name, it.value().toString().toLatin1()});
    }
    t.bodyJson = res.value(QLatin1String("body"));
    t.body = bodyBytes(t.bodyJson);
    return t;
}
