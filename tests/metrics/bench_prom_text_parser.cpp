// Benchmark: PromTextParser throughput (MB/s, ns and heap allocations per
// sample) on captured exporter output, one core. Prints a table.
//   bench_prom_text_parser [seconds-per-row (default 2)]
// MB/s best and median of 7 rounds; ns/sample from the best round.
#include "metrics/prom_text_parser.h"

#include <QElapsedTimer>
#include <QFile>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <vector>

namespace {
std::atomic<long long> g_allocations{0};
}

// Counts every heap allocation the process makes, to report allocations per sample.
void *operator new(std::size_t n)
{
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void *p = std::malloc(n ? n : 1))
        return p;
    throw std::bad_alloc();
}
void operator delete(void *p) noexcept { std::free(p); }
void operator delete(void *p, std::size_t) noexcept { std::free(p); }

int main(int argc, char **argv)
{
    const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
    struct Row {
        const char *file;
        turno::PromTextParser::Format format;
        bool strict;
    };
    const Row rows[] = {
        {"node_exporter_sample.txt", turno::PromTextParser::Format::Prometheus, false},
        {"node_exporter_sample.txt", turno::PromTextParser::Format::Prometheus, true},
        {"prometheus_self_sample.txt", turno::PromTextParser::Format::Prometheus, false},
        {"haproxy_prom_sample.txt", turno::PromTextParser::Format::Prometheus, false},
        // The same series in both formats; the OpenMetrics checker's extra rules cost only there.
        {"turno_server_sample.prom", turno::PromTextParser::Format::Prometheus, true},
        {"turno_server_sample.om", turno::PromTextParser::Format::OpenMetrics, false},
        {"turno_server_sample.om", turno::PromTextParser::Format::OpenMetrics, true},
    };
    std::printf("%-28s %-8s %9s %8s %10s %10s %9s %12s\n", "input", "mode", "bytes", "samples", "best_MB/s",
                "median_MB/s", "ns/sample", "allocs/sample");
    for (const Row &row : rows) {
        QFile f(QStringLiteral(TURNO_METRICS_FIXTURES "/") + QLatin1String(row.file));
        if (!f.open(QIODevice::ReadOnly)) {
            std::fprintf(stderr, "cannot open %s\n", qPrintable(f.fileName()));
            return 1;
        }
        const QByteArray body = f.readAll();
        turno::PromTextParser::Options o;
        o.format = row.format;
        o.strict = row.strict;
        const turno::PromTextParser parser(o);
        size_t samples = 0;
        {
            const auto r = parser.parse(QByteArrayView(body));
            if (!r) {
                std::fprintf(stderr, "%s: %s\n", row.file, qPrintable(r.error()));
                return 1;
            }
            samples = r->samples().size();
        }
        // Several short rounds: on a shared machine the best round is the
        // parser's own speed, the median shows what the neighbours left us.
        constexpr int kRounds = 7;
        std::vector<double> mbps;
        std::vector<double> nsPerSample;
        long long iterations = 0;
        const long long allocBefore = g_allocations.load();
        for (int round = 0; round < kRounds; ++round) {
            long long n = 0;
            QElapsedTimer t;
            t.start();
            while (t.nsecsElapsed() < qint64(seconds * 1e9 / kRounds)) {
                for (int i = 0; i < 20; ++i) {
                    const auto r = parser.parse(QByteArrayView(body));
                    if (!r.ok())
                        return 1;
                }
                n += 20;
            }
            const double ns = double(t.nsecsElapsed());
            mbps.push_back(double(body.size()) * double(n) / (ns / 1e9) / 1e6);
            nsPerSample.push_back(ns / double(n) / double(samples));
            iterations += n;
        }
        const long long allocs = g_allocations.load() - allocBefore;
        std::sort(mbps.begin(), mbps.end());
        std::sort(nsPerSample.begin(), nsPerSample.end());
        std::printf("%-28s %-8s %9lld %8zu %10.1f %10.1f %9.1f %12.3f\n", row.file, row.strict ? "strict" : "lenient",
                    qint64(body.size()), samples, mbps.back(), mbps[kRounds / 2], nsPerSample.front(),
                    double(allocs) / double(iterations) / double(samples));
    }
    return 0;
}
