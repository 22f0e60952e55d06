#pragma once

#include "fileserverconfig.h"
#include "publishedfile.h"
#include "tlsidentity.h"

#include <QHash>
#include <QList>
#include <QMutex>
#include <QObject>
#include <QUrl>

#include <memory>
#include <optional>
#include <vector>

namespace fwd {
class Clock;
}

namespace fwd::fileserver {

class AccessLogSink;
class FileCatalog;
class Worker;
struct ServerShared;

// The built-in file server routers download firmware from (issue 5): HTTP/1.1 GET and HEAD of
// published files only, keep-alive, single ranges, validators and conditionals; HTTPS by default
// with a generated or configured certificate; files streamed from disk in bounded chunks on one
// worker thread per core; limits on head size, head time and connections; optional HTTP Basic
// credentials per credential set; optional global bandwidth cap; an access log and per-file
// counters. Accepting and serving run on the worker threads only: the server's own thread (the
// GUI thread in the application) may be busy or blocked without delaying any download.
//
// The publishing API (publish, unpublish, setCredentials, counters, baseUrl, fingerprint...) is
// thread-safe. start() and stop() are called from the thread the server lives in.
class FileServer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FileServer)

public:
    // accessLog may be null; it must outlive the server (or the last stop()).
    explicit FileServer(const Clock &clock, AccessLogSink *accessLog = nullptr,
                        QObject *parent = nullptr);
    ~FileServer() override;

    // Starts listening (stopping first when running). false with errorString() on failure:
    // port in use, unreadable certificate, key not matching, bad configuration.
    bool start(const FileServerConfig &config);
    // Closes the listener and every connection; downloads in flight are logged as broken off.
    void stop();
    bool isRunning() const;
    QString errorString() const;
    FileServerConfig config() const;

    // The listening port (0 when stopped).
    quint16 port() const;
    // Where routers fetch files: "https://host:port/" or the external prefix; ends with '/'.
    QUrl baseUrl() const;
    // baseUrl() plus the published name, percent-encoded per segment.
    QUrl urlFor(const QString &name) const;
    // The certificate in use (without its key); null when stopped or serving plain HTTP.
    TlsIdentity identity() const;
    // SHA-256 of the certificate, lower-case hex; empty when stopped or serving plain HTTP.
    QString fingerprint() const;
    // A warning for the engineer when files are served over plain HTTP; empty otherwise.
    QString securityWarning() const;

    // Publishing. publish() returns an empty string on success, else the reason (bad name,
    // missing file, size mismatch); a name published again is replaced.
    QString publish(const PublishedFile &file);
    bool unpublish(const QString &name);
    std::optional<PublishedFile> publishedFile(const QString &name) const;
    QList<PublishedFile> publishedFiles() const;
    void setCredentials(const QString &setName, const QString &user, const QString &password);
    void removeCredentials(const QString &setName);

    // Observability. stats() is for the server's own thread.
    FileCounters counters(const QString &name) const;
    QHash<QString, FileCounters> allCounters() const;
    ServerStats stats() const;

Q_SIGNALS:
    void started(const QUrl &baseUrl);
    void stopped();

private:
    QUrl computeBaseUrl() const;

    const Clock &m_clock;
    AccessLogSink *m_accessLog;
    std::unique_ptr<FileCatalog> m_catalog;

    std::shared_ptr<ServerShared> m_shared;
    int m_listenFd = -1; // shared by the workers, which accept from it
    std::vector<std::unique_ptr<Worker>> m_workers;

    mutable QMutex m_mutex; // guards what other threads read below
    FileServerConfig m_config;
    QString m_error;
    QUrl m_baseUrl;
    TlsIdentity m_identity;
    quint16 m_port = 0;
};

} // namespace fwd::fileserver
