// RegistryAnnouncer: with --announce, this node announces itself in the Redis
// it uses: one key turno:registry:CLUSTER:NODE (JSON: name, pool, address, pid,
// cluster) with a TTL, refreshed three times per TTL from its own thread so the
// request loops never wait on it; follows the primary Sentinel names; deleted
// on clean shutdown, left to expire after a crash.
#pragma once

#include "options.h"
#include "shared_state.h"

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

struct redisContext;

namespace turno::server {

class RegistryAnnouncer {
public:
    RegistryAnnouncer(const ServerOptions &options, const RedisTarget &target);
    ~RegistryAnnouncer();
    RegistryAnnouncer(const RegistryAnnouncer &) = delete;
    RegistryAnnouncer &operator=(const RegistryAnnouncer &) = delete;

    // The key and value NodeRegistry (core/fleet/node_registry.h) reads.
    static std::string key(const std::string &cluster, const std::string &node);
    static std::string value(const ServerOptions &options, long long pid);

    void start();
    // Stops the beats and deletes the key, so an attached console sees the node
    // leave at once (a clean shutdown); returns when done or after the Redis timeout.
    void withdraw();

private:
    void run();
    bool beat();
    void removeKey();
    bool connect(std::string &why);
    void disconnect();
    // Logs a problem once, not every beat; an empty why after a problem logs the recovery.
    void report(const std::string &why);

    const ServerOptions &m_options;
    const RedisTarget &m_target;
    const std::string m_key;
    const std::string m_value;
    const int m_intervalMs;
    redisContext *m_ctx = nullptr;
    uint64_t m_generation = ~0ULL;
    std::string m_address;  // HOST:PORT of the Redis m_ctx talks to
    std::string m_lastProblem;
    std::string m_announcedAt;  // the Redis the last successful beat went to

    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
    std::thread m_thread;
};

}  // namespace turno::server
