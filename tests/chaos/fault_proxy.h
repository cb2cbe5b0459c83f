// FaultProxy: a small TCP proxy for the chaos tests, in the spirit of toxiproxy,
// because this kernel has no netem qdisc. It forwards one listening address to
// one upstream and, while toxics are set, delays every chunk (latency + jitter),
// holds a chunk back as a lost segment would be (a retransmission timeout), or
// resets the connection. Plain POSIX on one thread of its own; no Qt.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace turno::test {

struct Toxics {
    int latencyMs = 0;         // added to every chunk, each direction
    int jitterMs = 0;          // uniform 0..jitter on top
    double lossRate = 0;       // share of chunks held back lossHoldMs (a TCP retransmission)
    int lossHoldMs = 200;
    double resetRate = 0;      // share of chunks that reset the connection instead
};

class FaultProxy {
public:
    FaultProxy() = default;
    ~FaultProxy();
    FaultProxy(const FaultProxy &) = delete;
    FaultProxy &operator=(const FaultProxy &) = delete;

    // Listens on listenHost:listenPort (0: any free port, see port()) and
    // forwards to upstreamHost:upstreamPort (IPv4 literals). False with why.
    bool start(const std::string &listenHost, uint16_t listenPort, const std::string &upstreamHost,
               uint16_t upstreamPort, std::string *why);
    void stop();
    uint16_t port() const { return m_port; }

    void setToxics(const Toxics &toxics);
    void clearToxics() { setToxics(Toxics{}); }

    uint64_t connections() const { return m_connections.load(); }
    uint64_t chunksDelayed() const { return m_delayed.load(); }
    uint64_t chunksLost() const { return m_lost.load(); }
    uint64_t resets() const { return m_resets.load(); }

private:
    void loop();

    int m_listenFd = -1;
    int m_wakeFd = -1;
    uint16_t m_port = 0;
    std::string m_upstreamHost;
    uint16_t m_upstreamPort = 0;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    std::mutex m_toxicsMutex;
    Toxics m_toxics;
    std::atomic<uint64_t> m_connections{0}, m_delayed{0}, m_lost{0}, m_resets{0};
};

}  // namespace turno::test
