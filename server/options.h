// ServerOptions: turno-server's command line, parsed and validated. Secrets
// (the Redis password) never come from argv: environment or a 0600 file only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace turno::server {

enum class StoreKind { Memory, Redis };
enum class Durability { Auto, Sync, Async };
enum class IoBackend { Uring, Epoll };

struct HostPort {
    std::string host;
    uint16_t port = 0;
};

struct ServerOptions {
    HostPort listen{"127.0.0.1", 7017};
    StoreKind store = StoreKind::Memory;
    HostPort redis{"127.0.0.1", 6379};
    std::vector<HostPort> sentinels;
    std::string masterName;
    std::string redisPassword;       // from TURNO_REDIS_PASSWORD or --redis-password-file
    std::string redisUser;           // from TURNO_REDIS_USER (ACL user), optional
    std::string keyPrefix = "turno:";
    int threads = 0;                 // 0: one per core
    IoBackend io = IoBackend::Uring; // falls back to epoll when io_uring is unavailable
    Durability durability = Durability::Auto;
    bool durabilityGiven = false;
    int waitReplicas = 1;
    int waitTimeoutMs = 200;
    int redisTimeoutMs = 1000;
    int retryWindowMs = 0;  // a request whose increment failed for a transient reason waits this long for a retry
    int redisConnectionsPerThread = 1;
    int maxConnections = 10000;
    int maxRequestsPerConnection = 100000;
    int headerTimeoutMs = 5000;
    // Under pressure (this many connections open; 0: max-connections / 10) a
    // request head, or a first request, slower than shedHeaderTimeoutMs is shed.
    int shedHighWater = 0;
    int shedHeaderTimeoutMs = 1000;
    int idleTimeoutMs = 60000;
    int drainTimeoutMs = 10000;
    std::string debugTokenFile;      // enables /debug/* with this bearer token
    std::string nodeName;            // label in build info and logs
    // Discovery (--announce): a registry key per node in Redis, see registry_announcer.h.
    std::string announceCluster;     // empty: not announced
    HostPort advertise;              // address written in the registry; default --listen
    std::string pool = "primary";
    int announceTtlMs = 3000;
};

struct ParseOutcome {
    bool ok = false;
    bool exitNow = false;  // --help / --version handled
    int exitCode = 0;
    std::string message;   // error or text to print
    ServerOptions options;
};

ParseOutcome parseOptions(int argc, const char *const *argv, const char *(*getenvFn)(const char *));
std::string helpText();
bool parseHostPort(const std::string &text, HostPort &out, std::string &why);

}  // namespace turno::server
