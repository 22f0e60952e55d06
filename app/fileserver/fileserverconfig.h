#pragma once

#include <QHostAddress>
#include <QString>
#include <QUrl>

namespace fwd::fileserver {

// Everything FileServer::start() needs. The defaults are the production defaults.
struct FileServerConfig
{
    // Where to listen. Port 0 picks a free port (tests); the application passes its setting.
    QHostAddress bindAddress = QHostAddress::Any;
    quint16 port = 0;

    // HTTPS unless the engineer explicitly asks for plain HTTP (then the UI shows a warning).
    bool https = true;
    // A PEM certificate chain (leaf first) and its PEM private key, e.g. from Let's Encrypt.
    // Both empty: a self-signed certificate is generated in (and reused from) dataDirectory.
    QString certificateChainPath;
    QString privateKeyPath;
    // Folder of the generated certificate and key (usually fwd::dataDirectory()).
    QString dataDirectory;

    // The public base URL routers use. publicHost empty: the bind address if specific, else the
    // machine's host name. publicPort 0: the listening port. externalUrlPrefix set: files are
    // hosted elsewhere (CDN, reverse proxy) and URLs are built on that prefix instead.
    QString publicHost;
    quint16 publicPort = 0;
    QUrl externalUrlPrefix;

    // Global bandwidth cap over all downloads in bytes per second; 0 means no cap.
    qint64 bandwidthBytesPerSecond = 0;

    // Worker threads; 0 means one per core.
    int workerThreads = 0;
    // Open connections at most; further ones are closed at once. Also bounded by RLIMIT_NOFILE.
    int maxConnections = 16384;
    // Request head (request line + headers) size and count limits.
    int maxHeaderBytes = 8192;
    int maxHeaderCount = 64;
    // A client must complete the TLS handshake and send a full request head within this time.
    int headerTimeoutMs = 10000;
    // An idle keep-alive connection is closed after this time.
    int keepAliveTimeoutMs = 65000;
    // A download making no progress at all (client stopped reading) is dropped after this time.
    int sendStallTimeoutMs = 60000;
    // Bytes read from disk and handed to TLS at a time; memory per active download is about this.
    int chunkBytes = 64 * 1024;
};

} // namespace fwd::fileserver
