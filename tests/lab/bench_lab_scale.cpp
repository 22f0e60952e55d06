// Scale benchmark of the lab (issue 3, item 5): starts firmwaredesk-lab with N routers in its own
// process, reports its RSS, then pages every device through the NBI with a five-field
// projection, 1,000 per page (skip/limit with sort {"_id":1}, and keyset paging on _id), and
// prints the figures. A measurement, not a test: run it by hand.
//
//   bench_lab_scale [--devices 100000] [--lab path/to/firmwaredesk-lab]

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTextStream>
#include <QUrl>

#include <cstdio>

namespace {

struct Reply
{
    int status = 0;
    QByteArray total;
    QByteArray body;
};

// A minimal blocking HTTP/1.1 client (the server runs in another process).
Reply request(QTcpSocket &s, const QByteArray &method, const QByteArray &target)
{
    Reply r;
    s.write(method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    QByteArray buf;
    qsizetype headerEnd = -1;
    while ((headerEnd = buf.indexOf("\r\n\r\n")) < 0) {
        if (!s.waitForReadyRead(60000))
            return r;
        buf += s.readAll();
    }
    const QList<QByteArray> lines = buf.left(headerEnd).split('\n');
    r.status = lines.first().split(' ').value(1).toInt();
    bool chunked = false;
    for (const QByteArray &l : lines) {
        if (l.startsWith("total:"))
            r.total = l.mid(6).trimmed();
        if (l.toLower().startsWith("transfer-encoding:") && l.contains("chunked"))
            chunked = true;
    }
    qsizetype pos = headerEnd + 4;
    if (method == "HEAD" || !chunked)
        return r;
    while (true) {
        qsizetype le;
        while ((le = buf.indexOf("\r\n", pos)) < 0) {
            if (!s.waitForReadyRead(60000))
                return r;
            buf += s.readAll();
        }
        const qint64 size = buf.mid(pos, le - pos).toLongLong(nullptr, 16);
        while (buf.size() < le + 2 + size + 2) {
            if (!s.waitForReadyRead(60000))
                return r;
            buf += s.readAll();
        }
        if (size == 0)
            break;
        r.body += buf.mid(le + 2, size);
        pos = le + 2 + size + 2;
    }
    return r;
}

qint64 rssKiB(qint64 pid)
{
    QFile f(QStringLiteral("/proc/%1/status").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong();
    }
    return -1;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption devices(QStringLiteral("devices"), QStringLiteral("Routers."),
                                     QStringLiteral("N"), QStringLiteral("100000"));
    const QCommandLineOption lab(QStringLiteral("lab"),
                                 QStringLiteral("firmwaredesk-lab executable."),
                                 QStringLiteral("path"), QStringLiteral(FWD_LAB_EXE));
    parser.addOptions({devices, lab});
    parser.process(app);
    QTextStream out(stdout);
    const int n = parser.value(devices).toInt();

    QProcess p;
    QElapsedTimer startTimer;
    startTimer.start();
    // A slow clock (x1) keeps periodic informs out of the measurement.
    p.start(parser.value(lab),
            {QStringLiteral("--devices"), QString::number(n), QStringLiteral("--port"),
             QStringLiteral("0"), QStringLiteral("--fs-port"), QStringLiteral("0"),
             QStringLiteral("--clock-factor"), QStringLiteral("1")});
    QByteArray banner;
    while (!banner.contains("routers ")) {
        if (!p.waitForReadyRead(600000)) {
            std::fprintf(stderr, "the lab did not start\n");
            return 1;
        }
        banner += p.readAllStandardOutput();
    }
    const qint64 startMs = startTimer.elapsed();
    const auto m = QRegularExpression(QStringLiteral("NBI http://127.0.0.1:(\\d+)/"))
                       .match(QString::fromUtf8(banner));
    const quint16 port = quint16(m.captured(1).toUInt());
    const qint64 rssAfterStart = rssKiB(p.processId());

    QTcpSocket s;
    s.connectToHost(QStringLiteral("127.0.0.1"), port);
    if (!s.waitForConnected(10000))
        return 1;
    QElapsedTimer t;
    t.start();
    const Reply head = request(s, "HEAD", "/devices/");
    const qint64 headMs = t.elapsed();

    const QByteArray projection = QUrl::toPercentEncoding(QStringLiteral(
        "_deviceId._SerialNumber,_deviceId._ProductClass,_lastInform,"
        "Device.DeviceInfo.SoftwareVersion,InternetGatewayDevice.DeviceInfo.SoftwareVersion"));
    // skip/limit paging
    t.restart();
    qint64 seen = 0;
    qint64 bytes = 0;
    qint64 slowestPage = 0;
    for (int skip = 0; skip < n; skip += 1000) {
        QElapsedTimer pt;
        pt.start();
        const Reply r = request(s, "GET",
                                "/devices/?projection=" + projection +
                                    "&sort=%7B%22_id%22%3A1%7D&skip=" + QByteArray::number(skip) +
                                    "&limit=1000");
        slowestPage = std::max(slowestPage, pt.elapsed());
        seen += QJsonDocument::fromJson(r.body).array().size();
        bytes += r.body.size();
    }
    const qint64 skipMs = t.elapsed();

    // keyset paging on _id
    t.restart();
    qint64 seenKeyset = 0;
    QString last;
    while (true) {
        QByteArray q = "{}";
        if (!last.isEmpty())
            q = QJsonDocument(QJsonObject{{QStringLiteral("_id"),
                                           QJsonObject{{QStringLiteral("$gt"), last}}}})
                    .toJson(QJsonDocument::Compact);
        const Reply r =
            request(s, "GET",
                    "/devices/?query=" + QUrl::toPercentEncoding(QString::fromUtf8(q)) +
                        "&projection=" + projection + "&sort=%7B%22_id%22%3A1%7D&limit=1000");
        const QJsonArray a = QJsonDocument::fromJson(r.body).array();
        if (a.isEmpty())
            break;
        seenKeyset += a.size();
        last = a.last().toObject().value(QStringLiteral("_id")).toString();
    }
    const qint64 keysetMs = t.elapsed();

    // A filtered count, as a campaign's device selection does.
    t.restart();
    const Reply filtered =
        request(s, "HEAD",
                "/devices/?query=" + QUrl::toPercentEncoding(QStringLiteral(
                                         "{\"Device.DeviceInfo.SoftwareVersion\":\"6.49.18\","
                                         "\"_deviceId._ProductClass\":\"hAP ac lite\"}")));
    const qint64 filterMs = t.elapsed();
    const qint64 rssAfterPaging = rssKiB(p.processId());

    out << "devices: " << n << " (total header " << head.total << ")\n"
        << "lab start incl. registration of every router: " << startMs << " ms\n"
        << "RSS after start: " << rssAfterStart / 1024 << " MiB ("
        << (rssAfterStart * 1024 / std::max(1, n)) << " bytes per router)\n"
        << "HEAD /devices/: " << headMs << " ms\n"
        << "page all devices, 5-field projection, 1,000 per page, skip/limit + sort _id: " << skipMs
        << " ms for " << seen << " documents, " << bytes / 1024 << " KiB, slowest page "
        << slowestPage << " ms\n"
        << "same with keyset paging (_id $gt): " << keysetMs << " ms for " << seenKeyset
        << " documents\n"
        << "filtered HEAD (version + product class): " << filterMs << " ms, total "
        << filtered.total << "\n"
        << "RSS after paging: " << rssAfterPaging / 1024 << " MiB\n";
    out.flush();
    p.terminate();
    p.waitForFinished(10000);

    // Sustained periodic informs: the same fleet on a clock running 600 times faster, so that
    // every router is due 2 x per real second; the lab does what it can and reports.
    QProcess q;
    q.start(parser.value(lab),
            {QStringLiteral("--devices"), QString::number(n), QStringLiteral("--port"),
             QStringLiteral("0"), QStringLiteral("--fs-port"), QStringLiteral("0"),
             QStringLiteral("--clock-factor"), QStringLiteral("600"),
             QStringLiteral("--stats-every"), QStringLiteral("2")});
    QList<QPair<qint64, qint64>> samples; // real ms, sessions
    QByteArray lastStats;
    QElapsedTimer real;
    real.start();
    QByteArray buffer;
    while (samples.size() < 6 && q.waitForReadyRead(60000)) {
        buffer += q.readAllStandardOutput();
        qsizetype nl;
        while ((nl = buffer.indexOf('\n')) >= 0) {
            const QByteArray line = buffer.left(nl);
            buffer.remove(0, nl + 1);
            const auto sm = QRegularExpression(QStringLiteral("sessions=(\\d+)"))
                                .match(QString::fromUtf8(line));
            if (line.startsWith("stats") && sm.hasMatch()) {
                samples.append({real.elapsed(), sm.captured(1).toLongLong()});
                lastStats = line;
            }
        }
    }
    if (samples.size() >= 3) {
        const auto &a = samples.at(1);
        const auto &b = samples.last();
        out << "sustained sessions (clock x600, " << n << " routers, informs every 300 s): "
            << (b.second - a.second) * 1000 / std::max<qint64>(1, b.first - a.first)
            << " per real second (RSS " << rssKiB(q.processId()) / 1024 << " MiB)\n"
            << "last stats line: " << lastStats << "\n";
        out.flush();
    }
    q.terminate();
    q.waitForFinished(10000);
    return seen == n && seenKeyset == n ? 0 : 1;
}
