// LoadWorker: one generator thread. Drives its share of the connections with
// raw epoll and non-blocking sockets, checks every answer, and hands interval
// figures to the coordinator under a mutex a few times a second. No Qt here.
#pragma once

#include "latency_histogram.h"
#include "load_report.h"
#include "turno_ledger.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <netinet/in.h>
#include <functional>
#include <string>
#include <vector>

namespace turno {

// What every worker shares, read-only once the run starts.
struct LoadPlan {
    sockaddr_in address{};
    std::vector<std::string> ids;
    std::vector<std::string> requests;   // the full GET request per id
    std::vector<std::string> prefixes;   // canonical answer prefix per id
    std::vector<double> zipfCdf;         // empty unless the pattern is Zipf
    int totalConnections = 1;
    double rate = 0;                     // all connections together; 0: closed loop
    uint64_t startNs = 0;
    uint64_t endNs = 0;                  // no new request after this
    uint64_t drainNs = 0;                // how long answers in flight are awaited after endNs
    uint64_t timeoutNs = 0;
    size_t maxExamples = 10;
    std::atomic<bool> stop{false};
    const std::atomic<bool> *externalStop = nullptr;  // the caller's stop request, seen without waiting for a tick
    std::function<void(uint32_t, uint64_t, uint64_t)> answerObserver;  // LoadConfig::answerObserver

    bool stopped() const
    {
        return stop.load(std::memory_order_relaxed) || (externalStop && externalStop->load(std::memory_order_relaxed));
    }
};

struct LoadCounters {
    uint64_t sent = 0;
    uint64_t answers = 0;
    uint64_t ok = 0;
    uint64_t duplicates = 0;
    uint64_t reconnects = 0;
    LoadErrorCounts errors{};
    void add(const LoadCounters &o);
};

class LoadWorker {
public:
    LoadWorker(const LoadPlan &plan, int firstConnection, int connectionCount, uint64_t budget, uint64_t seed);
    ~LoadWorker();
    LoadWorker(const LoadWorker &) = delete;
    LoadWorker &operator=(const LoadWorker &) = delete;

    void run();

    // Coordinator side: moves what was published since the last call into the arguments.
    void takeInterval(LatencyHistogram *histogram, LoadCounters *counters);

    // Valid after run() returned.
    const LatencyHistogram &totalHistogram() const { return m_total; }
    const LoadCounters &totals() const { return m_counters; }
    const TurnoLedger &ledger() const { return m_ledger; }
    const std::vector<TurnoExample> &duplicateExamples() const { return m_duplicateExamples; }
    const std::array<uint64_t, 600> &statuses() const { return m_statuses; }
    uint64_t unanswered() const { return m_unanswered; }
    uint64_t finishedNs() const { return m_finishedNs; }

private:
    enum class ConnState { Closed, Connecting, Idle, Sending, Awaiting };
    static constexpr size_t kBufferSize = 16 * 1024;

    struct Connection {
        int fd = -1;
        ConnState state = ConnState::Closed;
        bool wantWrite = false;
        bool sendWhenConnected = false;
        uint32_t idIndex = 0;
        size_t written = 0;
        uint64_t intendedNs = 0;   // open loop: when this request was due
        uint64_t sentNs = 0;
        uint64_t connectNs = 0;    // when the current connect() started
        uint64_t sequence = 0;     // open loop: index of the next request on this connection
        uint64_t timerNs = 0;      // 0: no timer armed
        uint32_t generation = 0;   // bumped per socket, so a stale event never acts on a new one
        size_t length = 0;
        char buffer[kBufferSize];
    };
    struct Timer {
        uint64_t atNs;
        uint32_t connection;
        bool operator>(const Timer &o) const { return atNs > o.atNs; }
    };

    void openConnection(uint32_t c, uint64_t now);
    void closeConnection(uint32_t c);
    void reconnectLater(uint32_t c, uint64_t now);
    void onConnected(uint32_t c, uint64_t now);
    void onReadable(uint32_t c, uint64_t now);
    void onWritable(uint32_t c, uint64_t now);
    void startRequest(uint32_t c, uint64_t now);
    void writeRequest(uint32_t c, uint64_t now);
    void finishAnswer(uint32_t c, int status, const char *body, size_t bodyLength, bool closeAfter, uint64_t now);
    void scheduleNext(uint32_t c, uint64_t now);
    void setWantWrite(uint32_t c, bool want);
    void armTimer(uint32_t c, uint64_t atNs);
    void countError(LoadErrorKind kind);
    bool mayIssue(uint64_t now) const;
    uint32_t pickId();
    void publish();
    void checkTimeouts(uint64_t now);
    int inFlight() const;

    const LoadPlan &m_plan;
    const int m_first;
    std::vector<Connection> m_connections;
    uint64_t m_budget;  // 0: unlimited
    uint64_t m_rng;
    uint64_t m_intervalNs = 0;  // open loop: per-connection spacing
    int m_epoll = -1;
    std::vector<Timer> m_timers;  // min-heap
    std::string m_scratch;

    LatencyHistogram m_total;
    LatencyHistogram m_interval;
    LoadCounters m_counters;
    LoadCounters m_intervalCounters;
    TurnoLedger m_ledger;
    std::vector<TurnoExample> m_duplicateExamples;
    std::array<uint64_t, 600> m_statuses{};
    uint64_t m_unanswered = 0;
    uint64_t m_finishedNs = 0;

    std::mutex m_publishMutex;
    LatencyHistogram m_published;
    LoadCounters m_publishedCounters;
};

}  // namespace turno
