// fwd_qsslstreamer: the QSslSocket baseline the file server was measured against (see
// docs/benchmarks.md). A bare HTTPS streamer on Qt's own classes: one QThread per core, each
// with QSslSockets that answer every request head with one file, streamed in 64 KiB chunks with
// back-pressure (at most 256 KiB queued, plain + encrypted). No parsing, no ranges, no limits:
// it only measures what QSslSocket costs. Not a test, not part of the product.
//
//   fwd_qsslstreamer --file PATH --cert PEM --key PEM --port N [--threads N]
#include <QCoreApplication>
#include <QFile>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslSocket>
#include <QTcpServer>
#include <QThread>

#include <cstdio>
#include <memory>
#include <vector>

namespace {

constexpr qint64 kChunk = 64 * 1024;
constexpr qint64 kHighWater = 256 * 1024;

class Stream final : public QObject
{
public:
    Stream(qintptr fd, const QSslConfiguration &conf, const QString &path, QByteArray head)
        : m_file(path)
        , m_head(std::move(head))
    {
        m_socket.setSslConfiguration(conf);
        m_socket.setReadBufferSize(16 * 1024);
        connect(&m_socket, &QSslSocket::readyRead, this, &Stream::onRead);
        connect(&m_socket, &QSslSocket::encryptedBytesWritten, this, &Stream::pump);
        connect(&m_socket, &QSslSocket::disconnected, this, &QObject::deleteLater);
        connect(&m_socket, &QSslSocket::errorOccurred, this, [this] {
            if (m_socket.state() == QAbstractSocket::UnconnectedState)
                deleteLater();
        });
        if (!m_socket.setSocketDescriptor(fd)) {
            deleteLater();
            return;
        }
        m_socket.setSocketOption(QAbstractSocket::LowDelayOption, 1);
        m_socket.startServerEncryption();
    }

private:
    void onRead()
    {
        m_in += m_socket.readAll();
        if (m_remaining == 0 && m_in.contains("\r\n\r\n")) {
            m_in.remove(0, m_in.indexOf("\r\n\r\n") + 4);
            if (!m_file.isOpen() && !m_file.open(QIODevice::ReadOnly | QIODevice::Unbuffered)) {
                m_socket.abort();
                return;
            }
            m_file.seek(0);
            m_remaining = m_file.size();
            m_socket.write(m_head);
            pump();
        }
    }

    void pump()
    {
        while (m_remaining > 0 &&
               m_socket.bytesToWrite() + m_socket.encryptedBytesToWrite() < kHighWater) {
            const QByteArray chunk = m_file.read(qMin(kChunk, m_remaining));
            if (chunk.isEmpty()) {
                m_socket.abort();
                return;
            }
            m_remaining -= chunk.size();
            m_socket.write(chunk);
        }
        if (m_remaining == 0 && !m_in.isEmpty())
            onRead(); // pipelined
    }

    QSslSocket m_socket;
    QFile m_file;
    QByteArray m_head;
    QByteArray m_in;
    qint64 m_remaining = 0;
};

class Server final : public QTcpServer
{
public:
    Server(std::vector<QObject *> contexts, QSslConfiguration conf, QString path, QByteArray head)
        : m_contexts(std::move(contexts))
        , m_conf(std::move(conf))
        , m_path(std::move(path))
        , m_head(std::move(head))
    {}

protected:
    void incomingConnection(qintptr fd) override
    {
        QObject *context = m_contexts[m_next++ % m_contexts.size()];
        QMetaObject::invokeMethod(context, [this, fd] { new Stream(fd, m_conf, m_path, m_head); });
    }

private:
    std::vector<QObject *> m_contexts; // one per thread
    size_t m_next = 0;
    QSslConfiguration m_conf;
    QString m_path;
    QByteArray m_head;
};

QString arg(const QStringList &args, const QString &name, const QString &fallback = {})
{
    const qsizetype i = args.indexOf(name);
    return i >= 0 && i + 1 < args.size() ? args[i + 1] : fallback;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    const QString path = arg(args, QStringLiteral("--file"));
    QFile cert(arg(args, QStringLiteral("--cert")));
    QFile key(arg(args, QStringLiteral("--key")));
    if (path.isEmpty() || !cert.open(QIODevice::ReadOnly) || !key.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "usage: fwd_qsslstreamer --file F --cert PEM --key PEM --port N\n");
        return 2;
    }
    QSslConfiguration conf = QSslConfiguration::defaultConfiguration();
    conf.setLocalCertificateChain(QSslCertificate::fromData(cert.readAll()));
    conf.setPrivateKey(QSslKey(key.readAll(), QSsl::Rsa));
    conf.setProtocol(QSsl::TlsV1_2OrLater);
    const QByteArray head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                            "Content-Length: " +
                            QByteArray::number(QFile(path).size()) + "\r\n\r\n";
    const int n =
        arg(args, QStringLiteral("--threads"), QString::number(QThread::idealThreadCount()))
            .toInt();
    std::vector<QObject *> contexts;
    for (int i = 0; i < n; ++i) {
        auto *thread = new QThread(&app);
        auto *context = new QObject;
        context->moveToThread(thread);
        thread->start();
        contexts.push_back(context);
    }
    Server server(contexts, conf, path, head);
    server.setListenBacklogSize(4096);
    if (!server.listen(QHostAddress::LocalHost,
                       quint16(arg(args, QStringLiteral("--port")).toUInt()))) {
        std::fprintf(stderr, "%s\n", qPrintable(server.errorString()));
        return 1;
    }
    std::printf("listening %u\n", unsigned(server.serverPort()));
    std::fflush(stdout);
    return app.exec();
}
