#include "core/clock.h"
#include "models/auditlogmodel.h"
#include "store/store.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace fwd;
using models::AuditLogModel;

class TestAuditLogModel final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void loadsNewestFirstAndInsertsLiveEntries();
    void pagesThroughLargeLogs();
    void filterAppliesToLiveEntries();

private:
    void fill(int n);
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<store::Store> m_store;
    std::unique_ptr<ManualClock> m_clock;
    std::unique_ptr<store::AuditLog> m_log;
};

void TestAuditLogModel::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_store = std::make_unique<store::Store>();
    QVERIFY(
        m_store->open(store::DatabaseUrl::parse(m_dir->filePath(QStringLiteral("a.sqlite")), {}))
            .ok);
    m_clock = std::make_unique<ManualClock>(QDateTime(QDate(2026, 12, 1), QTime(8, 0), Qt::UTC));
    m_log = std::make_unique<store::AuditLog>(*m_store, *m_clock, QStringLiteral("alice"),
                                              QStringLiteral("noc"));
}

void TestAuditLogModel::cleanup()
{
    m_log.reset();
    m_store.reset();
}

void TestAuditLogModel::fill(int n)
{
    QSignalSpy spy(m_log.get(), &store::AuditLog::recorded);
    for (int i = 0; i < n; ++i) {
        m_clock->advance(1000);
        m_log->record(i % 2 ? QStringLiteral("batch.created") : QStringLiteral("file.uploaded"),
                      QStringLiteral("object-%1").arg(i));
    }
    QTRY_COMPARE_WITH_TIMEOUT(spy.size(), n, 20000);
}

void TestAuditLogModel::loadsNewestFirstAndInsertsLiveEntries()
{
    fill(3);
    AuditLogModel model(*m_log);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.reload();
    QTRY_COMPARE(model.rowCount(), 3);
    QCOMPARE(model.index(0, AuditLogModel::Object).data().toString(), QStringLiteral("object-2"));
    QCOMPARE(model.headerData(AuditLogModel::Action, Qt::Horizontal, Qt::DisplayRole).toString(),
             QStringLiteral("Action"));
    QVERIFY(model.index(0, AuditLogModel::Time).data(AuditLogModel::SortRole).toLongLong() >
            model.index(1, AuditLogModel::Time).data(AuditLogModel::SortRole).toLongLong());

    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    m_log->record(QStringLiteral("acs.profile.saved"), QStringLiteral("lab"));
    QTRY_COMPARE(model.rowCount(), 4);
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(inserted.at(0).at(1).toInt(), 0); // at the top, not a reset
    QCOMPARE(model.index(0, AuditLogModel::Action).data().toString(),
             QStringLiteral("acs.profile.saved"));
}

void TestAuditLogModel::pagesThroughLargeLogs()
{
    fill(AuditLogModel::PageSize + 20);
    AuditLogModel model(*m_log);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.reload();
    QTRY_COMPARE(model.rowCount(), AuditLogModel::PageSize);
    QVERIFY(model.canFetchMore({}));
    model.fetchMore({});
    QTRY_COMPARE(model.rowCount(), AuditLogModel::PageSize + 20);
    QTRY_VERIFY(!model.canFetchMore({}));
    QCOMPARE(model.index(model.rowCount() - 1, AuditLogModel::Object).data().toString(),
             QStringLiteral("object-0"));
}

void TestAuditLogModel::filterAppliesToLiveEntries()
{
    fill(4);
    AuditLogModel model(*m_log);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    store::AuditQuery q;
    q.action = QStringLiteral("batch.");
    model.setQuery(q);
    QTRY_COMPARE(model.rowCount(), 2);
    QSignalSpy recorded(m_log.get(), &store::AuditLog::recorded);
    m_log->record(QStringLiteral("file.uploaded"), QStringLiteral("x.npk"));
    m_log->record(QStringLiteral("batch.paused"), QStringLiteral("wave"));
    QTRY_COMPARE(recorded.size(), 2);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.index(0, AuditLogModel::Action).data().toString(),
             QStringLiteral("batch.paused"));
}

QTEST_GUILESS_MAIN(TestAuditLogModel)
#include "tst_auditlogmodel.moc"
