#include "lab/labfileserver.h"

#include "lab/docvalue.h"
#include "lab/lablogging.h"
#include "lab/labstore.h"

#include <QCryptographicHash>
#include <QLocale>
#include <QRegularExpression>

namespace fwd::lab {

namespace {

QByteArray httpDate(const QDateTime &t)
{
    return QLocale::c()
        .toString(t.toUTC(), QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'"))
        .toLatin1();
}

std::optional<QDateTime> parseHttpDate(const QByteArray &h)
{
    const QString s = QString::fromLatin1(h).trimmed();
    QDateTime t = QLocale::c().toDateTime(s, QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'"));
    if (t.isValid()) {
        t.setTimeSpec(Qt::UTC);
        return t;
    }
    if (auto d = docvalue::parseJsDate(s))
        return d;
    return std::nullopt;
}

bool matchEtag(const QByteArray &etag, const QByteArray &header)
{
    for (QByteArray t : header.split(',')) {
        t = t.trimmed();
        if (t.startsWith("W/"))
            t = t.mid(2);
        if (t.size() >= 2 && t.startsWith('"') && t.endsWith('"'))
            t = t.mid(1, t.size() - 2);
        if (t == "*" || t == etag)
            return true;
    }
    return false;
}

} // namespace

LabFileServer::LabFileServer(LabStore &store, QObject *parent)
    : QObject(parent)
    , m_store(store)
{
    m_http = new HttpServer(HttpServer::Options{}, this);
    m_http->setHandler([this](HttpExchange *e) { handle(e); });
}

void LabFileServer::setSslConfiguration(const QSslConfiguration &config)
{
    m_http->setSslConfiguration(config);
    m_https = true;
}

bool LabFileServer::listen(const QHostAddress &address, quint16 port)
{
    return m_http->listen(address, port);
}

QString LabFileServer::urlPrefix() const
{
    return (m_https ? QStringLiteral("https://") : QStringLiteral("http://")) +
           QStringLiteral("127.0.0.1:") + QString::number(port()) + u'/';
}

QByteArray LabFileServer::etag(const QString &id, qint64 uploadDateMs, qint64 length)
{
    const QByteArray input =
        (id + u'-' + QString::number(uploadDateMs) + u'-' + QString::number(length)).toUtf8();
    return QCryptographicHash::hash(input, QCryptographicHash::Md5).toHex();
}

void LabFileServer::handle(HttpExchange *exchange)
{
    ++m_requests;
    const HttpRequest &req = exchange->request();
    auto respond = [&](int status, HttpHeaders headers = {}, QByteArray body = {}) {
        HttpResponse r;
        r.status = status;
        r.headers = std::move(headers);
        r.body = std::move(body);
        exchange->respond(r);
    };
    if (req.method != "GET" && req.method != "HEAD") {
        respond(405, {{"Allow", "GET, HEAD"}}, "405 Method Not Allowed");
        return;
    }
    const QString name = QString::fromUtf8(QByteArray::fromPercentEncoding(req.path.mid(1)));
    const QVariantMap *file = m_store.files().find(name);
    const QByteArray *content = m_store.fileContent(name);
    if (!file || !content) {
        qCDebug(lcLabFs) << "Fetch file not found" << name;
        respond(404, {{"Content-Length", "0"}});
        return;
    }
    const qint64 length = content->size();
    const qint64 uploadMs =
        file->value(QStringLiteral("uploadDate")).toDateTime().toMSecsSinceEpoch();
    const QByteArray tag = etag(name, uploadMs, length);
    const QDateTime lastModified = docvalue::fromMs(uploadMs - uploadMs % 1000);

    int status = 200;
    qint64 start = 0;
    qint64 end = length;
    if (req.hasHeader("If-Match") && !matchEtag(tag, req.header("If-Match")))
        status = 412;
    if (req.hasHeader("If-Unmodified-Since")) {
        const auto d = parseHttpDate(req.header("If-Unmodified-Since"));
        if (d && lastModified > *d)
            status = 412;
    }
    if (req.hasHeader("If-None-Match")) {
        if (matchEtag(tag, req.header("If-None-Match")))
            status = 304;
    } else if (req.hasHeader("If-Modified-Since")) {
        const auto d = parseHttpDate(req.header("If-Modified-Since"));
        if (d && lastModified <= *d)
            status = 304;
    }
    if (req.hasHeader("Range") && status == 200) {
        static const QRegularExpression range(QStringLiteral("^bytes=(\\d*)-(\\d*)$"));
        const auto m = range.match(QString::fromLatin1(req.header("Range")));
        status = 416;
        if (m.hasMatch() && (!m.captured(1).isEmpty() || !m.captured(2).isEmpty())) {
            if (!m.captured(2).isEmpty())
                end = m.captured(2).toLongLong() + 1;
            if (!m.captured(1).isEmpty())
                start = m.captured(1).toLongLong();
            else
                start = length - m.captured(2).toLongLong();
            if (start < end && end <= length)
                status = 206;
        }
        if (req.hasHeader("If-Range")) {
            const QByteArray h = req.header("If-Range");
            const auto d = parseHttpDate(h);
            if (!matchEtag(tag, h) && !(d && lastModified <= *d)) {
                status = 200;
                start = 0;
                end = length;
            }
        }
    }
    if (status == 412) {
        respond(412, {{"Content-Length", "0"}});
        return;
    }
    if (status == 304) {
        respond(304, {{"ETag", tag}, {"Last-Modified", httpDate(lastModified)}});
        return;
    }
    if (status == 416) {
        respond(416, {{"Content-Range", "bytes */" + QByteArray::number(length)},
                      {"Content-Length", "0"}});
        return;
    }
    HttpHeaders headers = {{"Content-Type", "application/octet-stream"},
                           {"Content-Length", QByteArray::number(end - start)},
                           {"Accept-Ranges", "bytes"},
                           {"ETag", tag},
                           {"Last-Modified", httpDate(lastModified)}};
    if (status == 206)
        headers.append({"Content-Range", "bytes " + QByteArray::number(start) + '-' +
                                             QByteArray::number(end - 1) + '/' +
                                             QByteArray::number(length)});
    qCDebug(lcLabFs) << "Fetch file" << name << req.method << status;
    respond(status, headers,
            req.method == "HEAD" ? QByteArray() : content->mid(start, end - start));
}

} // namespace fwd::lab
