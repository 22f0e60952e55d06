#pragma once

#include "accesslog.h"

#include <QByteArray>
#include <QString>

#include <memory>

using SSL = struct ssl_st;

namespace fwd::fileserver {

class Worker;
struct AtomicFileCounters;
struct OpenFile;
struct HttpRequestHead;
struct PublishedFile;

// One client connection (internal): TLS handshake, request heads, responses streamed from disk
// through a buffer of config.chunkBytes, keep-alive and pipelining, timeouts. Runs in its
// worker's thread, driven by the worker's epoll events; never blocks.
class Connection final
{
public:
    Connection(Worker *worker, int fd, QString peerAddress, quint16 peerPort, qint64 nowMs);
    ~Connection();
    Q_DISABLE_COPY_MOVE(Connection)

    void start();
    // Readiness reported by epoll.
    void onEvent(quint32 events);
    bool isClosed() const { return m_state == State::Closed; }
    // Called by the worker when the bandwidth cap allows sending again.
    void resume();
    // Monotonic milliseconds after which the connection is timed out.
    qint64 deadline() const { return m_deadline; }
    void timeOut();

private:
    enum class State { Handshake, ReadHead, Sending, Linger, Closed };
    enum class Io { Ok, WantRead, WantWrite, Eof, Error };
    enum class Pump { Finished, Blocked, Broken };

    void process();
    void waitFor(Io io);
    Io readSome(char *buffer, qsizetype size, qsizetype &done);
    Io writeSome(const char *data, qsizetype size, qsizetype &done);
    Io sslResult(int ret);

    // Parses one request head from data (m_in, or the worker's scratch buffer, whose leftover
    // bytes are then kept in m_in); true when a response was started.
    bool parseNext(QByteArrayView data);
    void handle(const HttpRequestHead &head);
    void respondError(int status, const char *reason, bool close, QByteArrayView extraHeaders = {});
    // Starts a response head (status line, Date, Server) in the worker's head buffer.
    QByteArray &startHead(int status, const char *reason);
    void beginResponse(int status, QByteArrayView headers, QByteArrayView memoryBody,
                       qint64 fileOffset, qint64 fileLength, bool headOnly);
    Pump pump();
    void finishResponse();
    void logResponse(bool completed);
    void startLinger();
    void close();
    void allocateOut(qsizetype capacity);
    void freeOut();
    void releaseFile();
    void refreshDeadline(qint64 ms);

    Worker *m_worker;
    int m_fd;
    SSL *m_ssl = nullptr;
    bool m_wantRead = true; // what epoll watches for
    bool m_wantWrite = false;
    State m_state = State::ReadHead;
    qint64 m_deadline = 0;
    bool m_parsePending = false;
    bool m_waitBeforeRead = false;
    bool m_inProcess = false;

    QByteArray m_in;  // request bytes not parsed yet
    QByteArray m_out; // response bytes (head, in-memory body, or a file chunk)
    qsizetype m_outPos = 0;
    qsizetype m_outBodyStart = 0; // where body bytes start in m_out
    qsizetype m_outCapacityCounted = 0;

    OpenFile *m_file = nullptr; // the worker's, while a response sends from it
    int m_fileFd = -1;
    qint64 m_fileOffset = 0;
    qint64 m_fileRemaining = 0;
    bool m_closeAfter = false;
    bool m_http10 = false;
    bool m_responseActive = false;
    qint64 m_bodyExpected = 0;
    qint64 m_bodySent = 0;
    qint64 m_requestStartMs = 0;
    qint64 m_nowMs = 0;          // the clock when the current request head was complete
    QByteArray m_requestTarget;  // for the access log when no published file matched
    QByteArray m_userAgentBytes; // the last User-Agent and its text, reused while unchanged
    QString m_userAgent;
    std::shared_ptr<AtomicFileCounters> m_downloadCounters; // 200/206 of a published file
    AccessRecord m_record;
    QString m_peerAddress;
    quint16 m_peerPort;
};

} // namespace fwd::fileserver
