// RedisLink: one pipelined hiredis async connection driven by a worker's epoll
// loop. Increments run as one Lua script (INCR that refuses to pass 2^53-1);
// in sync durability one WAIT per loop iteration confirms a whole batch.
#pragma once

#include "server_metrics.h"
#include "shared_state.h"

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

struct redisAsyncContext;
struct redisReply;

namespace turno::server {

struct PendingIncrement {
    int connFd = -1;
    uint32_t connGen = 0;
    uint64_t seq = 0;
    uint64_t startNs = 0;
    bool keepAlive = true;
    bool sync = false;  // decided at submit: waits for this batch's WAIT
    bool http10 = false;
    uint8_t methodIndex = 0;
    uint64_t retryUntilNs = 0;  // parked for a retry until then (0: not parked yet)
    bool burned = false;        // an earlier attempt may have consumed a number
    std::string id;
};

enum class IncrementOutcome : uint8_t { Issued, Exhausted, Failed };

// Implemented by the worker: turns a finished increment into a response.
class IncrementSink {
public:
    virtual void completeIncrement(const PendingIncrement &p, IncrementOutcome outcome, uint64_t value,
                                   StoreError error, bool burned) = 0;

protected:
    ~IncrementSink() = default;
};

class RedisLink {
public:
    RedisLink(int epollFd, uint64_t epollTag, SharedState &shared, WorkerStats &stats, IncrementSink &sink,
              const char *logPrefix);
    ~RedisLink();
    RedisLink(const RedisLink &) = delete;
    RedisLink &operator=(const RedisLink &) = delete;

    bool ready() const { return m_ready; }
    // Ready, or down for less than the retry window (requests wait for it): what /readyz reports.
    bool readyOrRecovering(uint64_t nowNs) const;
    size_t outstanding() const { return m_deadlines.size() + m_parked.size(); }
    // Queues an increment; answered through the sink (possibly at once when down).
    void submit(PendingIncrement p);
    // End of a loop iteration: add the batch's WAIT, write everything queued.
    void afterBatch();
    void onEpoll(uint32_t events);
    // Reconnects, timeouts, role checks; call a few times a second.
    void tick(uint64_t nowNs);
    // The primary moved (Sentinel): drop this connection and connect there.
    void retarget();
    void shutdown();

private:
    static void onConnect(const redisAsyncContext *ac, int status);
    static void onDisconnect(const redisAsyncContext *ac, int status);
    static void onIncrementReply(redisAsyncContext *ac, void *reply, void *priv);
    static void onWaitReply(redisAsyncContext *ac, void *reply, void *priv);
    static void onScriptLoaded(redisAsyncContext *ac, void *reply, void *priv);
    static void onAuth(redisAsyncContext *ac, void *reply, void *priv);
    static void onRole(redisAsyncContext *ac, void *reply, void *priv);
    static void adapterAddRead(void *p);
    static void adapterDelRead(void *p);
    static void adapterAddWrite(void *p);
    static void adapterDelWrite(void *p);
    static void adapterCleanup(void *p);

    void connect(uint64_t nowNs);
    void dropConnection(StoreError why);
    void failAll(StoreError why);
    // A failure that consumed nothing for sure, or whose number stays burned: within the
    // retry window the request waits for the link (a failover, a reconnect) and runs again
    // with a fresh increment; after it, the client gets the 503.
    void failOrPark(PendingIncrement p, StoreError why, bool burned);
    void resubmitParked();
    void expireParked(uint64_t nowNs);
    void updateEpoll();
    void sendCommand(void (*cb)(redisAsyncContext *, void *, void *), uint64_t extraTimeoutNs, int argc,
                     const char **argv, const size_t *lens);
    void finishIncrement(const PendingIncrement &p, uint64_t value);
    bool syncMode() const;

    int m_epollFd;
    uint64_t m_epollTag;
    SharedState &m_shared;
    WorkerStats &m_stats;
    IncrementSink &m_sink;
    std::string m_log;

    redisAsyncContext *m_ac = nullptr;
    int m_fd = -1;
    bool m_wantRead = false;
    bool m_wantWrite = false;
    uint32_t m_registered = 0;
    bool m_connected = false;
    bool m_ready = false;
    bool m_resetRequested = false;
    bool m_isReplica = false;
    int m_replicas = -1;  // from ROLE; -1 unknown
    StoreError m_failKind = StoreError::Unavailable;
    std::string m_sha;
    std::string m_targetHost;
    uint16_t m_targetPort = 0;
    uint64_t m_targetGeneration = ~0ULL;

    uint64_t m_connectStartNs = 0;
    uint64_t m_nextConnectNs = 0;
    uint64_t m_backoffNs = 50'000'000;
    uint64_t m_lastRoleNs = 0;
    bool m_loggedDown = false;

    std::deque<PendingIncrement> m_pending;             // EVALSHA sent, reply awaited
    uint64_t m_downSinceNs = 0;                         // when a ready link went down (0: ready, or never was)
    std::deque<PendingIncrement> m_parked;              // waiting for the link to come back (retry window)
    std::vector<std::pair<PendingIncrement, uint64_t>> m_awaitingWait;  // sync: INCR done, WAIT not yet
    size_t m_incrSinceWait = 0;
    std::deque<uint64_t> m_deadlines;                    // per outstanding command, in send order
};

}  // namespace turno::server
