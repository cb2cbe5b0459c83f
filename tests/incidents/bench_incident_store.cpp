// bench_incident_store [--events N] [--db FILE]: fills an incident store with N
// events (default 1,000,000) spread over 29 days, then prints the insert rate,
// the size on disk, open time and the timeline queries the console and turnoctl run.
#include "incidents/incident_report.h"
#include "incidents/incident_store.h"
#include "models/timeline_model.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QTemporaryDir>
#include <algorithm>
#include <cstdio>
#include <vector>

using namespace turno;

namespace {

double ms(const QElapsedTimer &t)
{
    return double(t.nsecsElapsed()) / 1e6;
}

qint64 fileSize(const QString &path)
{
    return QFileInfo(path).size();
}

template <typename F>
void timeQuery(const char *name, F f)
{
    // Best of three: the first run also warms the page cache, as the console's first view would.
    double best = 1e18;
    qsizetype rows = 0;
    for (int i = 0; i < 3; ++i) {
        QElapsedTimer t;
        t.start();
        rows = f();
        best = std::min(best, ms(t));
    }
    std::printf("  %-52s %9.2f ms  (%lld rows)\n", name, best, static_cast<long long>(rows));
}

}  // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    qint64 total = 1'000'000;
    QString path;
    const QStringList args = app.arguments();
    for (int i = 1; i < args.size(); ++i) {
        if (args[i] == QLatin1String("--events") && i + 1 < args.size())
            total = args[++i].toLongLong();
        else if (args[i] == QLatin1String("--db") && i + 1 < args.size())
            path = args[++i];
        else {
            std::fprintf(stderr, "usage: bench_incident_store [--events N] [--db FILE]\n");
            return 2;
        }
    }
    QTemporaryDir tmp;
    if (path.isEmpty())
        path = tmp.filePath(QStringLiteral("incidents.db"));

    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 span = 29LL * 24 * 3600 * 1000;  // inside the 30-day retention: nothing is pruned
    const QStringList kinds = EventKind::all();
    const QStringList nodes = [] {
        QStringList n;
        for (int i = 1; i <= 24; ++i)
            n << QStringLiteral("primary-%1").arg(i);
        for (int i = 1; i <= 8; ++i)
            n << QStringLiteral("secondary-%1").arg(i);
        n << QStringLiteral("redis-primary") << QStringLiteral("redis-replica") << QStringLiteral("haproxy");
        return n;
    }();

    std::printf("bench_incident_store: %lld events into %s\n", static_cast<long long>(total), qPrintable(path));
    IncidentStore::Options options;
    options.pruneDaily = false;
    {
        IncidentStore store;
        if (const auto r = store.open(path, options); !r) {
            std::fprintf(stderr, "%s\n", qPrintable(r.error()));
            return 1;
        }
        constexpr int kBatch = 1000;
        QElapsedTimer t;
        t.start();
        QList<IncidentEvent> batch;
        batch.reserve(kBatch);
        for (qint64 i = 0; i < total; ++i) {
            IncidentEvent e;
            e.timeMs = now - span + i * span / total;
            e.source = QStringLiteral("bench");
            e.node = nodes[int(i % nodes.size())];
            e.kind = kinds[int((i * 5) % kinds.size())];  // 5 is prime to the 14 kinds: all of them occur
            e.severity = i % 97 == 0 ? Severity::Critical : (i % 13 == 0 ? Severity::Warning : Severity::Info);
            e.summary = QStringLiteral("%1 on %2: event number %3").arg(e.kind, e.node).arg(i);
            e.details = QJsonObject{{QStringLiteral("seq"), i}, {QStringLiteral("value"), double(i % 1000) / 10.0}};
            batch.append(std::move(e));
            if (batch.size() == kBatch || i + 1 == total) {
                if (const auto r = store.append(batch); !r) {
                    std::fprintf(stderr, "%s\n", qPrintable(r.error()));
                    return 1;
                }
                batch.clear();
            }
        }
        const double insertMs = ms(t);
        std::printf("insert: %.0f events/s (batches of %d, one transaction each), %.1f s total\n",
                    double(total) / (insertMs / 1000.0), kBatch, insertMs / 1000.0);

        // What a UI-thread caller pays per event when events trickle in one at a time.
        std::vector<double> single;
        for (int i = 0; i < 2000; ++i) {
            QElapsedTimer s;
            s.start();
            store.record(QStringLiteral("bench"), QStringLiteral("primary-1"), QStringLiteral("note"), Severity::Info,
                         QStringLiteral("single %1").arg(i));
            store.flush();
            single.push_back(ms(s));
        }
        std::sort(single.begin(), single.end());
        std::printf("single-event commit (record + flush): p50 %.3f ms, p99 %.3f ms, max %.3f ms\n",
                    single[single.size() / 2], single[single.size() * 99 / 100], single.back());
        std::printf("size with WAL: db %.1f MB + wal %.1f MB\n", fileSize(path) / 1e6,
                    fileSize(path + QStringLiteral("-wal")) / 1e6);
    }
    std::printf("size on disk after close (WAL checkpointed): %.1f MB (%.0f bytes/event)\n", fileSize(path) / 1e6,
                double(fileSize(path)) / double(total));

    IncidentStore store;
    QElapsedTimer openTimer;
    openTimer.start();
    if (const auto r = store.open(path, options); !r) {
        std::fprintf(stderr, "%s\n", qPrintable(r.error()));
        return 1;
    }
    std::printf("open (schema check + retention prune scan): %.1f ms\n", ms(openTimer));

    std::printf("queries (best of 3):\n");
    timeQuery("count(*)", [&] { return qsizetype(store.countEvents({}).value()); });
    IncidentStore::EventQuery page;
    page.newestFirst = true;
    page.limit = TimelineModel::kPageSize;
    timeQuery("newest page (500), no filter", [&] { return store.events({}, page).value().size(); });
    {
        EventFilter f;
        f.nodes = {QStringLiteral("primary-7")};
        timeQuery("newest page, node = primary-7", [&] { return store.events(f, page).value().size(); });
    }
    {
        EventFilter f;
        f.kinds = {QStringLiteral("process")};
        timeQuery("newest page, kind family process.*", [&] { return store.events(f, page).value().size(); });
    }
    {
        EventFilter f;
        f.minSeverity = Severity::Critical;
        timeQuery("newest page, severity >= critical", [&] { return store.events(f, page).value().size(); });
    }
    {
        EventFilter f;
        f.text = QStringLiteral("number 123456");
        timeQuery("newest page, text 'number 123456' (full scan)", [&] { return store.events(f, page).value().size(); });
    }
    {
        EventFilter f;
        f.text = QStringLiteral("no such text anywhere");
        timeQuery("text with no match (full scan, worst case)", [&] { return store.events(f, page).value().size(); });
    }
    {
        EventFilter f;
        f.fromMs = now - span / 2;
        f.toMs = f.fromMs + 3'600'000;
        timeQuery("all events of one hour (time range)", [&] { return store.events(f).value().size(); });
    }
    {
        EventFilter f;
        f.fromMs = now - span / 2;
        f.toMs = f.fromMs + 24 * 3'600'000LL;
        f.nodes = {QStringLiteral("redis-primary")};
        f.minSeverity = Severity::Warning;
        timeQuery("one day, node + severity", [&] { return store.events(f).value().size(); });
    }
    {
        IncidentStore::EventQuery deep = page;
        deep.hasAfter = true;
        deep.afterTimeMs = now - span / 2;
        deep.afterId = std::numeric_limits<qint64>::max();
        timeQuery("page in the middle (keyset, fetchMore)", [&] { return store.events({}, deep).value().size(); });
    }
    const auto incident = store.openIncident(QStringLiteral("bench incident"), Severity::Critical, {}, now - span / 2);
    if (incident) {
        store.closeIncident(incident.value(), now - span / 2 + 3'600'000);
        timeQuery("incident report build (1 h window + 10 min lead)",
                  [&] { return IncidentReport::build(store, incident.value()).value().timeline.size(); });
    }
    {
        QElapsedTimer t;
        t.start();
        TimelineModel model(&store);
        std::printf("  %-52s %9.2f ms  (%d rows)\n", "TimelineModel construction (first page)", ms(t), model.rowCount());
        t.restart();
        model.setTimeRange(now - 24 * 3'600'000LL, now);
        model.setText(QStringLiteral("no such text anywhere"));
        std::printf("  %-52s %9.2f ms  (%d rows)\n", "TimelineModel, last 24 h + text with no match", ms(t),
                    model.rowCount());
    }
    {
        store.setRetentionDays(28);  // one day's worth becomes old
        QElapsedTimer t;
        t.start();
        const auto n = store.prune(now);
        std::printf("prune of one day (%d events): %.1f ms\n", n ? n.value() : -1, ms(t));
    }
    return 0;
}
