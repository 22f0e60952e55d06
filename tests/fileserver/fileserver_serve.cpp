// fwd_fileserver_serve: runs the file server on one file, for the benchmark script and manual
// checks (curl, RouterOS in a lab). Not a test; prints "listening <port>" when ready.
//
//   fwd_fileserver_serve --file PATH [--name NAME] [--port N] [--bind ADDR] [--threads N]
//                        [--cert PEM --key PEM | --data DIR] [--http] [--cap BYTES_PER_S]
#include "fileserver/accesslog.h"
#include "fileserver/fileserver.h"
#include "fileserver/tlsidentity.h"

#include "core/clock.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFileInfo>
#include <QSocketNotifier>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <sys/socket.h>
#include <unistd.h>

namespace {

int g_signalPipe[2] = {-1, -1};

void onSignal(int)
{
    const char c = 1;
    [[maybe_unused]] const ssize_t n = ::write(g_signalPipe[1], &c, 1);
}

// Counts records without keeping them: the benchmark measures serving, not storage.
class CountingSink final : public fwd::fileserver::AccessLogSink
{
public:
    void record(const fwd::fileserver::AccessRecord &) override { ++m_count; }
    void recordBatch(QList<fwd::fileserver::AccessRecord> &records) override
    {
        m_count += records.size();
        records.clear();
    }
    qint64 count() const { return m_count; }

private:
    std::atomic<qint64> m_count{0};
};

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser p;
    p.addHelpOption();
    p.addOption(
        {QStringLiteral("file"), QStringLiteral("File to publish."), QStringLiteral("path")});
    p.addOption({QStringLiteral("name"), QStringLiteral("Published name (default: file name)."),
                 QStringLiteral("name")});
    p.addOption({QStringLiteral("port"), QStringLiteral("Port (0: any)."), QStringLiteral("port"),
                 QStringLiteral("0")});
    p.addOption({QStringLiteral("bind"), QStringLiteral("Bind address."), QStringLiteral("address"),
                 QStringLiteral("127.0.0.1")});
    p.addOption({QStringLiteral("threads"), QStringLiteral("Worker threads (0: one per core)."),
                 QStringLiteral("n"), QStringLiteral("0")});
    p.addOption(
        {QStringLiteral("cert"), QStringLiteral("PEM certificate chain."), QStringLiteral("path")});
    p.addOption(
        {QStringLiteral("key"), QStringLiteral("PEM private key."), QStringLiteral("path")});
    p.addOption({QStringLiteral("data"), QStringLiteral("Folder of the generated certificate."),
                 QStringLiteral("dir"), QStringLiteral(".")});
    p.addOption({QStringLiteral("http"), QStringLiteral("Plain HTTP.")});
    p.addOption({QStringLiteral("cap"), QStringLiteral("Bandwidth cap in bytes/s (0: none)."),
                 QStringLiteral("n"), QStringLiteral("0")});
    p.addOption({QStringLiteral("keepalive-ms"), QStringLiteral("Idle keep-alive timeout."),
                 QStringLiteral("ms"), QStringLiteral("65000")});
    p.addOption({QStringLiteral("chunk"), QStringLiteral("Bytes per read from disk."),
                 QStringLiteral("n"), QStringLiteral("65536")});
    p.process(app);

    const QFileInfo file(p.value(QStringLiteral("file")));
    if (!file.isFile()) {
        std::fprintf(stderr, "--file must name a readable file\n");
        return 2;
    }
    fwd::SystemClock clock;
    CountingSink sink;
    fwd::fileserver::FileServer server(clock, &sink);
    fwd::fileserver::PublishedFile pf;
    pf.name = p.isSet(QStringLiteral("name")) ? p.value(QStringLiteral("name")) : file.fileName();
    pf.absolutePath = file.absoluteFilePath();
    const QString published = server.publish(pf);
    if (!published.isEmpty()) {
        std::fprintf(stderr, "%s\n", qPrintable(published));
        return 2;
    }
    fwd::fileserver::FileServerConfig c;
    c.bindAddress = QHostAddress(p.value(QStringLiteral("bind")));
    c.port = quint16(p.value(QStringLiteral("port")).toUInt());
    c.workerThreads = p.value(QStringLiteral("threads")).toInt();
    c.https = !p.isSet(QStringLiteral("http"));
    c.certificateChainPath = p.value(QStringLiteral("cert"));
    c.privateKeyPath = p.value(QStringLiteral("key"));
    c.dataDirectory = p.value(QStringLiteral("data"));
    c.bandwidthBytesPerSecond = p.value(QStringLiteral("cap")).toLongLong();
    c.chunkBytes = p.value(QStringLiteral("chunk")).toInt();
    c.keepAliveTimeoutMs = p.value(QStringLiteral("keepalive-ms")).toInt();
    if (!server.start(c)) {
        std::fprintf(stderr, "%s\n", qPrintable(server.errorString()));
        return 1;
    }
    if (::pipe(g_signalPipe) != 0)
        return 1;
    QSocketNotifier stopNotifier(g_signalPipe[0], QSocketNotifier::Read);
    QObject::connect(&stopNotifier, &QSocketNotifier::activated, &app, &QCoreApplication::quit);
    std::signal(SIGTERM, onSignal);
    std::signal(SIGINT, onSignal);
    std::printf("listening %u %s %s\n", unsigned(server.port()),
                qPrintable(server.urlFor(pf.name).toString()),
                qPrintable(fwd::fileserver::formatFingerprint(server.fingerprint())));
    std::fflush(stdout);
    const int rc = app.exec();
    const auto st = server.stats();
    std::printf("requests %lld accepted %lld refused %lld handshake-failures %lld logged %lld\n",
                st.requests, st.acceptedConnections, st.refusedConnections, st.handshakeFailures,
                sink.count());
    server.stop();
    return rc;
}
