// bench_generator: our generator against Debian's wrk on the same nginx
// (`return 200`, loopback), in the same run, alternating A B A B, generator
// and nginx pinned to different cores. Prints a table and the median ratio.
// Not a test: figures on a shared machine are reported, not asserted.
#include "load/load_engine.h"
#include "nginx_fixture.h"
#include "test_support.h"

#include <QCoreApplication>
#include <QProcess>
#include <QRegularExpression>
#include <algorithm>
#include <cstdio>
#include <sched.h>
#include <sys/resource.h>

using namespace turno;

namespace {

double cpuSeconds(int who)
{
    rusage u{};
    getrusage(who, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : (v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2);
}

struct Args {
    int connections = 64;
    int threads = 1;
    int duration = 5;
    int runs = 3;
    int generatorCpu = 0;
    int nginxCpu = 1;
};

Args parse(const QStringList &a)
{
    Args r;
    for (int i = 1; i + 1 < a.size(); i += 2) {
        const int v = a[i + 1].toInt();
        if (a[i] == QLatin1String("--connections"))
            r.connections = v;
        else if (a[i] == QLatin1String("--threads"))
            r.threads = v;
        else if (a[i] == QLatin1String("--duration"))
            r.duration = v;
        else if (a[i] == QLatin1String("--runs"))
            r.runs = v;
        else if (a[i] == QLatin1String("--generator-cpu"))
            r.generatorCpu = v;
        else if (a[i] == QLatin1String("--nginx-cpu"))
            r.nginxCpu = v;
    }
    return r;
}

}  // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const Args args = parse(app.arguments());
    const QString wrk = test::findProgram(QStringLiteral("wrk"));
    const QString taskset = test::findProgram(QStringLiteral("taskset"));
    if (wrk.isEmpty() || taskset.isEmpty()) {
        std::fprintf(stderr, "bench_generator: needs wrk and taskset (apt-get install wrk util-linux)\n");
        return 3;
    }
    test::NginxFixture nginx;
    QString why;
    if (!nginx.start(&why, QString::number(args.nginxCpu))) {
        std::fprintf(stderr, "bench_generator: %s\n", qPrintable(why));
        return 3;
    }
    // Our generator runs in this process: pin it (its threads inherit the mask).
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(args.generatorCpu, &set);
    sched_setaffinity(0, sizeof set, &set);

    const QString url = nginx.url() + QStringLiteral("/turno/bench");
    std::printf("target: nginx `return 200` at %s pinned to cpu %d; generators pinned to cpu %d\n", qPrintable(nginx.url()),
                args.nginxCpu, args.generatorCpu);
    std::printf("connections %d, threads %d, %d s per run, %d runs each, order A B A B\n\n", args.connections, args.threads,
                args.duration, args.runs);
    std::printf("%-4s %-20s %10s %8s %8s %8s %10s %10s %s\n", "run", "generator", "req/s", "p50 ms", "p99 ms", "cpu %", "cpu us/req", "checked", "note");

    std::vector<double> ours, theirs;
    for (int run = 1; run <= args.runs; ++run) {
        {
            LoadConfig c;
            parseLoadTarget(nginx.url(), &c);
            c.connections = args.connections;
            c.threads = args.threads;
            c.durationSeconds = args.duration;
            const double cpu0 = cpuSeconds(RUSAGE_SELF);
            const LoadReport r = LoadEngine::run(c);
            const double cpu = (cpuSeconds(RUSAGE_SELF) - cpu0) / r.durationSeconds * 100;
            ours.push_back(r.requestsPerSecond);
            std::printf("%-4d %-20s %10.0f %8.3f %8.3f %8.0f %10.2f %10llu %llu duplicates (nginx answers turno 1), %llu errors\n",
                        run, "LoadEngine (A)", r.requestsPerSecond, r.latency.p50Ms, r.latency.p99Ms, cpu,
                        cpu / 100 * 1e6 / std::max(1.0, r.requestsPerSecond),
                        (unsigned long long)(r.ok + r.errorTotal()), (unsigned long long)r.duplicates,
                        (unsigned long long)r.errorTotal());
            std::fflush(stdout);
        }
        {
            const double cpu0 = cpuSeconds(RUSAGE_CHILDREN);
            QProcess p;
            p.start(taskset, {QStringLiteral("-c"), QString::number(args.generatorCpu), wrk, QStringLiteral("-t%1").arg(args.threads),
                              QStringLiteral("-c%1").arg(args.connections), QStringLiteral("-d%1s").arg(args.duration),
                              QStringLiteral("--latency"), url});
            if (!p.waitForFinished((args.duration + 30) * 1000)) {
                p.kill();
                p.waitForFinished(5000);
            }
            const QString out = QString::fromLocal8Bit(p.readAllStandardOutput());
            const auto rps = QRegularExpression(QStringLiteral("Requests/sec:\\s+([0-9.]+)")).match(out);
            const auto p50 = QRegularExpression(QStringLiteral("50%\\s+([0-9.]+)(us|ms|s)")).match(out);
            const auto p99 = QRegularExpression(QStringLiteral("99%\\s+([0-9.]+)(us|ms|s)")).match(out);
            auto toMs = [](const QRegularExpressionMatch &m) {
                if (!m.hasMatch())
                    return -1.0;
                const double v = m.captured(1).toDouble();
                return m.captured(2) == QLatin1String("us") ? v / 1000 : m.captured(2) == QLatin1String("s") ? v * 1000 : v;
            };
            const double r = rps.hasMatch() ? rps.captured(1).toDouble() : 0;
            theirs.push_back(r);
            const double cpu = (cpuSeconds(RUSAGE_CHILDREN) - cpu0) / args.duration * 100;
            std::printf("%-4d %-20s %10.0f %8.3f %8.3f %8.0f %10.2f %10s %s\n", run, "wrk (B)", r, toMs(p50), toMs(p99), cpu,
                        cpu / 100 * 1e6 / std::max(1.0, r), "-",
                        "measures only, checks nothing");
            std::fflush(stdout);
        }
    }
    std::vector<double> ratios;
    for (size_t i = 0; i < ours.size() && i < theirs.size(); ++i)
        ratios.push_back(theirs[i] > 0 ? ours[i] / theirs[i] : 0);
    std::printf("\nper-pair ratios (ours/wrk):");
    for (double r : ratios)
        std::printf(" %.3f", r);
    std::printf("\n");
    const double a = median(ours);
    const double b = median(theirs);
    std::printf("median req/s: ours %.0f, wrk %.0f, ratio %.3f (target >= 0.9)\n", a, b, b > 0 ? a / b : 0);
    return 0;
}
