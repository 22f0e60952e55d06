#include "connection.h"

#include "bandwidthlimiter.h"
#include "byterange.h"
#include "contenttype.h"
#include "filecatalog.h"
#include "fileserverlogging.h"
#include "httpdate.h"
#include "httprequest.h"
#include "tlscontext.h"
#include "worker.h"

#include "core/clock.h"

#include <QFile>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>

namespace fwd::fileserver {

namespace {

// Bytes one connection may send in one go before yielding to the others of its thread.
constexpr qint64 kFairnessBudget = 1024 * 1024;
// How long a closing connection reads and discards what the client still sends.
constexpr qint64 kLingerMs = 2000;

qint64 monotonicMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

QString truncated(const QByteArray &text, int max = 200)
{
    return QString::fromLatin1(text.left(max));
}

bool hasToken(QByteArrayView list, QByteArrayView token)
{
    while (!list.isEmpty()) {
        qsizetype comma = list.indexOf(',');
        if (comma < 0)
            comma = list.size();
        if (list.first(comma).trimmed().compare(token, Qt::CaseInsensitive) == 0)
            return true;
        list = list.sliced(qMin(comma + 1, list.size()));
    }
    return false;
}

// Appends a decimal number without a temporary QByteArray.
void appendNumber(QByteArray &out, qint64 value)
{
    char digits[24];
    const auto r = std::to_chars(digits, digits + sizeof digits, value);
    out.append(digits, r.ptr - digits);
}

// The access log's method: the common ones without an allocation per request.
QString methodText(const QByteArray &method)
{
    static const QString get = QStringLiteral("GET");
    static const QString head = QStringLiteral("HEAD");
    if (method == "GET")
        return get;
    if (method == "HEAD")
        return head;
    return truncated(method, 16);
}

// If-None-Match uses the weak comparison (RFC 9110 13.1.2).
bool noneMatchHits(const QByteArray &header, const QByteArray &etag)
{
    if (header.trimmed() == "*")
        return true;
    const QList<QByteArray> tags = header.split(',');
    for (QByteArray t : tags) {
        t = t.trimmed();
        if (t.startsWith("W/"))
            t = t.mid(2);
        if (t == etag)
            return true;
    }
    return false;
}

} // namespace

Connection::Connection(Worker *worker, int fd, QString peerAddress, quint16 peerPort, qint64 nowMs)
    : m_worker(worker)
    , m_fd(fd)
    , m_peerAddress(std::move(peerAddress))
    , m_peerPort(peerPort)
{
    m_deadline = nowMs + worker->shared().config.headerTimeoutMs;
}

Connection::~Connection()
{
    close();
}

void Connection::start()
{
    ServerShared &s = m_worker->shared();
    if (s.tls) {
        m_ssl = SSL_new(s.tls->handle());
        if (!m_ssl || SSL_set_fd(m_ssl, m_fd) != 1) {
            ERR_clear_error();
            qCWarning(lcFileServerTls) << "cannot create a TLS session";
            close();
            m_worker->release(this);
            return;
        }
        SSL_set_accept_state(m_ssl);
        m_state = State::Handshake;
    }
    if (!m_worker->watch(this, m_fd)) {
        qCWarning(lcFileServer) << "cannot watch a socket:" << std::strerror(errno);
        close();
        m_worker->release(this);
        return;
    }
    process();
}

void Connection::onEvent(quint32 events)
{
    if ((events & (EPOLLERR | EPOLLHUP)) && !(events & EPOLLIN)) {
        close(); // reset or gone both ways: nothing more can be read or written
        m_worker->release(this);
        return;
    }
    process();
}

void Connection::resume()
{
    process();
}

void Connection::refreshDeadline(qint64 ms)
{
    m_deadline = monotonicMs() + ms;
}

void Connection::waitFor(Io io)
{
    const bool read = io == Io::WantRead;
    const bool write = io == Io::WantWrite;
    if (read == m_wantRead && write == m_wantWrite)
        return;
    m_wantRead = read;
    m_wantWrite = write;
    m_worker->setInterest(m_fd, this, read, write);
}

Connection::Io Connection::sslResult(int ret)
{
    const int err = SSL_get_error(m_ssl, ret);
    ERR_clear_error();
    switch (err) {
    case SSL_ERROR_WANT_READ:
        return Io::WantRead;
    case SSL_ERROR_WANT_WRITE:
        return Io::WantWrite;
    case SSL_ERROR_ZERO_RETURN:
        return Io::Eof;
    case SSL_ERROR_SYSCALL:
        return errno == 0 ? Io::Eof : Io::Error;
    default:
        return Io::Error;
    }
}

Connection::Io Connection::readSome(char *buffer, qsizetype size, qsizetype &done)
{
    done = 0;
    if (m_ssl) {
        errno = 0;
        const int n = SSL_read(m_ssl, buffer, int(size));
        if (n > 0) {
            done = n;
            return Io::Ok;
        }
        return sslResult(n);
    }
    for (;;) {
        const ssize_t n = ::recv(m_fd, buffer, size_t(size), 0);
        if (n > 0) {
            done = n;
            return Io::Ok;
        }
        if (n == 0)
            return Io::Eof;
        if (errno == EINTR)
            continue;
        return errno == EAGAIN || errno == EWOULDBLOCK ? Io::WantRead : Io::Error;
    }
}

Connection::Io Connection::writeSome(const char *data, qsizetype size, qsizetype &done)
{
    done = 0;
    if (m_ssl) {
        errno = 0;
        const int n = SSL_write(m_ssl, data, int(qMin<qsizetype>(size, 1 << 30)));
        if (n > 0) {
            done = n;
            return Io::Ok;
        }
        return sslResult(n);
    }
    for (;;) {
        // The head of a file response is followed by sendfile(): let the kernel coalesce them.
        const int more = m_state == State::Sending && m_fileRemaining > 0 ? MSG_MORE : 0;
        const ssize_t n = ::send(m_fd, data, size_t(size), MSG_NOSIGNAL | more);
        if (n >= 0) {
            done = n;
            return Io::Ok;
        }
        if (errno == EINTR)
            continue;
        return errno == EAGAIN || errno == EWOULDBLOCK ? Io::WantWrite : Io::Error;
    }
}

void Connection::process()
{
    if (m_inProcess || m_state == State::Closed)
        return;
    m_inProcess = true;
    ServerShared &s = m_worker->shared();
    for (;;) {
        if (m_state == State::Handshake) {
            errno = 0;
            const int r = SSL_do_handshake(m_ssl);
            if (r == 1) {
                m_state = State::ReadHead;
                continue;
            }
            const Io io = sslResult(r);
            if (io == Io::WantRead || io == Io::WantWrite) {
                waitFor(io);
                break;
            }
            ++s.handshakeFailures;
            qCDebug(lcFileServerTls) << "TLS handshake with" << m_peerAddress << "failed";
            close();
            break;
        }
        if (m_state == State::ReadHead) {
            if (m_parsePending) {
                m_parsePending = false;
                if (parseNext(m_in))
                    continue;
                if (m_state == State::Closed)
                    break;
            }
            if (m_waitBeforeRead) {
                m_waitBeforeRead = false;
                waitFor(Io::WantRead);
                break;
            }
            qsizetype n = 0;
            const Io io = readSome(m_worker->scratch(), m_worker->scratchSize(), n);
            if (io == Io::Ok) {
                if (m_in.isEmpty()) {
                    refreshDeadline(s.config.headerTimeoutMs); // a new request starts
                    // Usually a whole request arrives in one read: parse it where it is,
                    // keeping only what is left over (incomplete head, pipelined requests).
                    if (parseNext(QByteArrayView(m_worker->scratch(), n)))
                        continue;
                    if (m_state == State::Closed)
                        break;
                    continue;
                }
                m_in.append(m_worker->scratch(), n);
                m_parsePending = true;
                continue;
            }
            if (io == Io::WantRead || io == Io::WantWrite) {
                if (m_in.isEmpty())
                    m_in = QByteArray(); // give the capacity back while idle
                waitFor(io);
                break;
            }
            close();
            break;
        }
        if (m_state == State::Sending) {
            const Pump p = pump();
            if (p == Pump::Finished) {
                finishResponse();
                continue;
            }
            if (p == Pump::Broken)
                close();
            break;
        }
        if (m_state == State::Linger) {
            for (;;) {
                const ssize_t n =
                    ::recv(m_fd, m_worker->scratch(), size_t(m_worker->scratchSize()), 0);
                if (n > 0)
                    continue;
                if (n < 0 && errno == EINTR)
                    continue;
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                    waitFor(Io::WantRead);
                } else {
                    close();
                }
                break;
            }
            break;
        }
        break; // Closed
    }
    m_inProcess = false;
    if (m_state == State::Closed)
        m_worker->release(this);
}

bool Connection::parseNext(QByteArrayView data)
{
    const ServerShared &s = m_worker->shared();
    const bool inBuffer = data.constData() == m_in.constData();
    const HeadParseResult r =
        parseRequestHead(data, s.config.maxHeaderBytes, s.config.maxHeaderCount);
    if (r.status == HeadParseResult::Status::Incomplete) {
        if (!inBuffer)
            m_in = data.toByteArray();
        return false;
    }
    m_requestStartMs = monotonicMs();
    m_record = AccessRecord();
    const QDateTime now = s.clock->now();
    m_nowMs = now.toMSecsSinceEpoch();
    m_record.time = now.toUTC();
    m_record.clientAddress = m_peerAddress;
    m_record.clientPort = m_peerPort;
    if (r.status == HeadParseResult::Status::Error) {
        m_in.clear();
        m_record.method = QStringLiteral("-");
        m_record.file = QStringLiteral("-");
        qCDebug(lcFileServerAccess) << m_peerAddress << "bad request:" << r.errorReason;
        respondError(r.errorStatus,
                     r.errorStatus == 431   ? "Request Header Fields Too Large"
                     : r.errorStatus == 505 ? "HTTP Version Not Supported"
                                            : "Bad Request",
                     true);
        return true;
    }
    if (inBuffer)
        m_in.remove(0, r.consumed);
    else if (r.consumed < data.size())
        m_in = data.sliced(r.consumed).toByteArray(); // pipelined requests
    handle(r.head);
    return true;
}

QByteArray &Connection::startHead(int status, const char *reason)
{
    // The worker's head buffer keeps its capacity: no allocation per response.
    QByteArray &h = m_worker->headBuffer();
    h.resize(0);
    h.append("HTTP/1.1 ");
    appendNumber(h, status);
    h.append(' ');
    h.append(reason);
    h.append("\r\nDate: ");
    h.append(m_worker->httpDate(m_nowMs));
    h.append("\r\nServer: FirmwareDesk\r\n");
    return h;
}

void Connection::respondError(int status, const char *reason, bool close,
                              QByteArrayView extraHeaders)
{
    m_closeAfter = m_closeAfter || close;
    if (m_record.file.isEmpty())
        m_record.file = truncated(m_requestTarget);
    char body[64];
    const int bodyLength = std::snprintf(body, sizeof body, "%d %s\n", status, reason);
    QByteArray &h = startHead(status, reason);
    h.append("Content-Type: text/plain; charset=utf-8\r\nContent-Length: ");
    appendNumber(h, bodyLength);
    h.append("\r\n");
    h.append(extraHeaders);
    const bool headOnly = m_record.method == QLatin1String("HEAD");
    beginResponse(status, h, QByteArrayView(body, bodyLength), 0, 0, headOnly);
}

void Connection::handle(const HttpRequestHead &head)
{
    ServerShared &s = m_worker->shared();
    WorkerCounters::add(m_worker->counters().requests, 1);
    m_record.method = methodText(head.method);
    m_requestTarget = head.target;
    const QByteArray userAgent = head.header("user-agent");
    if (userAgent != m_userAgentBytes || m_userAgentBytes.isNull() != userAgent.isNull()) {
        m_userAgentBytes = userAgent; // clients send the same one on every request
        m_userAgent = truncated(userAgent);
    }
    m_record.userAgent = m_userAgent;
    const QByteArray connectionHeader = head.header("connection");
    m_http10 = head.versionMinor == 0;
    m_closeAfter =
        m_http10 ? !hasToken(connectionHeader, "keep-alive") : hasToken(connectionHeader, "close");

    if (head.versionMinor >= 1 && head.headerCount("host") != 1)
        return respondError(400, "Bad Request", true);
    if (head.headerCount("transfer-encoding") > 0)
        return respondError(400, "Bad Request", true); // no request bodies here
    if (head.headerCount("content-length") > 0) {
        if (head.headerCount("content-length") > 1 || head.header("content-length") != "0")
            return respondError(400, "Bad Request", true);
    }
    const bool isHead = head.method == "HEAD";
    if (head.method != "GET" && !isHead)
        return respondError(405, "Method Not Allowed", false, "Allow: GET, HEAD\r\n");

    const TargetResult target = resolveTarget(head.target);
    if (target.errorStatus == 400)
        return respondError(400, "Bad Request", true);
    const std::shared_ptr<const CatalogEntry> entry =
        target.errorStatus == 0 ? s.catalog->find(target.name) : nullptr;
    if (!entry)
        return respondError(404, "Not Found", false);
    const PublishedFile *file = &entry->file;
    m_record.file = file->name;

    QString user;
    if (s.catalog->authorize(*file, head.header("authorization"), &user) ==
        FileCatalog::AuthResult::Denied) {
        m_record.user = user;
        entry->counters->add({.requests = 1, .denied = 1}, m_worker->index());
        return respondError(
            401, "Unauthorized", false,
            "WWW-Authenticate: Basic realm=\"FirmwareDesk\", charset=\"UTF-8\"\r\n");
    }
    m_record.user = user;

    bool changed = false;
    OpenFile *openFile = m_worker->acquireFile(entry, monotonicMs(), &changed);
    if (!openFile && !changed) {
        // Out of file descriptors (many downloads at once): ask the client to come back.
        qCWarning(lcFileServer) << "no file descriptor left to open" << file->name;
        entry->counters->add({.requests = 1}, m_worker->index());
        return respondError(503, "Service Unavailable", true, "Retry-After: 5\r\n");
    }
    if (!openFile) {
        qCWarning(lcFileServer).noquote() << "published file" << file->name
                                          << "is missing or changed on disk:" << file->absolutePath;
        entry->counters->add({.requests = 1}, m_worker->index());
        return respondError(500, "Internal Server Error", false);
    }
    m_file = openFile;
    m_fileFd = openFile->fd;

    const QByteArray &etag = entry->etag;
    const QDateTime &lastModified = entry->lastModified;
    const QByteArray &validators = entry->validatorHeaders;

    // Conditionals (RFC 9110 13.2.2): If-None-Match wins over If-Modified-Since.
    bool notModified = false;
    const QByteArray inm = head.header("if-none-match");
    if (!inm.isNull()) {
        notModified = noneMatchHits(inm, etag);
    } else {
        const QByteArray ims = head.header("if-modified-since");
        if (!ims.isNull()) {
            const QDateTime since = parseHttpDate(ims);
            notModified = since.isValid() && lastModified <= since;
        }
    }
    if (notModified) {
        releaseFile();
        entry->counters->add({.requests = 1, .notModified = 1}, m_worker->index());
        QByteArray &h = startHead(304, "Not Modified");
        h.append(validators);
        beginResponse(304, h, {}, 0, 0, true);
        return;
    }

    ByteRange range;
    range.last = file->size - 1;
    const QByteArray rangeHeader = head.header("range");
    if (!isHead && !rangeHeader.isNull()) {
        bool apply = true;
        const QByteArray ifRange = head.header("if-range").trimmed();
        if (!ifRange.isNull()) {
            if (ifRange.startsWith('"') || ifRange.startsWith("W/"))
                apply = ifRange == etag; // strong comparison
            else
                apply = parseHttpDate(ifRange) == lastModified;
        }
        if (apply)
            range = evaluateRange(rangeHeader, file->size);
    }
    if (range.kind == ByteRange::Kind::Unsatisfiable) {
        releaseFile();
        m_record.range = truncated(rangeHeader, 100);
        entry->counters->add({.requests = 1}, m_worker->index());
        return respondError(
            416, "Range Not Satisfiable", false,
            QByteArray("Content-Range: bytes */" + QByteArray::number(file->size) + "\r\n"));
    }
    const bool partial = range.kind == ByteRange::Kind::Partial;
    const int status = partial ? 206 : 200;
    const char *reason = partial ? "Partial Content" : "OK";
    QByteArray &h = startHead(status, reason);
    h.append("Content-Type: ");
    h.append(entry->contentType);
    h.append("\r\nContent-Length: ");
    appendNumber(h, partial ? range.length() : file->size);
    h.append("\r\n");
    h.append(validators);
    h.append("Accept-Ranges: bytes\r\nX-Content-Type-Options: nosniff\r\n");
    if (partial) {
        const QByteArray cr = "bytes " + QByteArray::number(range.first) + '-' +
                              QByteArray::number(range.last) + '/' + QByteArray::number(file->size);
        h.append("Content-Range: " + cr + "\r\n");
        m_record.range = QString::fromLatin1(cr);
    }
    m_downloadCounters = entry->counters;
    if (partial)
        beginResponse(status, h, {}, range.first, range.length(), isHead);
    else
        beginResponse(status, h, {}, 0, file->size, isHead);
}

void Connection::beginResponse(int status, QByteArrayView headers, QByteArrayView memoryBody,
                               qint64 fileOffset, qint64 fileLength, bool headOnly)
{
    const ServerShared &s = m_worker->shared();
    m_record.status = status;
    m_responseActive = true;
    const qsizetype body = headOnly ? 0 : memoryBody.size();
    m_fileRemaining = headOnly ? 0 : fileLength;
    m_fileOffset = fileOffset;
    m_bodyExpected = headOnly ? 0 : (fileLength > 0 ? fileLength : body);
    m_bodySent = 0;
    if (headOnly)
        releaseFile();
    // Head, then the in-memory body or (TLS) the first chunk of the file.
    const qsizetype headRoom = headers.size() + 64;
    allocateOut(m_fileRemaining > 0 && m_ssl
                    ? headRoom + qMin<qint64>(m_fileRemaining, s.config.chunkBytes)
                    : headRoom + body);
    m_out.append(headers);
    if (m_closeAfter)
        m_out.append("Connection: close\r\n");
    else if (m_http10)
        m_out.append("Connection: keep-alive\r\n"); // HTTP/1.0 closes unless told otherwise
    if (!m_closeAfter)
        m_out.append(m_worker->keepAliveHeader());
    m_out.append("\r\n");
    m_outBodyStart = m_out.size();
    if (body)
        m_out.append(memoryBody);
    m_outPos = 0;
    if (m_ssl && m_fileRemaining > 0 && !s.limiter) {
        // The head and the first chunk go out together: one TLS record and one system call
        // for a small file instead of two.
        const qsizetype room = qMin<qint64>(m_fileRemaining, s.config.chunkBytes);
        const qsizetype at = m_out.size();
        m_out.resize(at + room);
        const ssize_t n = ::pread(m_fileFd, m_out.data() + at, size_t(room), off_t(m_fileOffset));
        m_out.resize(at + qMax<qsizetype>(0, n));
        if (n > 0) {
            m_fileOffset += n;
            m_fileRemaining -= n;
        }
    }
    m_record.bytesExpected = m_bodyExpected;
    m_state = State::Sending;
    refreshDeadline(s.config.sendStallTimeoutMs);
}

void Connection::allocateOut(qsizetype capacity)
{
    m_out.clear();
    m_out.reserve(capacity);
    WorkerCounters::add(m_worker->counters().buffered, m_out.capacity() - m_outCapacityCounted);
    m_outCapacityCounted = m_out.capacity();
}

void Connection::releaseFile()
{
    if (m_file) {
        m_worker->releaseFile(m_file);
        m_file = nullptr;
    }
    m_fileFd = -1;
}

void Connection::freeOut()
{
    WorkerCounters::add(m_worker->counters().buffered, -m_outCapacityCounted);
    m_outCapacityCounted = 0;
    m_out = QByteArray();
    m_outPos = 0;
    m_outBodyStart = 0;
}

Connection::Pump Connection::pump()
{
    ServerShared &s = m_worker->shared();
    qint64 budget = kFairnessBudget;
    for (;;) {
        if (m_outPos == m_out.size()) {
            if (m_fileRemaining == 0)
                return Pump::Finished;
            if (budget <= 0) {
                waitFor(Io::WantWrite); // writable again at once: lets the others run first
                return Pump::Blocked;
            }
            qint64 want = qMin<qint64>(m_fileRemaining, s.config.chunkBytes);
            if (s.limiter) {
                want = s.limiter->take(want);
                if (want == 0) {
                    waitFor(Io::Eof); // neither read nor write until the worker resumes us
                    m_worker->throttle(this);
                    return Pump::Blocked;
                }
            }
            if (!m_ssl) {
                // Plain HTTP: straight from the page cache to the socket.
                off_t offset = off_t(m_fileOffset);
                const ssize_t n = ::sendfile(m_fd, m_fileFd, &offset, size_t(want));
                if (n > 0) {
                    m_fileOffset += n;
                    m_fileRemaining -= n;
                    m_bodySent += n;
                    budget -= n;
                    refreshDeadline(s.config.sendStallTimeoutMs);
                    continue;
                }
                if (n < 0 && errno == EINTR)
                    continue;
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                    waitFor(Io::WantWrite);
                    return Pump::Blocked;
                }
                if (n == 0)
                    qCWarning(lcFileServer) << "file shrank while being sent";
                return Pump::Broken;
            }
            m_out.resize(qsizetype(want));
            const ssize_t n = ::pread(m_fileFd, m_out.data(), size_t(want), off_t(m_fileOffset));
            if (n <= 0) {
                qCWarning(lcFileServer) << "cannot read a published file while sending it";
                m_out.clear();
                return Pump::Broken;
            }
            m_out.resize(qsizetype(n));
            m_outPos = 0;
            m_outBodyStart = 0;
            m_fileOffset += n;
            m_fileRemaining -= n;
        }
        qsizetype n = 0;
        const Io io = writeSome(m_out.constData() + m_outPos, m_out.size() - m_outPos, n);
        if (io == Io::Ok) {
            const qsizetype bodyFrom = qMax(m_outPos, m_outBodyStart);
            if (m_outPos + n > bodyFrom)
                m_bodySent += m_outPos + n - bodyFrom;
            m_outPos += n;
            budget -= n;
            refreshDeadline(s.config.sendStallTimeoutMs);
            if (m_outPos == m_out.size() && m_fileRemaining > 0 && m_ssl) {
                // Reuse the buffer for the next chunk (its capacity stays counted).
                m_out.resize(0);
                m_outPos = 0;
            }
            continue;
        }
        if (io == Io::WantRead || io == Io::WantWrite) {
            waitFor(io);
            return Pump::Blocked;
        }
        return Pump::Broken;
    }
}

void Connection::logResponse(bool completed)
{
    ServerShared &s = m_worker->shared();
    m_record.bytesSent = m_bodySent;
    m_record.completed = completed;
    m_record.durationMs = monotonicMs() - m_requestStartMs;
    if (m_downloadCounters) {
        FileCounters delta;
        delta.requests = 1;
        delta.bytesSent = m_bodySent;
        delta.completed = completed ? 1 : 0;
        delta.brokenOff = completed ? 0 : 1;
        m_downloadCounters->add(delta, m_worker->index());
    }
    if (s.accessLog)
        m_worker->log(std::move(m_record));
    m_responseActive = false;
    m_downloadCounters.reset();
    m_record = AccessRecord();
}

void Connection::finishResponse()
{
    logResponse(true);
    releaseFile();
    freeOut();
    const ServerShared &s = m_worker->shared();
    if (m_closeAfter) {
        startLinger();
        return;
    }
    m_state = State::ReadHead;
    m_parsePending = !m_in.isEmpty();
    // Nothing buffered: wait for the socket to become readable instead of trying a read that
    // would only say EAGAIN (one system call less per request).
    m_waitBeforeRead = m_in.isEmpty() && !(m_ssl && SSL_has_pending(m_ssl));
    refreshDeadline(m_in.isEmpty() ? s.config.keepAliveTimeoutMs : s.config.headerTimeoutMs);
}

void Connection::startLinger()
{
    if (m_ssl) {
        SSL_shutdown(m_ssl); // close_notify, best effort
        ERR_clear_error();
    }
    ::shutdown(m_fd, SHUT_WR);
    m_in = QByteArray();
    m_state = State::Linger;
    refreshDeadline(qMin<qint64>(kLingerMs, m_worker->shared().config.headerTimeoutMs));
}

void Connection::timeOut()
{
    if (m_state == State::Linger || m_state == State::Closed) {
        close();
    } else {
        ++m_worker->shared().timedOut;
        qCDebug(lcFileServer) << "connection from" << m_peerAddress << "timed out";
        close();
    }
    if (!m_inProcess)
        m_worker->release(this);
}

void Connection::close()
{
    if (m_state == State::Closed)
        return;
    if (m_responseActive)
        logResponse(m_state == State::Sending && m_fileRemaining == 0 && m_outPos == m_out.size());
    m_state = State::Closed;
    releaseFile();
    freeOut();
    m_in = QByteArray();
    if (m_ssl) {
        SSL_free(m_ssl);
        m_ssl = nullptr;
    }
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
        --m_worker->shared().open;
    }
}

} // namespace fwd::fileserver
