// Worker: one event loop thread. Owns a SO_REUSEPORT listening socket, its
// client connections and its Redis links; answers pipelined requests in order
// with one write per read where it can. How bytes move is its IoDriver's job
// (epoll or io_uring), what a request gets is its Router's.
#pragma once

#include "connection_events.h"
#include "connection_table.h"
#include "http_request_parser.h"
#include "io_driver.h"
#include "redis_links.h"
#include "response_builder.h"
#include "router.h"
#include "shared_state.h"

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace turno::server {

class Worker final : public IncrementSink, public ConnectionEvents {
public:
    Worker(int index, SharedState &shared, WorkerStats &stats);
    ~Worker();
    Worker(const Worker &) = delete;
    Worker &operator=(const Worker &) = delete;

    // Creates and binds the listening socket; false with why (port in use, ...).
    bool listen(std::string &why);
    void run();
    // Wakes the loop from another thread (drain, stop, primary moved).
    void wake();

    void completeIncrement(const PendingIncrement &p, IncrementOutcome outcome, uint64_t value, StoreError error,
                           bool burned) override;

    void received(Connection &c, const char *data, size_t len, bool inBuffer) override;
    void peerClosed(Connection &c) override;
    void broken(Connection &c) override { closeConn(c); }
    void outputDrained(Connection &c) override;
    void controlReady(EpollTag kind, uint32_t value, uint32_t events) override;

private:
    void startIo();
    // One loop pass after the I/O: shedding, Redis batches, queued flushes, the date.
    void afterEvents();
    // Drain, the periodic sweep; false once the loop should end.
    bool housekeeping(uint64_t &lastSweep);
    void acceptAll();
    bool outputIdle(const Connection &c) const;
    void replyError(Connection &c, int status, std::string_view message, uint64_t startNs);
    void closeConn(Connection &c);
    void startLinger(Connection &c);
    void sweep(uint64_t nowNs);
    void resumeListening(uint64_t nowNs);
    void updatePressure(uint64_t nowNs);
    void shedSome();
    bool shedPending() const { return m_shedNext < m_shedQueue.size(); }

    int m_index;
    SharedState &m_shared;
    WorkerStats &m_stats;
    ParserLimits m_limits;
    int m_epoll = -1;
    int m_listen = -1;
    int m_wakeFd = -1;
    bool m_listenPaused = false;
    uint64_t m_listenPausedUntilNs = 0;
    uint64_t m_pressureUntilNs = 0;  // slow request heads are shed until then (--shed-high-water)
    bool m_underPressure = false;
    // Connections the last sweep found too slow under pressure, shed a few per
    // loop pass so the requests of everyone else are served in between.
    std::vector<std::pair<int, uint32_t>> m_shedQueue;  // fd, generation
    size_t m_shedNext = 0;
    ConnectionTable m_conns;
    size_t m_open = 0;
    // Connections whose Redis answers came in this pass, flushed at its end.
    std::vector<Connection *> m_dirty;
    uint64_t m_flushPass = 1;
    std::string m_logPrefix;
    ResponseBuilder m_builder;
    RedisLinks m_links;
    Router m_router;
    std::unique_ptr<IoDriver> m_io;  // made on the loop's thread, in run()
    bool m_drainSeen = false;
};

}  // namespace turno::server
