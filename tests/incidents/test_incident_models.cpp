// TimelineModel and IncidentListModel under QAbstractItemModelTester: paging,
// filters, live rows as events are committed, and incidents as they change.
#include "incident_test_util.h"

#include "incidents/incident_store.h"
#include "models/incident_list_model.h"
#include "models/timeline_model.h"

#include <QAbstractItemModelTester>
#include <QDateTime>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace turno;
using inctest::makeEvent;

namespace {
const qint64 kT0 = QDateTime(QDate(2026, 11, 20), QTime(9, 0), Qt::UTC).toMSecsSinceEpoch();

QList<IncidentEvent> manyEvents(int n)
{
    QList<IncidentEvent> out;
    for (int i = 0; i < n; ++i) {
        out << makeEvent(kT0 + i * 1000, QStringLiteral("node-%1").arg(i % 4), i % 5 == 0 ? QStringLiteral("process.exit")
                                                                                    : QStringLiteral("note"),
                     i % 7 == 0 ? Severity::Critical : Severity::Info, QStringLiteral("event %1").arg(i));
    }
    return out;
}

void fetchAll(QAbstractItemModel &model)
{
    while (model.canFetchMore({}))
        model.fetchMore({});
}
}  // namespace

class TestIncidentModels : public QObject {
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void timelinePagesNewestFirst();
    void timelineColumnsAndRoles();
    void timelineFilters();
    void timelineLiveRows();
    void timelineOldestFirstDoesNotDuplicateLiveRows();
    void timelineReloadsAfterPrune();
    void timelineSortUnderTester();
    void incidentListFollowsTheStore();

private:
    QTemporaryDir *m_dir = nullptr;
    IncidentStore *m_store = nullptr;
};

void TestIncidentModels::init()
{
    m_dir = new QTemporaryDir;
    m_store = new IncidentStore;
    QVERIFY(m_store->open(m_dir->filePath(QStringLiteral("i.db")), inctest::keepAll()).ok());
}

void TestIncidentModels::cleanup()
{
    delete m_store;
    delete m_dir;
}

void TestIncidentModels::timelinePagesNewestFirst()
{
    QVERIFY(m_store->append(manyEvents(1234)).ok());
    TimelineModel model(m_store);
    QCOMPARE(model.rowCount(), TimelineModel::kPageSize);
    QVERIFY(model.canFetchMore({}));
    QVERIFY(!model.isComplete());
    // The tester fetches every page itself while it checks the model.
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    fetchAll(model);
    QCOMPARE(model.rowCount(), 1234);
    QVERIFY(model.isComplete());
    for (int r = 1; r < model.rowCount(); ++r)
        QVERIFY(model.eventAt(r - 1).timeMs > model.eventAt(r).timeMs);
    QCOMPARE(model.eventAt(0).summary, QStringLiteral("event 1233"));
}

void TestIncidentModels::timelineColumnsAndRoles()
{
    QVERIFY(m_store->append({makeEvent(kT0, QStringLiteral("primary-1"), QStringLiteral("process.exit"), Severity::Warning,
                                   QStringLiteral("primary-1 exited"), QJsonObject{{QStringLiteral("status"), 137}},
                                   QStringLiteral("fleet"))})
                .ok());
    TimelineModel model(m_store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.columnCount(), int(TimelineModel::ColumnCount));
    QCOMPARE(model.headerData(TimelineModel::TimeColumn, Qt::Horizontal).toString(), QStringLiteral("Time (UTC)"));
    QCOMPARE(model.index(0, TimelineModel::TimeColumn).data().toString(), QStringLiteral("2026-11-20T09:00:00.000Z"));
    QCOMPARE(model.index(0, TimelineModel::SeverityColumn).data().toString(), QStringLiteral("warning"));
    QCOMPARE(model.index(0, TimelineModel::NodeColumn).data().toString(), QStringLiteral("primary-1"));
    QCOMPARE(model.index(0, TimelineModel::KindColumn).data().toString(), QStringLiteral("process.exit"));
    QCOMPARE(model.index(0, TimelineModel::SourceColumn).data().toString(), QStringLiteral("fleet"));
    QCOMPARE(model.index(0, TimelineModel::SummaryColumn).data().toString(), QStringLiteral("primary-1 exited"));
    QCOMPARE(model.index(0, 0).data(TimelineModel::SeverityRole).toInt(), int(Severity::Warning));
    QCOMPARE(model.index(0, 0).data(TimelineModel::TimeMsRole).toLongLong(), kT0);
    QCOMPARE(model.index(0, 0).data(TimelineModel::DetailsRole).toJsonObject().value(QStringLiteral("status")).toInt(), 137);
    QVERIFY(model.index(0, TimelineModel::SummaryColumn).data(Qt::ToolTipRole).toString().contains(QStringLiteral("137")));
}

void TestIncidentModels::timelineFilters()
{
    const auto events = manyEvents(60);
    QVERIFY(m_store->append(events).ok());
    TimelineModel model(m_store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 60);

    auto expected = [&events](const EventFilter &f) {
        int n = 0;
        for (const auto &e : events)
            n += f.matches(e) ? 1 : 0;
        return n;
    };
    model.setMinimumSeverity(Severity::Critical);
    QCOMPARE(model.rowCount(), 9);  // i % 7 == 0 for i in 0..59
    QCOMPARE(model.rowCount(), expected(model.filter()));
    model.setNodes({QStringLiteral("node-0")});
    QCOMPARE(model.rowCount(), expected(model.filter()));
    for (int r = 0; r < model.rowCount(); ++r) {
        QCOMPARE(model.index(r, TimelineModel::NodeColumn).data().toString(), QStringLiteral("node-0"));
        QCOMPARE(model.index(r, TimelineModel::SeverityColumn).data().toString(), QStringLiteral("critical"));
    }
    model.setFilter({});
    model.setKinds({QStringLiteral("process")});
    QCOMPARE(model.rowCount(), 12);  // i % 5 == 0
    model.setKinds({});
    model.setText(QStringLiteral("EVENT 4"));
    QCOMPARE(model.rowCount(), 11);  // 4 and 40..49
    model.setText({});
    model.setTimeRange(kT0 + 10'000, kT0 + 19'000);
    QCOMPARE(model.rowCount(), 10);
    model.clearTimeRange();
    QCOMPARE(model.rowCount(), 60);
}

void TestIncidentModels::timelineLiveRows()
{
    QVERIFY(m_store->append(manyEvents(10)).ok());
    TimelineModel model(m_store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setNodes({QStringLiteral("primary-1")});
    QCOMPARE(model.rowCount(), 0);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    m_store->record(makeEvent(kT0 + 100'000, QStringLiteral("primary-1"), QStringLiteral("note"), Severity::Info, QStringLiteral("live 1")));
    m_store->record(makeEvent(kT0 + 100'000, QStringLiteral("other"), QStringLiteral("note"), Severity::Info, QStringLiteral("filtered out")));
    QVERIFY(m_store->flush().ok());
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(inserted.count(), 1);
    m_store->record(makeEvent(kT0 + 200'000, QStringLiteral("primary-1"), QStringLiteral("note"), Severity::Info, QStringLiteral("live 2")));
    // An event stamped earlier than the newest row lands in its time slot.
    m_store->record(makeEvent(kT0 + 150'000, QStringLiteral("primary-1"), QStringLiteral("note"), Severity::Info, QStringLiteral("late")));
    QVERIFY(m_store->flush().ok());
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.eventAt(0).summary, QStringLiteral("live 2"));
    QCOMPARE(model.eventAt(1).summary, QStringLiteral("late"));
    QCOMPARE(model.eventAt(2).summary, QStringLiteral("live 1"));
}

void TestIncidentModels::timelineOldestFirstDoesNotDuplicateLiveRows()
{
    QVERIFY(m_store->append(manyEvents(TimelineModel::kPageSize + 20)).ok());
    // No tester here: it would fetch every page, and this is about rows beyond the loaded ones.
    TimelineModel model(m_store);
    model.sort(TimelineModel::TimeColumn, Qt::AscendingOrder);
    QVERIFY(!model.newestFirst());
    QCOMPARE(model.rowCount(), TimelineModel::kPageSize);
    // Newer than every loaded row while pages remain: it waits for fetchMore.
    QVERIFY(m_store->append({makeEvent(kT0 + 10'000'000, QStringLiteral("x"), QStringLiteral("note"), Severity::Info, QStringLiteral("newest"))}).ok());
    QCOMPARE(model.rowCount(), TimelineModel::kPageSize);
    // Inside the loaded range: shown at once.
    QVERIFY(m_store->append({makeEvent(kT0 + 500, QStringLiteral("x"), QStringLiteral("note"), Severity::Info, QStringLiteral("early"))}).ok());
    QCOMPARE(model.rowCount(), TimelineModel::kPageSize + 1);
    QCOMPARE(model.eventAt(1).summary, QStringLiteral("early"));
    fetchAll(model);
    QCOMPARE(model.rowCount(), TimelineModel::kPageSize + 22);
    QSet<qint64> ids;
    for (int r = 0; r < model.rowCount(); ++r)
        ids.insert(model.eventAt(r).id);
    QCOMPARE(ids.size(), model.rowCount());
    QCOMPARE(model.eventAt(model.rowCount() - 1).summary, QStringLiteral("newest"));
}

void TestIncidentModels::timelineReloadsAfterPrune()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QVERIFY(m_store->append({makeEvent(now - 40LL * 86'400'000, {}, QStringLiteral("note"), Severity::Info, QStringLiteral("old")),
                             makeEvent(now, {}, QStringLiteral("note"), Severity::Info, QStringLiteral("new"))})
                .ok());
    TimelineModel model(m_store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 2);
    m_store->setRetentionDays(30);
    QCOMPARE(m_store->prune(now).value(), 1);
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.eventAt(0).summary, QStringLiteral("new"));
}

void TestIncidentModels::timelineSortUnderTester()
{
    QVERIFY(m_store->append(manyEvents(TimelineModel::kPageSize * 2 + 3)).ok());
    TimelineModel model(m_store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.sort(TimelineModel::TimeColumn, Qt::AscendingOrder);
    // The tester asks for more from its reset slot; the page arrives a turn later.
    QTRY_COMPARE(model.rowCount(), TimelineModel::kPageSize * 2 + 3);
    QCOMPARE(model.eventAt(0).summary, QStringLiteral("event 0"));
    model.sort(TimelineModel::TimeColumn, Qt::DescendingOrder);
    QTRY_COMPARE(model.rowCount(), TimelineModel::kPageSize * 2 + 3);
    QCOMPARE(model.eventAt(0).summary, QStringLiteral("event 1002"));
}

void TestIncidentModels::incidentListFollowsTheStore()
{
    const qint64 first = m_store->openIncident(QStringLiteral("first"), Severity::Error, {}, kT0).value();
    IncidentListModel model(m_store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.columnCount(), int(IncidentListModel::ColumnCount));

    const qint64 second = m_store->onAlertTransition(QStringLiteral("cpu_high"), Severity::Critical, QStringLiteral("firing"),
                                                     QStringLiteral("primary-1"), 99, kT0 + 60'000).value();
    // An incident was already open: the alert joins it instead of opening another.
    QCOMPARE(second, first);
    QCOMPARE(model.rowCount(), 1);

    QVERIFY(m_store->closeIncident(first, kT0 + 120'000).ok());
    QCOMPARE(model.index(0, IncidentListModel::StateColumn).data().toString(), QStringLiteral("closed"));
    QCOMPARE(model.index(0, IncidentListModel::DurationColumn).data().toString(), QStringLiteral("2 min 00 s"));

    const qint64 third = m_store->onAlertTransition(QStringLiteral("cpu_high"), Severity::Critical, QStringLiteral("firing"),
                                                    QStringLiteral("primary-1"), 99, kT0 + 180'000).value();
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(0, IncidentListModel::IdColumn).data().toLongLong(), third);  // newest first
    QCOMPARE(model.index(0, IncidentListModel::OpenedByColumn).data().toString(), QStringLiteral("alert: cpu_high"));
    QVERIFY(model.index(0, 0).data(IncidentListModel::IsOpenRole).toBool());

    Incident inc = model.index(0, 0).data(IncidentListModel::IncidentRole).value<Incident>();
    QCOMPARE(inc.id, third);
    inc.actionItems = {ActionItem{QStringLiteral("a"), {}, {}, true}, ActionItem{QStringLiteral("b"), {}, {}, false}};
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QVERIFY(m_store->updateIncident(inc).ok());
    QCOMPARE(changed.count(), 1);
    QCOMPARE(model.index(0, IncidentListModel::ActionsColumn).data().toString(), QStringLiteral("1/2"));
    QCOMPARE(model.rowOf(first), 1);
}

QTEST_GUILESS_MAIN(TestIncidentModels)
#include "test_incident_models.moc"
