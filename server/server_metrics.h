// ServerMetrics: turno-server's Prometheus metrics. Each event loop counts into
// its own WorkerStats (single writer, relaxed atomics, no shared cache lines on
// the hot path); a scrape folds the deltas into prometheus-cpp's registry and
// renders it with TextSerializer.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace prometheus {
class Registry;
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace turno::server {

enum class StoreError : uint8_t { Unavailable, Timeout, WaitTimeout, Readonly, NoReplicas, Rollback, Reply, Count };
const char *storeErrorName(StoreError e);

// Status codes the server answers; the index is the metric's label slot.
constexpr std::array<int, 14> kStatusCodes = {200, 400, 401, 404, 405, 408, 409, 413, 414, 431, 500, 501, 503, 505};
int statusIndex(int status);

// What a request was for: the turno API, or the operational endpoints (health
// checks and scrapes must not count as load, nor weigh on the latency figures).
enum class Handler : uint8_t { Turno, Metrics, Healthz, Readyz, Debug, Other, Count };
const char *handlerName(Handler h);

constexpr std::array<double, 16> kDurationBuckets = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                     0.025,   0.05,   0.1,     0.25,   0.5,   1.0,    2.5,   5.0};

struct alignas(64) WorkerStats {
    using C = std::atomic<uint64_t>;
    C requests[size_t(Handler::Count)][kStatusCodes.size()][3] = {};  // [handler][status][GET, HEAD, other]
    C durationBuckets[kDurationBuckets.size() + 1] = {};
    C durationSumNs{0};
    C redisBuckets[kDurationBuckets.size() + 1] = {};
    C redisSumNs{0};
    C issued{0};
    C burned{0};
    C storeErrors[size_t(StoreError::Count)] = {};
    C connectionsRejected{0};
    std::atomic<int64_t> inFlight{0};
    std::atomic<int64_t> openConnections{0};
    std::atomic<int64_t> redisLinksUp{0};

    static void add(C &c, uint64_t n = 1) { c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
    // Every answer is counted; only /turno/ answers go into the latency histogram.
    void countRequest(Handler handler, int status, int methodIndex, uint64_t durationNs);
    void observeRedis(uint64_t ns);
};

class ServerMetrics {
public:
    ServerMetrics(int workers, const std::string &version, const std::string &store, const std::string &durability,
                  const std::string &node);
    ~ServerMetrics();

    WorkerStats &worker(int i) { return *m_workers[size_t(i)]; }
    // Prometheus text exposition 0.0.4 of everything, current as of this call.
    std::string render();

private:
    struct Folded;
    void fold();
    std::vector<std::unique_ptr<WorkerStats>> m_workers;
    std::shared_ptr<prometheus::Registry> m_registry;
    std::unique_ptr<Folded> m_folded;
    std::mutex m_mutex;
};

}  // namespace turno::server
