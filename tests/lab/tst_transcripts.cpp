#include "core/clock.h"
#include "lab/docvalue.h"
#include "lab/fleet.h"
#include "lab/labfileserver.h"
#include "lab/labstore.h"
#include "lab/nbiserver.h"
#include "rawhttp.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTest>

using namespace fwd::lab;
using fwd::lab::test::RawHttpClient;
using fwd::lab::test::RawResponse;

namespace {

QString dataDir()
{
    return QString::fromLocal8Bit(qgetenv("FWD_TEST_DATA"));
}

QStringList keysOf(const QJsonValue &v)
{
    QStringList k = v.toObject().keys();
    k.sort();
    return k;
}

} // namespace

// Replays GenieACS 1.2.16 NBI and file-server transcripts (tests/lab/data/transcripts, copied
// from reference/genieacs-transcripts) against the lab, in the order they were captured, with a
// fleet shaped like the capture's (five genieacs-sim TR-098 routers), and compares status line,
// reason phrase, key headers and body shape.
class TestTranscripts final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void replay_data();
    void replay();

private:
    std::unique_ptr<fwd::ManualClock> m_clock;
    std::unique_ptr<LabStore> m_store;
    std::unique_ptr<NbiServer> m_nbi;
    std::unique_ptr<LabFileServer> m_fs;
    std::unique_ptr<Fleet> m_fleet;
};

void TestTranscripts::initTestCase()
{
    m_clock = std::make_unique<fwd::ManualClock>(
        QDateTime(QDate(2026, 12, 1), QTime(6, 30, 56), Qt::UTC));
    m_store = std::make_unique<LabStore>(*m_clock);
    NbiServer::Options o;
    o.sessionPollMs = 20;
    o.deviceOnlineThresholdMs = 400;
    m_nbi = std::make_unique<NbiServer>(*m_store, o);
    QVERIFY(m_nbi->listen());
    m_fs = std::make_unique<LabFileServer>(*m_store);
    QVERIFY(m_fs->listen());
    QString error;
    const auto profile =
        FleetProfile::fromFile(dataDir() + QStringLiteral("/profile-transcripts.json"), &error);
    QVERIFY2(profile.has_value(), qPrintable(error));
    Fleet::Options fo;
    fo.devices = 5;
    fo.tickMs = 3600 * 1000;
    fo.engine.fsUrlPrefix = m_fs->urlPrefix();
    m_fleet = std::make_unique<Fleet>(*m_store, *m_clock, *profile, fo);
    m_nbi->setConnectionRequester(m_fleet.get());
    m_fleet->start();
    QCOMPARE(m_fleet->deviceId(0), QStringLiteral("202BC1-BM632w-000000"));
    // A file the capture had uploaded before the recorded exchanges (T071 deletes it).
    m_store->putFile(QStringLiteral("fw-new-2.bin"), "fw-new-2", {});
}

void TestTranscripts::replay_data()
{
    QTest::addColumn<QString>("file");
    QDir dir(dataDir() + QStringLiteral("/transcripts"));
    QList<QPair<QString, QString>> files;
    for (const QString &f : dir.entryList({QStringLiteral("*.json")}, QDir::Files)) {
        QFile in(dir.filePath(f));
        if (!in.open(QIODevice::ReadOnly))
            continue;
        files.append({QJsonDocument::fromJson(in.readAll())
                              .object()
                              .value(QStringLiteral("captured_at"))
                              .toString() +
                          f,
                      dir.filePath(f)});
    }
    std::sort(files.begin(), files.end());
    QVERIFY(files.size() >= 50);
    for (const auto &[key, path] : std::as_const(files))
        QTest::newRow(qPrintable(QFileInfo(path).completeBaseName())) << path;
}

void TestTranscripts::replay()
{
    QFETCH(QString, file);
    QFile in(file);
    QVERIFY(in.open(QIODevice::ReadOnly));
    const QJsonObject t = QJsonDocument::fromJson(in.readAll()).object();
    const QJsonObject req = t.value(QStringLiteral("request")).toObject();
    const QJsonObject exp = t.value(QStringLiteral("response")).toObject();

    // The lab's clock follows the capture's, and the fleet catches up (downloads, informs).
    m_clock->set(*docvalue::parseJsDate(t.value(QStringLiteral("captured_at")).toString()));
    m_fleet->processDue();

    QByteArray body;
    const QJsonValue b = req.value(QStringLiteral("body"));
    if (b.isObject())
        body = QJsonDocument(b.toObject()).toJson(QJsonDocument::Compact);
    else if (b.isArray())
        body = QJsonDocument(b.toArray()).toJson(QJsonDocument::Compact);
    else if (b.isString()) {
        const auto m =
            QRegularExpression(QStringLiteral("^<binary body, (\\d+) bytes")).match(b.toString());
        if (m.hasMatch()) {
            body.resize(m.captured(1).toInt());
            for (qsizetype i = 0; i < body.size(); ++i)
                body[i] = char((i * 131) & 0xff);
        } else {
            body = b.toString().toUtf8();
        }
    }
    QList<QPair<QByteArray, QByteArray>> headers;
    const QJsonObject rh = req.value(QStringLiteral("headers")).toObject();
    for (auto it = rh.begin(); it != rh.end(); ++it) {
        if (it.key().compare(QLatin1String("Content-Length"), Qt::CaseInsensitive) != 0)
            headers.append({it.key().toUtf8(), it.value().toString().toUtf8()});
    }
    const bool fs = req.value(QStringLiteral("port")).toInt() == 7567;
    RawHttpClient c(fs ? m_fs->port() : m_nbi->port());
    const RawResponse r =
        c.request(req.value(QStringLiteral("method")).toString().toUtf8(),
                  req.value(QStringLiteral("path")).toString().toUtf8(), body, headers, 20000);

    if (exp.value(QStringLiteral("status")).isNull()) {
        QVERIFY2(r.closedWithoutResponse,
                 "GenieACS's NBI worker crashed here: no response expected");
        QTRY_VERIFY(!m_nbi->http().isCrashed());
        return;
    }
    QCOMPARE(r.status, exp.value(QStringLiteral("status")).toInt());
    QCOMPARE(QString::fromUtf8(r.reason), exp.value(QStringLiteral("reason")).toString());
    const QJsonObject eh = exp.value(QStringLiteral("headers")).toObject();
    for (const char *h : {"Content-Type", "total", "Allow", "Content-Range", "Accept-Ranges"}) {
        const QString name = QLatin1String(h);
        QCOMPARE(r.hasHeader(h), eh.contains(name));
        if (eh.contains(name))
            QCOMPARE(QString::fromUtf8(r.header(h)), eh.value(name).toString());
    }
    QCOMPARE(r.hasHeader("GenieACS-Version"), eh.contains(QStringLiteral("GenieACS-Version")));
    if (eh.contains(QStringLiteral("GenieACS-Version")))
        QCOMPARE(QString::fromUtf8(r.header("GenieACS-Version")),
                 eh.value(QStringLiteral("GenieACS-Version")).toString().section(u'+', 0, 0));
    QCOMPARE(r.hasHeader("ETag"), eh.contains(QStringLiteral("ETag")));
    if (r.hasHeader("ETag"))
        QVERIFY(QRegularExpression(QStringLiteral("^[0-9a-f]{32}$"))
                    .match(QString::fromLatin1(r.header("ETag")))
                    .hasMatch());
    if (fs && eh.contains(QStringLiteral("Content-Length")))
        QCOMPARE(QString::fromUtf8(r.header("Content-Length")),
                 eh.value(QStringLiteral("Content-Length")).toString());

    // Body shape.
    const QJsonValue eb = exp.value(QStringLiteral("body"));
    if (eb.isNull() || (eb.isString() && eb.toString().isEmpty())) {
        QVERIFY2(r.body.isEmpty(), r.body.constData());
    } else if (eb.isString()) {
        const QString e = eb.toString();
        if (e.startsWith(QLatin1String("SyntaxError: ")))
            QVERIFY2(r.body.startsWith("SyntaxError: "), r.body.constData());
        else if (e.startsWith(u'<'))
            QCOMPARE(r.body.size(),
                     r.header("Content-Length").toInt()); // a binary body, summarised
        else
            QCOMPARE(QString::fromUtf8(r.body), e);
    } else {
        QJsonParseError pe;
        const QJsonDocument ours = QJsonDocument::fromJson(r.body, &pe);
        QVERIFY2(pe.error == QJsonParseError::NoError, r.body.constData());
        if (eb.isArray()) {
            QVERIFY(ours.isArray());
            QCOMPARE(ours.array().size(), eb.toArray().size());
            for (qsizetype i = 0; i < ours.array().size(); ++i)
                QCOMPARE(keysOf(ours.array().at(i)), keysOf(eb.toArray().at(i)));
        } else {
            QVERIFY(ours.isObject());
            QCOMPARE(keysOf(ours.object()), keysOf(eb));
        }
    }
}

QTEST_GUILESS_MAIN(TestTranscripts)
#include "tst_transcripts.moc"
