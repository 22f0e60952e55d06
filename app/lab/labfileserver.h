#pragma once

#include "lab/httpserver.h"

#include <QObject>

namespace fwd::lab {

class LabStore;

// genieacs-fs 1.2.16 (lib/fs.ts): GET/HEAD /<encoded name> looked up by file _id, Range (206/416),
// unquoted ETag = md5("<_id>-<uploadDate ms>-<length>"), Last-Modified, If-Match /
// If-Unmodified-Since (412), If-None-Match / If-Modified-Since (304), If-Range; 405 otherwise.
// No GenieACS-Version header. Plain HTTP, or HTTPS when given a certificate.
class LabFileServer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LabFileServer)

public:
    explicit LabFileServer(LabStore &store, QObject *parent = nullptr);
    void setSslConfiguration(const QSslConfiguration &config);
    bool listen(const QHostAddress &address = QHostAddress::LocalHost, quint16 port = 0);
    quint16 port() const { return m_http->port(); }
    bool isHttps() const { return m_https; }
    // FS_URL_PREFIX as GenieACS builds it when it is empty: http[s]://127.0.0.1:<port>/
    QString urlPrefix() const;
    int requestCount() const { return m_requests; }

    static QByteArray etag(const QString &id, qint64 uploadDateMs, qint64 length);

private:
    void handle(HttpExchange *exchange);

    LabStore &m_store;
    HttpServer *m_http = nullptr;
    bool m_https = false;
    int m_requests = 0;
};

} // namespace fwd::lab
