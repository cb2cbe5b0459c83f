// bench_console: the console's chart cost with 20 nodes' worth of series
// updating at 1 Hz (6 charts, every line visible), and its RSS after an hour of
// simulated history. Prints figures; not a pass/fail test.
//   bench_console [--seconds N] [--nodes N]
#include "live_chart.h"
#include "metrics/series_store.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QGridLayout>
#include <QRandomGenerator>
#include <QTimer>
#include <QWidget>
#include <cmath>
#include <cstdio>
#include <sys/resource.h>

using turno::SeriesStore;
using turno::console::LiveChart;

namespace {

double cpuSeconds()
{
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
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
    QCommandLineOption nodesOpt(QStringLiteral("nodes"), QStringLiteral("Nodes (default 20)."), QStringLiteral("N"),
                                QStringLiteral("20"));
    parser.addOptions({secondsOpt, nodesOpt});
    parser.addHelpOption();
    parser.process(app);
    const int seconds = parser.value(secondsOpt).toInt();
    const int nodes = parser.value(nodesOpt).toInt();
    const QStringList metrics{QStringLiteral("rps"), QStringLiteral("p99"), QStringLiteral("cpu"),
                              QStringLiteral("errors"), QStringLiteral("ops"), QStringLiteral("memory")};

    SeriesStore store;
    const qint64 start = QDateTime::currentMSecsSinceEpoch();
    // One hour of simulated history first, so the memory figure is the one after an hour.
    const qint64 historyStart = start - 3600 * 1000;
    QList<QList<int>> ids;
    for (const QString &m : metrics) {
        QList<int> row;
        for (int n = 0; n < nodes; ++n)
            row << store.series(QStringLiteral("node/n%1/%2").arg(n).arg(m));
        ids << row;
    }
    for (qint64 t = historyStart; t < start; t += 1000)
        for (const QList<int> &row : std::as_const(ids))
            for (int id : row)
                store.append(id, t, 100 + 50 * std::sin(double(t) / 7000.0 + id));

    QWidget window;
    auto *grid = new QGridLayout(&window);
    QList<LiveChart *> charts;
    for (int c = 0; c < metrics.size(); ++c) {
        auto *chart = new LiveChart(metrics[c], QString(), 1.0, &window);
        QList<LiveChart::Line> lines;
        for (int n = 0; n < nodes; ++n)
            lines.append({QStringLiteral("node/n%1/%2").arg(n).arg(metrics[c]), QStringLiteral("n%1").arg(n)});
        chart->setLines(lines);
        grid->addWidget(chart, c / 3, c % 3);
        charts << chart;
    }
    window.resize(1600, 900);
    window.show();

    const double rssAfterHistory = rssMiB();
    qint64 now = start;
    QElapsedTimer frameClock;
    qint64 worstLateMs = 0;
    qint64 worstRefreshMs = 0;
    // A 16 ms tick: how late it fires is how long the UI thread was busy.
    QTimer frame;
    frame.setTimerType(Qt::PreciseTimer);
    frame.setInterval(16);
    QObject::connect(&frame, &QTimer::timeout, [&] {
        const qint64 late = frameClock.restart() - 16;
        worstLateMs = std::max(worstLateMs, late);
    });
    QTimer tick;
    tick.setInterval(1000);
    QObject::connect(&tick, &QTimer::timeout, [&] {
        now += 1000;
        for (const QList<int> &row : std::as_const(ids))
            for (int id : row)
                store.append(id, now, 100 + 50 * std::sin(double(now) / 7000.0 + id) +
                                          QRandomGenerator::global()->bounded(10.0));
        QElapsedTimer t;
        t.start();
        for (LiveChart *c : std::as_const(charts))
            c->refresh(store, now, 60'000);
        worstRefreshMs = std::max(worstRefreshMs, t.elapsed());
    });

    // Warm-up: the first refreshes build the series' graphics items.
    for (LiveChart *c : std::as_const(charts))
        c->refresh(store, now, 60'000);
    QTimer::singleShot(2000, [&] {
        const double cpuStart = cpuSeconds();
        QElapsedTimer wall;
        wall.start();
        worstLateMs = 0;
        worstRefreshMs = 0;
        frameClock.start();
        frame.start();
        tick.start();
        QTimer::singleShot(seconds * 1000, [&, cpuStart, wall] {
            const double cpu = 100.0 * (cpuSeconds() - cpuStart) / (double(wall.elapsed()) / 1000.0);
            int points = 0;
            for (LiveChart *c : std::as_const(charts))
                for (int n = 0; n < nodes; ++n)
                    points += c->pointCount(QStringLiteral("node/n%1/%2").arg(n).arg(c->title()));
            printf("bench_console: %d nodes, %d charts x %d lines, 1 Hz, 1 min window, %d points plotted\n", nodes,
                   int(charts.size()), nodes, points);
            printf("  CPU: %.1f %% of one core over %d s (QT_QPA_PLATFORM=%s)\n", cpu, seconds,
                   qPrintable(QGuiApplication::platformName()));
            printf("  UI thread: worst 16 ms tick late by %lld ms; worst refresh of all charts %lld ms\n",
                   static_cast<long long>(worstLateMs), static_cast<long long>(worstRefreshMs));
            printf("  RSS: %.1f MiB after 1 h of simulated history (%d series, store %.1f MiB), %.1f MiB now\n",
                   rssAfterHistory, store.seriesCount(), double(store.memoryBytes()) / (1024 * 1024), rssMiB());
            QApplication::quit();
        });
    });
    return QApplication::exec();
}
