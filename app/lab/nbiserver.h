#pragma once

#include "lab/httpserver.h"

#include <QObject>
#include <QPointer>

#include <memory>

class QJSEngine;

namespace fwd::lab {

class ConnectionRequester;
class LabStore;

// GenieACS 1.2.16's NBI (lib/nbi.ts) over the lab's store: the generic query endpoint for every
// collection, devices (delete, tags, tasks with connection requests), tasks (delete, retry),
// faults, files, presets, provisions, virtual parameters and objects, with GenieACS's status
// codes, reason phrases and headers; and, where GenieACS's worker crashes, the same silence.
class NbiServer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NbiServer)

public:
    struct Options
    {
        QByteArray version = "1.2.16";      // the GenieACS-Version header
        int sessionPollMs = 500;            // GenieACS polls session start/end every 500 ms
        int lockWaitMs = 30000;             // task + CR waits up to 30 s for the session lock
        int sessionEndWaitMs = 120000;      // then up to 120 s for the session to end
        int deviceOnlineThresholdMs = 4000; // cwmp.deviceOnlineThreshold
        HttpServer::Options http;
    };

    NbiServer(LabStore &store, Options options, QObject *parent = nullptr);
    ~NbiServer() override;

    void setConnectionRequester(ConnectionRequester *requester) { m_requester = requester; }
    bool listen(const QHostAddress &address = QHostAddress::LocalHost, quint16 port = 0);
    quint16 port() const { return m_http->port(); }
    HttpServer &http() { return *m_http; }

    // The checks GenieACS makes on a connection request URL before it sends anything: an error
    // text, or empty when the URL is an http: URL.
    static QString connectionRequestUrlError(const QString &url);
    // JavaScript syntax check of a provision or virtual parameter script: empty, or
    // "SyntaxError: ..." as GenieACS answers it.
    QString checkScript(const QString &script);

private:
    void handle(HttpExchange *exchange);
    void handleQuery(HttpExchange *exchange, const QString &collection);
    void handleDeviceTasks(HttpExchange *exchange, const QString &deviceId);
    void handleTasks(HttpExchange *exchange, const QString &taskId, const QString &action);
    void handleFiles(HttpExchange *exchange, const QString &name);
    void handleScriptResource(HttpExchange *exchange, const QString &collection,
                              const QString &name);
    void handleJsonResource(HttpExchange *exchange, const QString &collection, const QString &name);
    void connectionRequest(const QString &deviceId, std::function<void(const QString &)> done);
    void taskWithConnectionRequest(QPointer<HttpExchange> exchange, const QString &deviceId,
                                   QVariant task, const QString &timeoutParam);

    LabStore &m_store;
    Options m_options;
    HttpServer *m_http = nullptr;
    ConnectionRequester *m_requester = nullptr;
    std::unique_ptr<QJSEngine> m_js;
};

} // namespace fwd::lab
