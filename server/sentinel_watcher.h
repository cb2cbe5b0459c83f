// SentinelWatcher: finds the current Redis primary through Redis Sentinel
// (SENTINEL get-master-addr-by-name) and follows +switch-master, publishing
// the address into RedisTarget so every event loop reconnects there.
#pragma once

#include "options.h"
#include "shared_state.h"

#include <atomic>
#include <functional>
#include <thread>

namespace turno::server {

class SentinelWatcher {
public:
    SentinelWatcher(const ServerOptions &options, RedisTarget &target, std::function<void()> onChange);
    ~SentinelWatcher();
    // Asks the sentinels once, synchronously; true when one named a primary.
    bool resolveOnce();
    void start();
    void stop();

private:
    void run();
    bool query(const HostPort &sentinel, std::string &host, uint16_t &port, std::string &why);
    void publish(const std::string &host, uint16_t port);

    const ServerOptions &m_options;
    RedisTarget &m_target;
    std::function<void()> m_onChange;
    static constexpr uint64_t kFollowGraceNs = 3'000'000'000ULL;
    std::string m_lastHost;  // Sentinel's previous answer
    uint16_t m_lastPort = 0;
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
};

}  // namespace turno::server
