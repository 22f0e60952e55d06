#pragma once

// A raw HTTP/1.1 client for the lab's tests: it shows exactly what is on the wire (status line,
// reason phrase, header spelling, chunked bodies, a connection closed without any response),
// which QNetworkAccessManager hides. Waits run the event loop (QSignalSpy::wait), never sleep.

#include <QByteArray>
#include <QElapsedTimer>
#include <QList>
#include <QPair>
#include <QSignalSpy>
#include <QTcpSocket>

#include <memory>

namespace fwd::lab::test {

struct RawResponse
{
    bool received = false; // a status line arrived
    bool closedWithoutResponse = false;
    bool refused = false; // the connection could not be made
    int status = 0;
    QByteArray reason;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;

    QByteArray header(const QByteArray &name) const
    {
        for (const auto &[k, v] : headers) {
            if (k.compare(name, Qt::CaseInsensitive) == 0)
                return v;
        }
        return {};
    }
    bool hasHeader(const QByteArray &name) const
    {
        for (const auto &[k, v] : headers) {
            if (k.compare(name, Qt::CaseInsensitive) == 0)
                return true;
        }
        return false;
    }
    // Header names exactly as spelled on the wire.
    QList<QByteArray> headerNames() const
    {
        QList<QByteArray> n;
        for (const auto &[k, v] : headers)
            n.append(k);
        return n;
    }
};

class RawHttpClient
{
public:
    explicit RawHttpClient(quint16 port)
        : m_port(port)
    {}

    // Sends one request on the client's keep-alive connection (opened on demand).
    RawResponse request(const QByteArray &method, const QByteArray &target,
                        const QByteArray &body = {},
                        const QList<QPair<QByteArray, QByteArray>> &headers = {},
                        int timeoutMs = 10000)
    {
        RawResponse r;
        if (!m_socket || m_socket->state() != QAbstractSocket::ConnectedState) {
            m_socket = std::make_unique<QTcpSocket>();
            QSignalSpy connected(m_socket.get(), &QTcpSocket::connected);
            QSignalSpy failed(m_socket.get(), &QTcpSocket::errorOccurred);
            m_socket->connectToHost(QStringLiteral("127.0.0.1"), m_port);
            QElapsedTimer t;
            t.start();
            while (connected.isEmpty() && failed.isEmpty() && t.elapsed() < timeoutMs)
                connected.wait(50);
            if (connected.isEmpty()) {
                r.refused = true;
                m_socket.reset();
                return r;
            }
            m_buffer.clear();
        }
        QByteArray out = method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        for (const auto &[k, v] : headers)
            out += k + ": " + v + "\r\n";
        if (!body.isEmpty() || method == "PUT" || method == "POST")
            out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
        out += "\r\n" + body;
        m_socket->write(out);
        const bool head = method == "HEAD";
        QElapsedTimer t;
        t.start();
        QSignalSpy ready(m_socket.get(), &QTcpSocket::readyRead);
        QSignalSpy gone(m_socket.get(), &QTcpSocket::disconnected);
        while (t.elapsed() < timeoutMs) {
            m_buffer += m_socket->readAll();
            if (parse(&r, head))
                return r;
            if (m_socket->state() != QAbstractSocket::ConnectedState || !gone.isEmpty()) {
                m_buffer += m_socket->readAll();
                if (parse(&r, head))
                    return r;
                r.closedWithoutResponse = m_buffer.isEmpty();
                m_socket.reset();
                return r;
            }
            ready.wait(50);
        }
        return r;
    }

    void close() { m_socket.reset(); }
    bool isOpen() const { return m_socket && m_socket->state() == QAbstractSocket::ConnectedState; }

private:
    bool parse(RawResponse *r, bool head)
    {
        const qsizetype end = m_buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return false;
        const QList<QByteArray> lines = m_buffer.left(end).split('\n');
        const QByteArray statusLine = lines.first().trimmed();
        const qsizetype sp1 = statusLine.indexOf(' ');
        const qsizetype sp2 = statusLine.indexOf(' ', sp1 + 1);
        RawResponse x;
        x.received = true;
        x.status = statusLine.mid(sp1 + 1, sp2 < 0 ? -1 : sp2 - sp1 - 1).toInt();
        x.reason = sp2 < 0 ? QByteArray() : statusLine.mid(sp2 + 1);
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray l = lines.at(i).trimmed();
            const qsizetype c = l.indexOf(':');
            x.headers.append({l.left(c), l.mid(c + 1).trimmed()});
        }
        qsizetype pos = end + 4;
        if (x.status == 100) {
            m_buffer.remove(0, pos);
            return parse(r, head);
        }
        if (!head && x.header("Transfer-Encoding").contains("chunked")) {
            QByteArray body;
            while (true) {
                const qsizetype le = m_buffer.indexOf("\r\n", pos);
                if (le < 0)
                    return false;
                const qint64 size = m_buffer.mid(pos, le - pos).toLongLong(nullptr, 16);
                if (size == 0) {
                    if (m_buffer.size() < le + 4)
                        return false;
                    pos = le + 4;
                    break;
                }
                if (m_buffer.size() < le + 2 + size + 2)
                    return false;
                body += m_buffer.mid(le + 2, size);
                pos = le + 2 + size + 2;
            }
            x.body = body;
        } else if (!head && x.hasHeader("Content-Length") && x.status != 304) {
            const qint64 len = x.header("Content-Length").toLongLong();
            if (m_buffer.size() < pos + len)
                return false;
            x.body = m_buffer.mid(pos, len);
            pos += len;
        }
        m_buffer.remove(0, pos);
        *r = x;
        return true;
    }

    quint16 m_port;
    std::unique_ptr<QTcpSocket> m_socket;
    QByteArray m_buffer;
};

} // namespace fwd::lab::test
