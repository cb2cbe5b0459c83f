#include "server_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <dirent.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace turno::server {

const char *storeErrorName(StoreError e)
{
    switch (e) {
    case StoreError::Unavailable: return "unavailable";
    case StoreError::Timeout: return "timeout";
    case StoreError::WaitTimeout: return "wait_timeout";
    case StoreError::Readonly: return "readonly";
    case StoreError::NoReplicas: return "noreplicas";
    case StoreError::Rollback: return "rollback";
    case StoreError::Reply: return "reply_error";
    case StoreError::Count: break;
    }
    return "unknown";
}

const char *handlerName(Handler h)
{
    switch (h) {
    case Handler::Turno: return "turno";
    case Handler::Metrics: return "metrics";
    case Handler::Healthz: return "healthz";
    case Handler::Readyz: return "readyz";
    case Handler::Debug: return "debug";
    case Handler::Other: return "other";
    case Handler::Count: break;
    }
    return "other";
}

int statusIndex(int status)
{
    for (size_t i = 0; i < kStatusCodes.size(); ++i)
        if (kStatusCodes[i] == status)
            return int(i);
    return int(statusIndex(500));
}

static size_t bucketFor(uint64_t ns)
{
    const double s = double(ns) * 1e-9;
    size_t i = 0;
    while (i < kDurationBuckets.size() && s > kDurationBuckets[i])
        ++i;
    return i;
}

void WorkerStats::countRequest(Handler handler, int status, int methodIndex, uint64_t durationNs)
{
    add(requests[size_t(handler)][statusIndex(status)][methodIndex]);
    if (handler != Handler::Turno)
        return;
    add(durationBuckets[bucketFor(durationNs)]);
    add(durationSumNs, durationNs);
}

void WorkerStats::observeRedis(uint64_t ns)
{
    add(redisBuckets[bucketFor(ns)]);
    add(redisSumNs, ns);
}

namespace {

struct ProcStat {
    double cpuSeconds = 0;
    double startTime = 0;
    double rssBytes = 0;
    double vsizeBytes = 0;
};

ProcStat readProcStat()
{
    ProcStat r;
    std::ifstream in("/proc/self/stat");
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = all.rfind(')');
    if (close == std::string::npos)
        return r;
    std::istringstream fields(all.substr(close + 2));
    std::vector<std::string> f;
    std::string tok;
    while (fields >> tok)
        f.push_back(tok);
    // f[0] is field 3 (state); utime=14, stime=15, starttime=22, vsize=23, rss=24.
    if (f.size() < 22)
        return r;
    const double tick = double(::sysconf(_SC_CLK_TCK));
    r.cpuSeconds = (std::stod(f[11]) + std::stod(f[12])) / tick;
    double btime = 0;
    std::ifstream stat("/proc/stat");
    std::string line;
    while (std::getline(stat, line))
        if (line.rfind("btime ", 0) == 0)
            btime = std::stod(line.substr(6));
    r.startTime = btime + std::stod(f[19]) / tick;
    r.vsizeBytes = std::stod(f[20]);
    r.rssBytes = std::stod(f[21]) * double(::sysconf(_SC_PAGESIZE));
    return r;
}

double countOpenFds()
{
    DIR *d = ::opendir("/proc/self/fd");
    if (!d)
        return 0;
    double n = 0;
    while (dirent *e = ::readdir(d))
        if (e->d_name[0] != '.')
            ++n;
    ::closedir(d);
    return n - 1;  // the directory stream itself
}

double readMaxFds()
{
    std::ifstream in("/proc/self/limits");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("Max open files", 0) == 0) {
            std::istringstream ss(line.substr(14));
            double soft = 0;
            ss >> soft;
            return soft;
        }
    }
    return 0;
}

const char *kMethodNames[3] = {"GET", "HEAD", "other"};

}  // namespace

struct ServerMetrics::Folded {
    prometheus::Family<prometheus::Counter> *requests = nullptr;
    prometheus::Counter *requestCounters[size_t(Handler::Count)][kStatusCodes.size()][3] = {};
    prometheus::Histogram *duration = nullptr;
    prometheus::Histogram *redisRtt = nullptr;
    prometheus::Counter *issued = nullptr;
    prometheus::Counter *burned = nullptr;
    prometheus::Counter *storeErrors[size_t(StoreError::Count)] = {};
    prometheus::Counter *rejected = nullptr;
    prometheus::Gauge *inFlight = nullptr;
    prometheus::Gauge *openConnections = nullptr;
    prometheus::Gauge *redisLinksUp = nullptr;
    prometheus::Counter *cpu = nullptr;
    prometheus::Gauge *rss = nullptr;
    prometheus::Gauge *vsize = nullptr;
    prometheus::Gauge *fds = nullptr;
    prometheus::Gauge *maxFds = nullptr;
    prometheus::Gauge *startTime = nullptr;

    // What has been folded so far, per worker, to turn totals into increments.
    struct Seen {
        uint64_t requests[size_t(Handler::Count)][kStatusCodes.size()][3] = {};
        uint64_t duration[kDurationBuckets.size() + 1] = {};
        uint64_t durationSum = 0;
        uint64_t redis[kDurationBuckets.size() + 1] = {};
        uint64_t redisSum = 0;
        uint64_t issued = 0, burned = 0, rejected = 0;
        uint64_t storeErrors[size_t(StoreError::Count)] = {};
    };
    std::vector<Seen> seen;
    double cpuSeen = 0;
};

ServerMetrics::ServerMetrics(int workers, const std::string &version, const std::string &store,
                             const std::string &durability, const std::string &node)
    : m_registry(std::make_shared<prometheus::Registry>()), m_folded(std::make_unique<Folded>())
{
    for (int i = 0; i < workers; ++i)
        m_workers.push_back(std::make_unique<WorkerStats>());
    m_folded->seen.resize(size_t(workers));
    auto &r = *m_registry;
    Folded &f = *m_folded;
    const prometheus::Histogram::BucketBoundaries bounds(kDurationBuckets.begin(), kDurationBuckets.end());

    f.requests = &prometheus::BuildCounter()
                      .Name("turno_http_requests_total")
                      .Help("HTTP requests answered, by handler (turno, metrics, healthz, readyz, debug, "
                            "other), status code and method.")
                      .Register(r);
    f.duration = &prometheus::BuildHistogram()
                      .Name("turno_http_request_duration_seconds")
                      .Help("GET /turno/ID requests: time from a complete request head to its response being "
                            "queued for writing.")
                      .Register(r)
                      .Add({}, bounds);
    f.redisRtt = &prometheus::BuildHistogram()
                      .Name("turno_redis_roundtrip_seconds")
                      .Help("Round trip of a counter increment to Redis (EVALSHA sent to reply received).")
                      .Register(r)
                      .Add({}, bounds);
    f.issued = &prometheus::BuildCounter()
                    .Name("turno_numbers_issued_total")
                    .Help("Numbers handed out in a 200 response.")
                    .Register(r)
                    .Add({});
    f.burned = &prometheus::BuildCounter()
                    .Name("turno_numbers_burned_total")
                    .Help("Numbers taken from a counter but never handed out (client gone, WAIT timeout, "
                          "link lost after sending); never reissued.")
                    .Register(r)
                    .Add({});
    auto &errs = prometheus::BuildCounter()
                     .Name("turno_store_errors_total")
                     .Help("Store failures by kind; each answered 503.")
                     .Register(r);
    for (size_t i = 0; i < size_t(StoreError::Count); ++i)
        f.storeErrors[i] = &errs.Add({{"kind", storeErrorName(StoreError(i))}});
    f.rejected = &prometheus::BuildCounter()
                      .Name("turno_http_connections_rejected_total")
                      .Help("Connections refused with 503 because --max-connections was reached.")
                      .Register(r)
                      .Add({});
    f.inFlight = &prometheus::BuildGauge()
                      .Name("turno_http_requests_in_flight")
                      .Help("Requests received and not yet answered.")
                      .Register(r)
                      .Add({});
    f.openConnections = &prometheus::BuildGauge()
                             .Name("turno_http_connections_open")
                             .Help("Client connections currently open.")
                             .Register(r)
                             .Add({});
    f.redisLinksUp = &prometheus::BuildGauge()
                          .Name("turno_redis_links_up")
                          .Help("Redis connections currently established (0 with the memory store).")
                          .Register(r)
                          .Add({});
    prometheus::BuildGauge()
        .Name("turno_build_info")
        .Help("Build and configuration of this turno-server; value is always 1.")
        .Register(r)
        .Add({{"version", version}, {"store", store}, {"durability", durability}, {"node", node}})
        .Set(1);
    f.cpu = &prometheus::BuildCounter()
                 .Name("process_cpu_seconds_total")
                 .Help("Total user and system CPU time spent in seconds.")
                 .Register(r)
                 .Add({});
    f.rss = &prometheus::BuildGauge()
                 .Name("process_resident_memory_bytes")
                 .Help("Resident memory size in bytes.")
                 .Register(r)
                 .Add({});
    f.vsize = &prometheus::BuildGauge()
                   .Name("process_virtual_memory_bytes")
                   .Help("Virtual memory size in bytes.")
                   .Register(r)
                   .Add({});
    f.fds = &prometheus::BuildGauge()
                 .Name("process_open_fds")
                 .Help("Number of open file descriptors.")
                 .Register(r)
                 .Add({});
    f.maxFds = &prometheus::BuildGauge()
                    .Name("process_max_fds")
                    .Help("Maximum number of open file descriptors.")
                    .Register(r)
                    .Add({});
    f.startTime = &prometheus::BuildGauge()
                       .Name("process_start_time_seconds")
                       .Help("Start time of the process since unix epoch in seconds.")
                       .Register(r)
                       .Add({});
    f.maxFds->Set(readMaxFds());
}

ServerMetrics::~ServerMetrics() = default;

void ServerMetrics::fold()
{
    Folded &f = *m_folded;
    int64_t inFlight = 0, open = 0, links = 0;
    for (size_t w = 0; w < m_workers.size(); ++w) {
        WorkerStats &s = *m_workers[w];
        Folded::Seen &seen = f.seen[w];
        auto delta = [](const std::atomic<uint64_t> &now, uint64_t &last) {
            const uint64_t v = now.load(std::memory_order_relaxed);
            const uint64_t d = v - last;
            last = v;
            return d;
        };
        for (size_t h = 0; h < size_t(Handler::Count); ++h) {
            for (size_t c = 0; c < kStatusCodes.size(); ++c) {
                for (int m = 0; m < 3; ++m) {
                    const uint64_t d = delta(s.requests[h][c][m], seen.requests[h][c][m]);
                    if (d == 0)
                        continue;
                    if (!f.requestCounters[h][c][m])
                        f.requestCounters[h][c][m] = &f.requests->Add({{"handler", handlerName(Handler(h))},
                                                                       {"code", std::to_string(kStatusCodes[c])},
                                                                       {"method", kMethodNames[m]}});
                    f.requestCounters[h][c][m]->Increment(double(d));
                }
            }
        }
        std::vector<double> inc(kDurationBuckets.size() + 1);
        bool any = false;
        for (size_t b = 0; b < inc.size(); ++b) {
            inc[b] = double(delta(s.durationBuckets[b], seen.duration[b]));
            any = any || inc[b] > 0;
        }
        const double dsum = double(delta(s.durationSumNs, seen.durationSum)) * 1e-9;
        if (any)
            f.duration->ObserveMultiple(inc, dsum);
        any = false;
        for (size_t b = 0; b < inc.size(); ++b) {
            inc[b] = double(delta(s.redisBuckets[b], seen.redis[b]));
            any = any || inc[b] > 0;
        }
        const double rsum = double(delta(s.redisSumNs, seen.redisSum)) * 1e-9;
        if (any)
            f.redisRtt->ObserveMultiple(inc, rsum);
        f.issued->Increment(double(delta(s.issued, seen.issued)));
        f.burned->Increment(double(delta(s.burned, seen.burned)));
        f.rejected->Increment(double(delta(s.connectionsRejected, seen.rejected)));
        for (size_t e = 0; e < size_t(StoreError::Count); ++e)
            f.storeErrors[e]->Increment(double(delta(s.storeErrors[e], seen.storeErrors[e])));
        inFlight += s.inFlight.load(std::memory_order_relaxed);
        open += s.openConnections.load(std::memory_order_relaxed);
        links += s.redisLinksUp.load(std::memory_order_relaxed);
    }
    f.inFlight->Set(double(inFlight));
    f.openConnections->Set(double(open));
    f.redisLinksUp->Set(double(links));

    const ProcStat ps = readProcStat();
    if (ps.cpuSeconds > f.cpuSeen) {
        f.cpu->Increment(ps.cpuSeconds - f.cpuSeen);
        f.cpuSeen = ps.cpuSeconds;
    }
    f.rss->Set(ps.rssBytes);
    f.vsize->Set(ps.vsizeBytes);
    f.startTime->Set(ps.startTime);
    f.fds->Set(countOpenFds());
}

std::string ServerMetrics::render()
{
    std::lock_guard lock(m_mutex);
    fold();
    return prometheus::TextSerializer().Serialize(m_registry->Collect());
}

}  // namespace turno::server
