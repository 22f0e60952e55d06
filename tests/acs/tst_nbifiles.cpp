// File calls on a canned GenieACS NBI (127.0.0.1): after PUT or DELETE /files/<name> the client
// refreshes GenieACS's CWMP cache, without which Download RPCs carry FileSize 0 (or a replaced
// file's old size) for minutes (GENIEACS.md §5); a refresh that fails is a warning, not a
// failed upload.
#include "acs/actionjob.h"
#include "acs/nbiclient.h"

#include "cannedhttpserver.h"

#include <QSignalSpy>
#include <QTemporaryFile>
#include <QTest>

using namespace fwd::acs;

namespace {

const QList<std::pair<QByteArray, QByteArray>> kGenie = {{"GenieACS-Version", "1.2.16"}};

// GenieACS as seen by the file calls: PUT /files → 201, GET /files/ → the file when `present`,
// DELETE /files → 200, DELETE /objects/<x> → `objectsStatus`.
struct FakeGenieAcs
{
    bool present = true;
    int objectsStatus = 200;
    CannedHttpServer::Handler handler()
    {
        return [this](QTcpSocket *s, const CannedHttpServer::Request &r) {
            if (r.method == "PUT" && r.target.startsWith("/files/"))
                s->write(CannedHttpServer::response(201, "Created", kGenie, {}));
            else if (r.method == "GET" && r.target.startsWith("/files/"))
                s->write(CannedHttpServer::response(200, "OK", kGenie,
                                                    present ? R"([{"_id":"fw.bin"}])" : "[]"));
            else if (r.method == "DELETE" && r.target.startsWith("/files/"))
                s->write(CannedHttpServer::response(200, "OK", kGenie, {}));
            else if (r.method == "DELETE" && r.target.startsWith("/objects/"))
                s->write(CannedHttpServer::response(
                    objectsStatus, objectsStatus == 200 ? "OK" : "Internal Server Error", kGenie,
                    objectsStatus == 200 ? QByteArray() : QByteArray("MongoError: down")));
            else
                s->write(CannedHttpServer::response(404, "Not Found", kGenie, {}));
        };
    }
};

ActionResult run(ActionJob *job)
{
    QSignalSpy spy(job, &ActionJob::finished);
    job->start();
    if (!spy.wait(10000)) {
        ActionResult r;
        r.error = NbiError::Network;
        r.errorString = QStringLiteral("test: no finished signal");
        return r;
    }
    return spy.at(0).at(0).value<ActionResult>();
}

QStringList calls(const CannedHttpServer &server)
{
    QStringList out;
    for (const CannedHttpServer::Request &r : server.requests())
        out.append(QString::fromLatin1(
            r.method + ' ' +
            r.target.left(r.target.indexOf('?') < 0 ? r.target.size() : r.target.indexOf('?'))));
    return out;
}

} // namespace

class TestNbiFiles final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void uploadRefreshesTheCwmpCache();
    void failedRefreshIsAWarning();
    void refreshCanBeDeclined();
    void deleteRefreshesOnlyWhenSomethingWasDeleted();
    void failedUploadSendsNoRefresh();

private:
    std::unique_ptr<NbiClient> client(const CannedHttpServer &server);
    QTemporaryFile m_local;
    FakeGenieAcs m_acs;
};

void TestNbiFiles::init()
{
    m_acs = FakeGenieAcs();
    if (!m_local.isOpen()) {
        QVERIFY(m_local.open());
        m_local.write(QByteArray(4096, 'n'));
        m_local.flush();
    }
}

std::unique_ptr<NbiClient> TestNbiFiles::client(const CannedHttpServer &server)
{
    fwd::AcsProfile p;
    p.nbiUrl = QUrl(server.baseUrl());
    p.timeoutMs = 5000;
    NbiClient::Options o;
    o.maxAttempts = 1;
    return std::make_unique<NbiClient>(p, QString(), nullptr, o);
}

void TestNbiFiles::uploadRefreshesTheCwmpCache()
{
    CannedHttpServer server(m_acs.handler());
    auto c = client(server);
    const auto r = run(c->putFile(QStringLiteral("fw.bin"), m_local.fileName(),
                                  {QStringLiteral("1 Firmware Upgrade Image"), {}, {}, {}}));
    QVERIFY2(r.ok(), qPrintable(r.errorString));
    QCOMPARE(r.httpStatus, 201); // the upload's status, not the refresh's
    QVERIFY(r.payload.performed);
    QCOMPARE(r.payload.cacheRefresh, ActionOutcome::CacheRefresh::Refreshed);
    QVERIFY(r.payload.warning.isEmpty());
    // In order: the upload first, then the refresh, which carries no body.
    QCOMPARE(calls(server),
             (QStringList{QStringLiteral("PUT /files/fw.bin"),
                          QStringLiteral("DELETE /objects/firmwaredesk-cache-refresh")}));
    QCOMPARE(server.requests().at(0).body.size(), 4096);
    QVERIFY(server.requests().at(1).body.isEmpty());
    QCOMPARE(server.requests().at(1).headers.value("content-length", "0"), QByteArray("0"));
}

void TestNbiFiles::failedRefreshIsAWarning()
{
    m_acs.objectsStatus = 500;
    CannedHttpServer server(m_acs.handler());
    auto c = client(server);
    const auto r = run(c->putFile(QStringLiteral("fw.bin"), m_local.fileName(), {}));
    QVERIFY2(r.ok(), qPrintable(r.errorString));
    QCOMPARE(r.httpStatus, 201);
    QVERIFY(r.payload.performed);
    QCOMPARE(r.payload.cacheRefresh, ActionOutcome::CacheRefresh::Failed);
    QVERIFY2(r.payload.warning.contains(QLatin1String("FileSize 0")),
             qPrintable(r.payload.warning));
    QCOMPARE(server.requests().size(), 2);
}

void TestNbiFiles::refreshCanBeDeclined()
{
    CannedHttpServer server(m_acs.handler());
    auto c = client(server);
    auto r = run(c->putFile(QStringLiteral("fw.bin"), m_local.fileName(), {}, false));
    QVERIFY(r.ok());
    QCOMPARE(r.payload.cacheRefresh, ActionOutcome::CacheRefresh::NotRequested);
    QCOMPARE(calls(server), QStringList{QStringLiteral("PUT /files/fw.bin")});
    // … and done once after a series of uploads.
    r = run(c->refreshCwmpCache());
    QVERIFY(r.ok());
    QCOMPARE(calls(server).constLast(),
             QStringLiteral("DELETE /objects/firmwaredesk-cache-refresh"));
}

void TestNbiFiles::deleteRefreshesOnlyWhenSomethingWasDeleted()
{
    CannedHttpServer server(m_acs.handler());
    auto c = client(server);
    auto r = run(c->deleteFile(QStringLiteral("fw.bin")));
    QVERIFY2(r.ok(), qPrintable(r.errorString));
    QVERIFY(r.payload.performed);
    QCOMPARE(r.payload.cacheRefresh, ActionOutcome::CacheRefresh::Refreshed);
    QCOMPARE(calls(server),
             (QStringList{QStringLiteral("GET /files/"), QStringLiteral("DELETE /files/fw.bin"),
                          QStringLiteral("DELETE /objects/firmwaredesk-cache-refresh")}));

    // A missing file: neither the DELETE (W2) nor a refresh is sent.
    m_acs.present = false;
    const qsizetype before = server.requests().size();
    r = run(c->deleteFile(QStringLiteral("fw.bin")));
    QVERIFY(r.ok());
    QVERIFY(!r.payload.performed);
    QCOMPARE(r.payload.cacheRefresh, ActionOutcome::CacheRefresh::NotRequested);
    QCOMPARE(server.requests().size(), before + 1);
}

void TestNbiFiles::failedUploadSendsNoRefresh()
{
    CannedHttpServer server(CannedHttpServer::answer(
        500, "Internal Server Error", {{"GenieACS-Version", "1.2.16"}, {"Connection", "close"}},
        "MongoError: no space"));
    auto c = client(server);
    const auto r = run(c->putFile(QStringLiteral("fw.bin"), m_local.fileName(), {}));
    QCOMPARE(r.error, NbiError::HttpError);
    QCOMPARE(r.payload.cacheRefresh, ActionOutcome::CacheRefresh::NotRequested);
    QCOMPARE(server.requests().size(), 1);
}

QTEST_GUILESS_MAIN(TestNbiFiles)
#include "tst_nbifiles.moc"
