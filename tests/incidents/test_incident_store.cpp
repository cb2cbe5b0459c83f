// IncidentStore: schema and version checks, insert and query, filters in SQL
// agreeing with EventFilter::matches, keyset paging, retention, fleet mapping,
// another connection's writes seen by the watcher, and the fleet samples
// (round trip, batching, retention, the upgrade of a version 1 file).
#include "incident_test_util.h"

#include "incidents/event_filter.h"
#include "incidents/incident_store.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QDateTime>
#include <algorithm>
#include <cmath>

using namespace turno;
using inctest::makeEvent;

namespace {

constexpr qint64 kDay = 24LL * 60 * 60 * 1000;
const qint64 kBase = QDateTime(QDate(2026, 11, 1), QTime(12, 0), Qt::UTC).toMSecsSinceEpoch();

QList<IncidentEvent> sampleEvents()
{
    // Varied on every filtered field; two share a timestamp to exercise the (time, id) order.
    return {
        makeEvent(kBase + 1000, QStringLiteral("primary-1"), QStringLiteral("process.start"), Severity::Info,
              QStringLiteral("primary-1 ready on 127.0.0.1:7101")),
        makeEvent(kBase + 2000, QStringLiteral("primary-1"), QStringLiteral("process.exit"), Severity::Warning,
              QStringLiteral("primary-1 exited with status 1"), QJsonObject{{QStringLiteral("status"), 1}}),
        makeEvent(kBase + 2000, QStringLiteral("primary-2"), QStringLiteral("process.crash"), Severity::Critical,
              QStringLiteral("primary-2 gave up after 5 restarts")),
        makeEvent(kBase + 3000, QStringLiteral("redis-primary"), QStringLiteral("alert.firing"), Severity::Critical,
              QStringLiteral("redis memory 100% used"), QJsonObject{{QStringLiteral("rule"), QStringLiteral("redis_mem")}}),
        makeEvent(kBase + 4000, QString(), QStringLiteral("failover.step"), Severity::Error,
              QStringLiteral("Promoting the REPLICA"), QJsonObject{{QStringLiteral("step"), QStringLiteral("promote_x")}}),
        makeEvent(kBase + 5000, QString(), QStringLiteral("note"), Severity::Info, QStringLiteral("operator: looks_ok 50% done"),
              {}, QStringLiteral("operator")),
        makeEvent(kBase + 6000, QStringLiteral("secondary-1"), QStringLiteral("processing.custom"), Severity::Info,
              QStringLiteral("not a process.* kind")),
        makeEvent(kBase + 7000, QStringLiteral("primary-1"), QStringLiteral("alert.resolved"), Severity::Info,
              QStringLiteral("cpu back to 20 %"), QJsonObject{{QStringLiteral("text"), QStringLiteral("ünïcode ✓")}}),
    };
}

}  // namespace

class TestIncidentStore : public QObject {
    Q_OBJECT
private slots:
    void createsSchemaInWalMode();
    void reopenKeepsEvents();
    void refusesNewerSchema();
    void refusesGarbageFile();
    void refusesForeignSqlite();
    void missingFileWhenNotCreating();
    void insertAndReadBack();
    void recordBatchesOneTransactionPerIteration();
    void filters_data();
    void filters();
    void keysetPagingVisitsEveryEventOnce();
    void kindPagesSameForCommonAndRareKinds();
    void retentionPrunesOldEventsButKeepsIncidentWindows();
    void openPrunes();
    void retentionZeroKeepsAll();
    void watcherSeesOtherConnectionsWrites();
    void defaultPathFollowsEnvironment();
    void samplesRoundTripInOneBatch();
    void samplesFlushOnTheirOwn();
    void unreadableSampleValuesReadAsUnknown();
    void samplePruneKeepsIncidentWindows();
    void version1DatabaseGainsSampleTable();
};

void TestIncidentStore::createsSchemaInWalMode()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("sub/dir/incidents.db"));
    IncidentStore store;
    const auto r = store.open(path, inctest::keepAll());
    QVERIFY2(r.ok(), qPrintable(r.error()));
    QVERIFY(QFile::exists(path));
    inctest::RawDb raw(path);
    QCOMPARE(raw.scalar(QStringLiteral("PRAGMA user_version")).toInt(), IncidentStore::kSchemaVersion);
    QCOMPARE(raw.scalar(QStringLiteral("PRAGMA application_id")).toInt(), IncidentStore::kApplicationId);
    QCOMPARE(raw.scalar(QStringLiteral("PRAGMA journal_mode")).toString(), QStringLiteral("wal"));
    for (const char *table : {"events", "incidents", "action_items", "fleet_samples"}) {
        QCOMPARE(raw.scalar(QStringLiteral("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='%1'")
                                .arg(QLatin1String(table)))
                     .toInt(),
                 1);
    }
}

void TestIncidentStore::reopenKeepsEvents()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("i.db"));
    {
        IncidentStore store;
        QVERIFY(store.open(path, inctest::keepAll()).ok());
        QVERIFY(store.append(sampleEvents()).ok());
    }
    IncidentStore again;
    const auto r = again.open(path, inctest::keepAll());
    QVERIFY2(r.ok(), qPrintable(r.error()));
    QCOMPARE(again.countEvents({}).value(), qint64(sampleEvents().size()));
}

void TestIncidentStore::refusesNewerSchema()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("i.db"));
    {
        IncidentStore store;
        QVERIFY(store.open(path, inctest::keepAll()).ok());
    }
    {
        inctest::RawDb raw(path);
        QVERIFY(raw.exec(QStringLiteral("PRAGMA user_version=%1").arg(IncidentStore::kSchemaVersion + 1)));
    }
    IncidentStore store;
    const auto r = store.open(path, inctest::keepAll());
    QVERIFY(!r.ok());
    QVERIFY2(r.error().contains(path), qPrintable(r.error()));
    QVERIFY2(r.error().contains(QStringLiteral("newer")), qPrintable(r.error()));
    QVERIFY(!store.isOpen());
}

void TestIncidentStore::refusesGarbageFile()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("i.db"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    QByteArray junk(8192, 'x');
    junk.prepend("this is not SQLite at all\n");
    f.write(junk);
    f.close();
    IncidentStore store;
    const auto r = store.open(path, inctest::keepAll());
    QVERIFY(!r.ok());
    QVERIFY2(r.error().contains(path), qPrintable(r.error()));
    QVERIFY2(r.error().contains(QStringLiteral("not a SQLite database")), qPrintable(r.error()));
    // The file is left as it was for the operator to inspect.
    QFile check(path);
    QVERIFY(check.open(QIODevice::ReadOnly));
    QVERIFY(check.readAll().startsWith("this is not SQLite"));
}

void TestIncidentStore::refusesForeignSqlite()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("other.db"));
    {
        inctest::RawDb raw(path);
        QVERIFY(raw.exec(QStringLiteral("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")));
    }
    IncidentStore store;
    const auto r = store.open(path, inctest::keepAll());
    QVERIFY(!r.ok());
    QVERIFY2(r.error().contains(path) && r.error().contains(QStringLiteral("not a Turno Ops incident database")),
             qPrintable(r.error()));
}

void TestIncidentStore::missingFileWhenNotCreating()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("absent.db"));
    auto options = inctest::keepAll();
    options.createIfMissing = false;
    IncidentStore store;
    const auto r = store.open(path, options);
    QVERIFY(!r.ok());
    QVERIFY2(r.error().contains(path), qPrintable(r.error()));
    QVERIFY(!QFile::exists(path));
}

void TestIncidentStore::insertAndReadBack()
{
    QTemporaryDir dir;
    IncidentStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("i.db")), inctest::keepAll()).ok());
    const QList<IncidentEvent> in = sampleEvents();
    const auto ids = store.append(in);
    QVERIFY2(ids.ok(), qPrintable(ids.error()));
    QCOMPARE(ids->size(), in.size());
    for (qsizetype i = 1; i < ids->size(); ++i)
        QVERIFY(ids.value()[i] > ids.value()[i - 1]);

    const auto out = store.events({});
    QVERIFY(out.ok());
    QCOMPARE(out->size(), in.size());
    for (qsizetype i = 0; i < in.size(); ++i) {
        IncidentEvent expected = in[i];
        expected.id = ids.value()[i];
        QCOMPARE(out.value()[i], expected);
    }
}

void TestIncidentStore::recordBatchesOneTransactionPerIteration()
{
    QTemporaryDir dir;
    IncidentStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("i.db")), inctest::keepAll()).ok());
    QSignalSpy appended(&store, &IncidentStore::eventsAppended);
    store.record(QStringLiteral("fleet"), QStringLiteral("primary-1"), QStringLiteral("process.exit"), Severity::Warning,
                 QStringLiteral("a"));
    store.record(QStringLiteral("fleet"), QStringLiteral("primary-2"), QStringLiteral("process.exit"), Severity::Warning,
                 QStringLiteral("b"));
    store.record(QStringLiteral("fleet"), QStringLiteral("primary-3"), QStringLiteral("process.exit"), Severity::Warning,
                 QStringLiteral("c"));
    QCOMPARE(store.pendingCount(), 3);
    QCOMPARE(appended.count(), 0);
    QCOMPARE(store.countEvents({}).value(), qint64(0));
    QVERIFY(appended.wait(5000));
    QCOMPARE(appended.count(), 1);  // one commit for the three
    const auto batch = appended.first().first().value<QList<IncidentEvent>>();
    QCOMPARE(batch.size(), 3);
    QVERIFY(batch[0].id > 0 && batch[0].timeMs > 0);
    QCOMPARE(batch[2].summary, QStringLiteral("c"));
    QCOMPARE(store.pendingCount(), 0);
    QCOMPARE(store.countEvents({}).value(), qint64(3));

    // flush() commits at once and reports the last id.
    store.record(QStringLiteral("operator"), {}, QStringLiteral("note"), Severity::Info, QStringLiteral("d"));
    const auto last = store.flush();
    QVERIFY(last.ok());
    QCOMPARE(last.value(), batch[2].id + 1);
}

void TestIncidentStore::filters_data()
{
    QTest::addColumn<EventFilter>("filter");
    QTest::addColumn<QStringList>("expectedSummaries");
    EventFilter f;
    QTest::newRow("none") << f
                          << QStringList{QStringLiteral("primary-1 ready on 127.0.0.1:7101"),
                                         QStringLiteral("primary-1 exited with status 1"),
                                         QStringLiteral("primary-2 gave up after 5 restarts"),
                                         QStringLiteral("redis memory 100% used"), QStringLiteral("Promoting the REPLICA"),
                                         QStringLiteral("operator: looks_ok 50% done"),
                                         QStringLiteral("not a process.* kind"), QStringLiteral("cpu back to 20 %")};
    f = {};
    f.minSeverity = Severity::Error;
    QTest::newRow("severity>=error") << f
                                     << QStringList{QStringLiteral("primary-2 gave up after 5 restarts"),
                                                    QStringLiteral("redis memory 100% used"),
                                                    QStringLiteral("Promoting the REPLICA")};
    f = {};
    f.nodes = {QStringLiteral("primary-1")};
    QTest::newRow("node") << f
                          << QStringList{QStringLiteral("primary-1 ready on 127.0.0.1:7101"),
                                         QStringLiteral("primary-1 exited with status 1"),
                                         QStringLiteral("cpu back to 20 %")};
    f = {};
    f.nodes = {QString()};
    QTest::newRow("fleet-wide (empty node)")
        << f << QStringList{QStringLiteral("Promoting the REPLICA"), QStringLiteral("operator: looks_ok 50% done")};
    f = {};
    f.kinds = {QStringLiteral("process")};
    QTest::newRow("kind family") << f
                                 << QStringList{QStringLiteral("primary-1 ready on 127.0.0.1:7101"),
                                                QStringLiteral("primary-1 exited with status 1"),
                                                QStringLiteral("primary-2 gave up after 5 restarts")};
    f = {};
    f.kinds = {QStringLiteral("alert.firing"), QStringLiteral("note")};
    QTest::newRow("exact kinds") << f
                                 << QStringList{QStringLiteral("redis memory 100% used"),
                                                QStringLiteral("operator: looks_ok 50% done")};
    f = {};
    f.text = QStringLiteral("replica");
    QTest::newRow("text, case-insensitive") << f << QStringList{QStringLiteral("Promoting the REPLICA")};
    f = {};
    f.text = QStringLiteral("50%");
    QTest::newRow("text, % is literal") << f << QStringList{QStringLiteral("operator: looks_ok 50% done")};
    f = {};
    f.text = QStringLiteral("s_ok");
    QTest::newRow("text, _ is literal") << f << QStringList{QStringLiteral("operator: looks_ok 50% done")};
    f = {};
    f.text = QStringLiteral("promote_x");
    QTest::newRow("text in details") << f << QStringList{QStringLiteral("Promoting the REPLICA")};
    f = {};
    f.text = QStringLiteral("ünïcode");
    QTest::newRow("text, non-ASCII") << f << QStringList{QStringLiteral("cpu back to 20 %")};
    f = {};
    f.fromMs = kBase + 2000;
    f.toMs = kBase + 3000;
    QTest::newRow("time range, inclusive") << f
                                           << QStringList{QStringLiteral("primary-1 exited with status 1"),
                                                          QStringLiteral("primary-2 gave up after 5 restarts"),
                                                          QStringLiteral("redis memory 100% used")};
    f = {};
    f.nodes = {QStringLiteral("primary-1"), QStringLiteral("primary-2")};
    f.minSeverity = Severity::Warning;
    f.kinds = {QStringLiteral("process")};
    f.text = QStringLiteral("EXITED");
    QTest::newRow("combined") << f << QStringList{QStringLiteral("primary-1 exited with status 1")};
    f = {};
    f.text = QStringLiteral("nothing matches this");
    QTest::newRow("no match") << f << QStringList{};
}

void TestIncidentStore::filters()
{
    QFETCH(EventFilter, filter);
    QFETCH(QStringList, expectedSummaries);
    QTemporaryDir dir;
    IncidentStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("i.db")), inctest::keepAll()).ok());
    QVERIFY(store.append(sampleEvents()).ok());
    const auto got = store.events(filter);
    QVERIFY2(got.ok(), qPrintable(got.error()));
    QStringList summaries;
    for (const auto &e : got.value()) {
        summaries << e.summary;
        // The live path (models) must agree with SQL on every row.
        QVERIFY2(filter.matches(e), qPrintable(e.summary));
    }
    QCOMPARE(summaries, expectedSummaries);
    const auto all = store.events({});
    int matching = 0;
    for (const auto &e : all.value())
        matching += filter.matches(e) ? 1 : 0;
    QCOMPARE(matching, int(expectedSummaries.size()));
    QCOMPARE(store.countEvents(filter).value(), qint64(expectedSummaries.size()));
}

void TestIncidentStore::keysetPagingVisitsEveryEventOnce()
{
    QTemporaryDir dir;
    IncidentStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("i.db")), inctest::keepAll()).ok());
    QList<IncidentEvent> events;
    // Many equal timestamps, so the id tie-break decides page boundaries.
    for (int i = 0; i < 257; ++i)
        events << makeEvent(kBase + (i / 10) * 1000, QStringLiteral("n%1").arg(i % 3), QStringLiteral("note"), Severity::Info,
                        QStringLiteral("e%1").arg(i));
    QVERIFY(store.append(events).ok());
    for (bool newestFirst : {false, true}) {
        IncidentStore::EventQuery q;
        q.newestFirst = newestFirst;
        q.limit = 16;
        QList<qint64> seen;
        for (;;) {
            const auto page = store.events({}, q);
            QVERIFY(page.ok());
            for (const auto &e : page.value())
                seen << e.id;
            if (page->size() < q.limit)
                break;
            q.hasAfter = true;
            q.afterTimeMs = page->last().timeMs;
            q.afterId = page->last().id;
        }
        QCOMPARE(seen.size(), events.size());
        QList<qint64> sorted = seen;
        std::sort(sorted.begin(), sorted.end());
        if (newestFirst)
            std::reverse(sorted.begin(), sorted.end());
        QCOMPARE(seen, sorted);  // ids rise with time here, so time order is id order
        QCOMPARE(QSet<qint64>(seen.begin(), seen.end()).size(), events.size());
    }
}

void TestIncidentStore::kindPagesSameForCommonAndRareKinds()
{
    // A common kind is paged by walking the time index, a rare one through the
    // kind index; both must give the same rows as filtering everything.
    QTemporaryDir dir;
    IncidentStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("i.db")), inctest::keepAll()).ok());
    QList<IncidentEvent> events;
    for (int i = 0; i < 900; ++i) {
        const QString kind = i % 50 == 0 ? QStringLiteral("failover.step")
                                         : (i % 2 ? QStringLiteral("process.exit") : QStringLiteral("processing.other"));
        events << makeEvent(kBase + (i / 3) * 1000, QStringLiteral("n"), kind, Severity::Info, QStringLiteral("e%1").arg(i));
    }
    QVERIFY(store.append(events).ok());
    for (const QString &family : {QStringLiteral("process"), QStringLiteral("failover")}) {
        EventFilter f;
        f.kinds = {family};
        const QList<IncidentEvent> all = store.events(f).value();
        QList<qint64> expected;
        for (qsizetype i = all.size() - 1; i >= 0; --i)
            expected << all[i].id;
        IncidentStore::EventQuery q;
        q.newestFirst = true;
        q.limit = 7;
        QList<qint64> paged;
        for (;;) {
            const QList<IncidentEvent> page = store.events(f, q).value();
            for (const auto &e : page) {
                QVERIFY(f.matches(e));
                paged << e.id;
            }
            if (page.size() < q.limit)
                break;
            q.hasAfter = true;
            q.afterTimeMs = page.last().timeMs;
            q.afterId = page.last().id;
        }
        QCOMPARE(paged, expected);
        QCOMPARE(paged.size(), family == QLatin1String("process") ? 450 : 18);
    }
}

void TestIncidentStore::retentionPrunesOldEventsButKeepsIncidentWindows()
{
    QTemporaryDir dir;
    IncidentStore store;
    auto options = inctest::keepAll();
    options.incidentLeadMs = 60'000;
    QVERIFY(store.open(dir.filePath(QStringLiteral("i.db")), options).ok());
    const qint64 now = kBase + 100 * kDay;
    QVERIFY(store.append({makeEvent(now - 45 * kDay, QStringLiteral("a"), QStringLiteral("note"), Severity::Info, QStringLiteral("45d")),
                          makeEvent(now - 40 * kDay, QStringLiteral("a"), QStringLiteral("note"), Severity::Info, QStringLiteral("40d, in incident")),
                          makeEvent(now - 31 * kDay, QStringLiteral("a"), QStringLiteral("note"), Severity::Info, QStringLiteral("31d")),
                          makeEvent(now - 29 * kDay, QStringLiteral("a"), QStringLiteral("note"), Severity::Info, QStringLiteral("29d")),
                          makeEvent(now - 1000, QStringLiteral("a"), QStringLiteral("note"), Severity::Info, QStringLiteral("now"))})
                .ok());
    const auto inc = store.openIncident(QStringLiteral("old outage"), Severity::Critical, {}, now - 40 * kDay - 10'000);
    QVERIFY(inc.ok());
    QVERIFY(store.closeIncident(inc.value(), now - 40 * kDay + 10'000).ok());

    store.setRetentionDays(30);
    QSignalSpy pruned(&store, &IncidentStore::eventsPruned);
    const auto n = store.prune(now);
    QVERIFY2(n.ok(), qPrintable(n.error()));
    QCOMPARE(n.value(), 2);  // 45d and 31d; the incident's own opened/closed events stay with it
    QCOMPARE(pruned.count(), 1);
    QStringList left;
    const QList<IncidentEvent> remaining = store.events({}).value();
    for (const auto &e : remaining)
        left << e.summary;
    QVERIFY(!left.contains(QStringLiteral("45d")));
    QVERIFY(!left.contains(QStringLiteral("31d")));
    QVERIFY(left.contains(QStringLiteral("40d, in incident")));
    QVERIFY(left.contains(QStringLiteral("29d")));
    QVERIFY(left.contains(QStringLiteral("now")));
    QCOMPARE(store.incidentEvents(inc.value()).value().size(), 3);  // opened, the 40d note, closed
    QCOMPARE(store.prune(now).value(), 0);
}

void TestIncidentStore::openPrunes()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("i.db"));
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    {
        IncidentStore store;
        QVERIFY(store.open(path, inctest::keepAll()).ok());
        QVERIFY(store.append({makeEvent(now - 31 * kDay, {}, QStringLiteral("note"), Severity::Info, QStringLiteral("old")),
                              makeEvent(now - 1 * kDay, {}, QStringLiteral("note"), Severity::Info, QStringLiteral("recent"))})
                    .ok());
    }
    IncidentStore store;
    IncidentStore::Options options;  // defaults: 30 days, prune on open
    QCOMPARE(options.retentionDays, 30);
    QVERIFY(store.open(path, options).ok());
    const auto left = store.events({});
    QCOMPARE(left->size(), 1);
    QCOMPARE(left->first().summary, QStringLiteral("recent"));
}

void TestIncidentStore::retentionZeroKeepsAll()
{
    QTemporaryDir dir;
    IncidentStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("i.db")), inctest::keepAll()).ok());
    QVERIFY(store.append({makeEvent(kBase - 3650 * kDay, {}, QStringLiteral("note"), Severity::Info, QStringLiteral("ancient"))}).ok());
    QCOMPARE(store.prune(kBase).value(), 0);
    QCOMPARE(store.countEvents({}).value(), qint64(1));
}

void TestIncidentStore::watcherSeesOtherConnectionsWrites()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("i.db"));
    IncidentStore reader;
    auto options = inctest::keepAll();
    options.watchIntervalMs = 20;
    QVERIFY(reader.open(path, options).ok());
    IncidentStore writer;
    QVERIFY(writer.open(path, inctest::keepAll()).ok());

    QSignalSpy seen(&reader, &IncidentStore::eventsAppended);
    QVERIFY(writer.append({makeEvent(kBase, QStringLiteral("x"), QStringLiteral("note"), Severity::Info, QStringLiteral("from elsewhere"))}).ok());
    QVERIFY(seen.wait(5000));
    auto batch = seen.takeFirst().first().value<QList<IncidentEvent>>();
    QCOMPARE(batch.size(), 1);
    QCOMPARE(batch.first().summary, QStringLiteral("from elsewhere"));

    // The reader's own commits are reported once, not again by its watcher.
    QVERIFY(reader.append({makeEvent(kBase + 1, {}, QStringLiteral("note"), Severity::Info, QStringLiteral("mine"))}).ok());
    QCOMPARE(seen.count(), 1);
    seen.clear();
    QVERIFY(writer.append({makeEvent(kBase + 2, {}, QStringLiteral("note"), Severity::Info, QStringLiteral("theirs"))}).ok());
    QVERIFY(seen.wait(5000));
    batch = seen.takeFirst().first().value<QList<IncidentEvent>>();
    QCOMPARE(batch.size(), 1);
    QCOMPARE(batch.first().summary, QStringLiteral("theirs"));
}

void TestIncidentStore::defaultPathFollowsEnvironment()
{
    const QByteArray oldDb = qgetenv("TURNO_INCIDENT_DB");
    const QByteArray oldXdg = qgetenv("XDG_DATA_HOME");
    qunsetenv("TURNO_INCIDENT_DB");
    qputenv("XDG_DATA_HOME", "/srv/data");
    QCOMPARE(IncidentStore::defaultPath(), QStringLiteral("/srv/data/turno-ops/incidents.db"));
    qputenv("TURNO_INCIDENT_DB", "/tmp/x/custom.db");
    QCOMPARE(IncidentStore::defaultPath(), QStringLiteral("/tmp/x/custom.db"));
    qunsetenv("TURNO_INCIDENT_DB");
    qunsetenv("XDG_DATA_HOME");
    QVERIFY(IncidentStore::defaultPath().endsWith(QStringLiteral("/.local/share/turno-ops/incidents.db")));
    if (!oldDb.isNull())
        qputenv("TURNO_INCIDENT_DB", oldDb);
    if (!oldXdg.isNull())
        qputenv("XDG_DATA_HOME", oldXdg);
}


void TestIncidentStore::samplesRoundTripInOneBatch()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("i.db"));
    IncidentStore store;
    QVERIFY(store.open(path, inctest::keepAll()).ok());
    store.recordSample(FleetSample{kBase + 1000, 14'000.5, 12.25, 0.001, 180.0});
    store.recordSample(FleetSample{kBase + 2000, 0, FleetSample::kUnknown, FleetSample::kUnknown, 20.0});
    store.recordSample(FleetSample{kBase + 3000, 9'000, 8.0, 0.0, 150.0});
    QCOMPARE(store.pendingSampleCount(), 3);
    {
        inctest::RawDb raw(path);
        QCOMPARE(raw.scalar(QStringLiteral("SELECT count(*) FROM fleet_samples")).toInt(), 0);  // queued, not written
    }
    QVERIFY(store.flush().ok());
    QCOMPARE(store.pendingSampleCount(), 0);
    {
        inctest::RawDb raw(path);
        QCOMPARE(raw.scalar(QStringLiteral("SELECT count(*) FROM fleet_samples")).toInt(), 3);
        QVERIFY(raw.scalar(QStringLiteral("SELECT p99_ms FROM fleet_samples WHERE ts_ms = %1").arg(kBase + 2000)).isNull());
    }
    const auto all = store.samples(kBase + 1000, kBase + 2000);
    QVERIFY2(all.ok(), qPrintable(all.error()));
    QCOMPARE(all->size(), 2);  // both ends inclusive; the third is past toMs
    QCOMPARE(all->at(0).timeMs, kBase + 1000);
    QCOMPARE(all->at(0).requestsPerSecond, 14'000.5);
    QCOMPARE(all->at(0).p99Ms, 12.25);
    QCOMPARE(all->at(0).errorRatio, 0.001);
    QCOMPARE(all->at(0).cpuPercent, 180.0);
    QCOMPARE(all->at(1).requestsPerSecond, 0.0);
    QVERIFY(std::isnan(all->at(1).p99Ms));
    QVERIFY(std::isnan(all->at(1).errorRatio));
    QVERIFY(store.samples(kBase + 4000, kBase + 9000)->isEmpty());
}

void TestIncidentStore::samplesFlushOnTheirOwn()
{
    // Without events to carry them, queued samples are committed by their own timer.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("i.db"));
    IncidentStore store;
    QVERIFY(store.open(path, inctest::keepAll()).ok());
    store.recordSample(FleetSample{kBase, 1, 2, 0, 3});
    QCOMPARE(store.pendingSampleCount(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(store.pendingSampleCount(), 0, IncidentStore::kSampleFlushMs + 3000);
    inctest::RawDb raw(path);
    QCOMPARE(raw.scalar(QStringLiteral("SELECT count(*) FROM fleet_samples")).toInt(), 1);
}

void TestIncidentStore::unreadableSampleValuesReadAsUnknown()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("i.db"));
    IncidentStore store;
    QVERIFY(store.open(path, inctest::keepAll()).ok());
    {
        inctest::RawDb raw(path);
        QVERIFY(raw.exec(QStringLiteral("INSERT INTO fleet_samples VALUES (%1, 'lots', x'00ff', NULL, 42)").arg(kBase)));
    }
    const auto rows = store.samples(kBase - 1, kBase + 1);
    QVERIFY2(rows.ok(), qPrintable(rows.error()));
    QCOMPARE(rows->size(), 1);
    QVERIFY(std::isnan(rows->first().requestsPerSecond));
    QVERIFY(std::isnan(rows->first().p99Ms));
    QVERIFY(std::isnan(rows->first().errorRatio));
    QCOMPARE(rows->first().cpuPercent, 42.0);  // an integer column value is still a number
}

void TestIncidentStore::samplePruneKeepsIncidentWindows()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("i.db"));
    IncidentStore store;
    auto options = inctest::keepAll();
    options.incidentLeadMs = 60'000;
    QVERIFY(store.open(path, options).ok());
    const qint64 now = kBase + 100 * kDay;
    const qint64 incidentAt = now - 20 * kDay;
    for (const qint64 t : {now - 40 * kDay, incidentAt - 30'000, incidentAt + 5000, now - 10 * kDay,
                           now - IncidentStore::kSampleRetentionDays * kDay - 1000, now - 2 * kDay, now - 1000})
        store.recordSample(FleetSample{t, double(t % 1000), 1, 0, 1});
    QVERIFY(store.flush().ok());
    const auto inc = store.openIncident(QStringLiteral("load test"), Severity::Critical, {}, incidentAt);
    QVERIFY(inc.ok());
    QVERIFY(store.closeIncident(inc.value(), incidentAt + 10'000).ok());

    store.setRetentionDays(30);
    QVERIFY(store.prune(now).ok());
    QList<qint64> left;
    const QList<FleetSample> kept = store.samples(0, now).value();
    for (const FleetSample &s : kept)
        left << s.timeMs;
    // Samples go after kSampleRetentionDays (not the 30 days of events), except in the incident's window.
    QCOMPARE(left, (QList<qint64>{incidentAt - 30'000, incidentAt + 5000, now - 2 * kDay, now - 1000}));

    store.setRetentionDays(0);  // keep all: nothing goes
    store.recordSample(FleetSample{now - 50 * kDay, 1, 1, 0, 1});
    QVERIFY(store.flush().ok());
    QVERIFY(store.prune(now).ok());
    QCOMPARE(store.samples(0, now)->size(), 5);
}

void TestIncidentStore::version1DatabaseGainsSampleTable()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("old.db"));
    {
        IncidentStore store;
        QVERIFY(store.open(path, inctest::keepAll()).ok());
        QVERIFY(store.append(sampleEvents()).ok());
    }
    {
        // What a version 1 build left: no fleet_samples, user_version 1.
        inctest::RawDb raw(path);
        QVERIFY(raw.exec(QStringLiteral("DROP TABLE fleet_samples")));
        QVERIFY(raw.exec(QStringLiteral("PRAGMA user_version=1")));
    }
    IncidentStore store;
    const auto r = store.open(path, inctest::keepAll());
    QVERIFY2(r.ok(), qPrintable(r.error()));
    QCOMPARE(store.countEvents({}).value(), qint64(sampleEvents().size()));
    store.recordSample(FleetSample{kBase, 5, 6, 0, 7});
    QVERIFY(store.flush().ok());
    QCOMPARE(store.samples(kBase, kBase)->size(), 1);
    inctest::RawDb raw(path);
    QCOMPARE(raw.scalar(QStringLiteral("PRAGMA user_version")).toInt(), 2);
}

QTEST_GUILESS_MAIN(TestIncidentStore)
#include "test_incident_store.moc"
