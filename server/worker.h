// Worker: one event loop thread. Owns a SO_REUSEPORT listening socket, its
// client connections and its Redis links; answers pipelined requests in order
// with one write per read where it can.
#pragma once

#include "http_request_parser.h"
#include "redis_link.h"
#include "shared_state.h"

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace turno::server {

class Worker final : public IncrementSink {
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

private:
    struct Slot {
        bool ready = false;
        std::string bytes;
    };
    struct Conn {
        int fd = -1;
        uint32_t gen = 0;
        std::string in;
        std::string out;
        size_t outOffset = 0;
        std::deque<Slot> slots;  // responses after the first one still waiting on Redis
        uint64_t headSeq = 0;
        uint64_t acceptedNs = 0;
        uint64_t lastActivityNs = 0;
        uint64_t headStartNs = 0;  // a partial request head has been waiting since
        uint64_t lingerSinceNs = 0;
        uint32_t served = 0;
        uint32_t epollMask = 0;
        bool closing = false;      // close once everything queued is written
        bool lingering = false;    // write side shut; discarding input until EOF
        bool shed = false;         // shut down under pressure; closes on the EOF that follows
        bool dirty = false;
        bool open = false;
        // io_uring backend: bytes handed to the kernel, which must stay put
        // until the send completes, while new responses gather in `out`.
        std::string sending;
        size_t sendingOffset = 0;
        bool sendInFlight = false;
        bool recvArmed = false;
    };
    struct Uring;

    bool setupUring();
    void runUringIteration(bool &epollReady, bool poll);
    void armRecv(Conn &c);
    void submitSend(Conn &c);
    void cancelUringOps(Conn &c);
    void onUringCompletion(uint64_t userData, int res, uint32_t flags, bool &epollReady);
    void onRecvData(Conn &c, const char *data, size_t len);
    void onEof(Conn &c);
    void afterOutputDrained(Conn &c);
    static bool outputIdle(const Conn &c);
    void handleEpollEvents(int timeoutMs);
    void acceptAll();
    void onReadable(Conn &c);
    void onWritable(Conn &c);
    void process(Conn &c, const char *data, size_t len, bool fromConnBuffer);
    void handle(Conn &c, const HttpRequest &req, uint64_t startNs);
    void respond(Conn &c, int status, std::string_view contentType, std::string_view body, bool keepAlive,
                 bool headOnly, std::string_view extraHeaders, int methodIndex, uint64_t startNs);
    void respondJsonError(Conn &c, int status, std::string_view message, bool keepAlive, bool headOnly,
                          std::string_view extraHeaders, int methodIndex, uint64_t startNs);
    void buildResponse(std::string &out, int status, std::string_view contentType, std::string_view body,
                       bool keepAlive, bool headOnly, std::string_view extraHeaders);
    static std::string jsonError(int status, std::string_view message);
    std::string &emitTarget(Conn &c);
    void flush(Conn &c);
    void setMask(Conn &c, uint32_t mask);
    void closeConn(Conn &c);
    void startLinger(Conn &c);
    void sweep(uint64_t nowNs);
    void shedSome();
    void refreshDate();
    bool ready() const;
    void serveDebug(Conn &c, const HttpRequest &req, std::string_view path, std::string_view query, int methodIndex,
                    uint64_t startNs);
    Conn *connFor(int fd, uint32_t gen);

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
    std::vector<std::unique_ptr<Conn>> m_conns;  // indexed by fd
    size_t m_open = 0;
    std::vector<Conn *> m_dirty;
    std::vector<std::unique_ptr<RedisLink>> m_links;
    size_t m_nextLink = 0;
    std::string m_readBuffer;
    char m_date[40] = {};
    size_t m_dateLen = 0;
    long m_dateSecond = -1;
    bool m_drainSeen = false;
    std::string m_logPrefix;
    std::unique_ptr<Uring> m_uring;  // set when the io_uring backend runs
    bool m_epollMaybeReady = false;
    Handler m_handler = Handler::Other;  // what the request being answered is for
};

}  // namespace turno::server
