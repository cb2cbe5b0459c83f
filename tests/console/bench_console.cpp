// bench_console: the console's chart cost with N nodes' worth of series
// updating at 1 Hz (the Charts tab as the console builds it, every line
// visible), the UI thread's longest stall, and RSS after an hour of simulated
// history. Prints figures; not a pass/fail test.
//   bench_console [--seconds N] [--nodes N] [--window 0..3 (1m 5m 15m 1h)]
#include "alerts/alert_engine.h"
#include "charts_panel.h"
#include "live_chart.h"
#include "metrics/series_store.h"
#include "runtime/fleet_monitor.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QRandomGenerator>
#include <QTimer>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <sys/resource.h>

using turno::FleetMonitor;
using turno::SeriesStore;
using turno::console::ChartsPanel;
using turno::console::LiveChart;

namespace {

double cpuSeconds()
{
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double threadCpuMs()
{
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

double rssMiB()
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n'))
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toDouble() / 1024.0;
    return -1;
}

}  // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QCommandLineParser parser;
    QCommandLineOption secondsOpt(QStringLiteral("seconds"), QStringLiteral("Measured seconds (default 30)."),
                                  QStringLiteral("N"), QStringLiteral("30"));
    QCommandLineOption nodesOpt(QStringLiteral("nodes"), QStringLiteral("Turno nodes (default 20)."), QStringLiteral("N"),
                                QStringLiteral("20"));
    QCommandLineOption windowOpt(QStringLiteral("window"), QStringLiteral("Time window: 0 1 min, 1 5 min, 2 15 min, 3 1 h."),
                                 QStringLiteral("I"), QStringLiteral("0"));
    parser.addOptions({secondsOpt, nodesOpt, windowOpt});
    parser.addHelpOption();
    parser.process(app);
    const int seconds = parser.value(secondsOpt).toInt();
    const int nodeCount = parser.value(nodesOpt).toInt();

    FleetMonitor monitor;
    SeriesStore &store = *monitor.series();
    QStringList nodes, redis{QStringLiteral("redis-1"), QStringLiteral("redis-2")};
    QList<int> ids;
    for (int n = 0; n < nodeCount; ++n) {
        nodes << QStringLiteral("primary-%1").arg(n + 1);
        for (const char *m : {"requests_per_second", "p50_seconds", "p99_seconds", "cpu_percent", "error_ratio", "rss_bytes", "up"})
            ids << store.series(FleetMonitor::nodeSeries(nodes.last(), QString::fromLatin1(m)));
    }
    for (const QString &r : redis)
        for (const char *m : {"redis_ops_per_second", "redis_memory_bytes", "redis_connected_clients", "redis_up"})
            ids << store.series(FleetMonitor::redisSeries(r, QString::fromLatin1(m)));
    for (const char *m : {"requests_per_second", "p99_seconds", "error_ratio"})
        ids << store.series(FleetMonitor::fleetSeries(QString::fromLatin1(m)));

    // One hour of simulated history first, so the memory figure is the one after an hour.
    const qint64 start = QDateTime::currentMSecsSinceEpoch();
    auto feed = [&store, &ids](qint64 t) {
        for (int id : std::as_const(ids))
            store.append(id, t, 100 + 50 * std::sin(double(t) / 7000.0 + id) + QRandomGenerator::global()->bounded(10.0));
    };
    for (qint64 t = start - 3600 * 1000; t < start; t += 1000)
        feed(t);

    ChartsPanel panel(&monitor);
    panel.setNodes(nodes, redis);
    panel.setWindowIndex(parser.value(windowOpt).toInt());
    panel.resize(1600, 900);
    panel.show();

    const double rssAfterHistory = rssMiB();
    qint64 worstLateMs = 0;
    double worstChartCpuMs = 0, refreshCpuMs = 0;
    int refreshes = 0;
    // A 16 ms tick: how late it fires is how long the UI thread was busy (or
    // the machine was busy elsewhere: the thread CPU figures tell them apart).
    QElapsedTimer frameClock;
    QTimer frame;
    frame.setTimerType(Qt::PreciseTimer);
    frame.setInterval(16);
    QObject::connect(&frame, &QTimer::timeout, [&] {
        worstLateMs = std::max(worstLateMs, frameClock.restart() - 16);
    });
    double refreshStartCpu = 0;
    QTimer tick;
    tick.setInterval(1000);
    QObject::connect(&tick, &QTimer::timeout, [&] {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        feed(now);
        refreshStartCpu = threadCpuMs();
        // The console evaluates the alert rules at every tick too.
        monitor.alerts()->evaluate(now);
        panel.refresh();
    });
    QObject::connect(&panel, &ChartsPanel::refreshed, [&] {
        if (!tick.isActive())
            return;
        refreshCpuMs += threadCpuMs() - refreshStartCpu;
        ++refreshes;
    });

    panel.refresh();
    QTimer::singleShot(2000, [&] {
        const double cpuStart = cpuSeconds();
        QElapsedTimer wall;
        wall.start();
        frameClock.start();
        frame.start();
        tick.start();
        QTimer::singleShot(seconds * 1000, [&, cpuStart, wall] {
            const double cpu = 100.0 * (cpuSeconds() - cpuStart) / (double(wall.elapsed()) / 1000.0);
            // Per-chart cost, measured once more in isolation.
            const qint64 now = QDateTime::currentMSecsSinceEpoch();
            int points = 0, lines = 0;
            for (LiveChart *c : panel.charts()) {
                const double before = threadCpuMs();
                c->refresh(store, now, panel.windowMs());
                c->repaint();
                worstChartCpuMs = std::max(worstChartCpuMs, threadCpuMs() - before);
                lines += c->lineCount();
                for (const QString &n : nodes)
                    for (const char *m : {"requests_per_second", "p99_seconds", "cpu_percent", "error_ratio"})
                        points += c->pointCount(FleetMonitor::nodeSeries(n, QString::fromLatin1(m)));
            }
            printf("bench_console: %d turno nodes + 2 Redis, %d charts, %d lines, 1 Hz, %lld s window, %d node points plotted\n",
                   nodeCount, int(panel.charts().size()), lines, static_cast<long long>(panel.windowMs() / 1000), points);
            printf("  CPU: %.1f %% of one core over %d s (platform %s)\n", cpu, seconds,
                   qPrintable(QGuiApplication::platformName()));
            printf("  alert evaluation + refresh cycle (decimate + replace for every chart, with the repaints in between): %.1f ms CPU on average; worst single chart "
                   "refresh + repaint %.1f ms CPU\n",
                   refreshes ? refreshCpuMs / refreshes : 0.0, worstChartCpuMs);
            printf("  UI thread: worst 16 ms tick late by %lld ms (wall clock, includes other processes' load)\n",
                   static_cast<long long>(worstLateMs));
            printf("  RSS: %.1f MiB after 1 h of simulated history (%d series, store %.1f MiB), %.1f MiB at the end\n",
                   rssAfterHistory, store.seriesCount(), double(store.memoryBytes()) / (1024 * 1024), rssMiB());
            QApplication::quit();
        });
    });
    return QApplication::exec();
}
