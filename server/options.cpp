#include "options.h"

#include "turno_version.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace turno::server {

namespace {

bool parseInt(const std::string &s, int lo, int hi, int &out)
{
    int v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi)
        return false;
    out = v;
    return true;
}

// Cluster and pool names as cluster profiles allow them; no glob characters,
// so a reader's KEYS turno:registry:CLUSTER:* matches this cluster only.
bool registryName(const std::string &s)
{
    if (s.empty() || s.size() > 40)
        return false;
    for (const char c : s)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-'))
            return false;
    return true;
}

std::string trimNewline(std::string s)
{
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
        s.pop_back();
    return s;
}

}  // namespace

bool parseHostPort(const std::string &text, HostPort &out, std::string &why)
{
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
        why = "expected HOST:PORT, got '" + text + "'";
        return false;
    }
    int port = 0;
    if (!parseInt(text.substr(colon + 1), 0, 65535, port)) {
        why = "port in '" + text + "' is not a number from 0 to 65535";
        return false;
    }
    out.host = text.substr(0, colon);
    if (out.host.size() > 2 && out.host.front() == '[' && out.host.back() == ']')
        out.host = out.host.substr(1, out.host.size() - 2);
    out.port = uint16_t(port);
    return true;
}

std::string helpText()
{
    return "Usage: turno-server [OPTIONS]\n"
           "\n"
           "Hands out unique, consecutive numbers per id over HTTP:\n"
           "  GET /turno/ID  ->  200 {\"id\":\"ID\",\"turno\":N}\n"
           "IDs are 1-64 characters of [A-Za-z0-9._~-]. Also serves /metrics, /healthz, /readyz.\n"
           "\n"
           "Options (default in brackets):\n"
           "  --listen ADDR:PORT            address to listen on [127.0.0.1:7017]\n"
           "  --store memory|redis          where counters live [memory]; memory is for a single node\n"
           "  --redis HOST:PORT             Redis primary for --store redis [127.0.0.1:6379]\n"
           "  --sentinel HOST:PORT[,...]    find the primary through Redis Sentinel and follow failovers\n"
           "  --master NAME                 the Sentinel master name (required with --sentinel)\n"
           "  --redis-password-file FILE    file (mode 0600) holding the Redis password; or set\n"
           "                                TURNO_REDIS_PASSWORD (and TURNO_REDIS_USER for an ACL user)\n"
           "  --key-prefix PREFIX           Redis key prefix for counters [turno:]\n"
           "  --durability sync|async|auto  sync: answer only after WAIT confirms a replica has the\n"
           "                                increment; async: answer after INCR; auto: sync when the\n"
           "                                primary reports a replica, else async [auto]\n"
           "  --wait-replicas N             replicas WAIT must confirm in sync mode [1]\n"
           "  --wait-timeout-ms MS          WAIT timeout; on timeout the number is burned, 503 [200]\n"
           "  --redis-timeout-ms MS         a Redis reply slower than this drops the link, 503 [1000]\n"
           "  --retry-window-ms MS          while Redis is unreachable, read-only or without its replica\n"
           "                                (a failover), a request waits up to MS and runs again with a\n"
           "                                fresh increment instead of failing; 0 = fail at once [0]\n"
           "  --redis-connections N         Redis connections per thread, pipelined [1]\n"
           "  --threads N                   event loops, one SO_REUSEPORT socket each [number of cores]\n"
           "  --io uring|epoll              client socket I/O: io_uring (batched, multishot receive) or\n"
           "                                epoll; uring falls back to epoll where unavailable [uring]\n"
           "  --max-connections N           connections beyond this get 503 and are closed [10000]\n"
           "  --max-requests-per-connection N  then the connection is closed [100000]\n"
           "  --header-timeout-ms MS        time to receive a whole request head [5000]\n"
           "  --shed-high-water N           with N connections open the server is under pressure: a\n"
           "                                connection whose request head (or first request) has taken\n"
           "                                longer than --shed-header-timeout-ms is closed, and this holds\n"
           "                                until the count has stayed below N for --header-timeout-ms\n"
           "                                (slowloris defence) [max-connections / 10]\n"
           "  --shed-header-timeout-ms MS   request head time allowed under pressure [1000]\n"
           "  --idle-timeout-ms MS          keep-alive idle time before closing [60000]\n"
           "  --drain-timeout-ms MS         on SIGTERM, time to finish in-flight requests [10000]\n"
           "  --debug-token-file FILE       enable /debug/* endpoints, guarded by this bearer token\n"
           "  --node-name NAME              node name for logs, turno_build_info and the registry [host:port]\n"
           "  --announce CLUSTER            announce this node in the Redis it uses (--store redis): key\n"
           "                                turno:registry:CLUSTER:NODE, JSON {name,pool,address,pid,cluster},\n"
           "                                TTL refreshed every TTL/3, follows the Sentinel primary, deleted\n"
           "                                on SIGTERM; a console attached to CLUSTER finds the node\n"
           "  --advertise HOST:PORT         address announced for clients [the --listen address]; needed\n"
           "                                when listening on 0.0.0.0 or ::\n"
           "  --pool NAME                   pool announced in the registry [primary]\n"
           "  --announce-ttl-ms MS          registry key TTL; a killed node vanishes within it [3000]\n"
           "  --help                        this text\n"
           "  --version                     print the version\n"
           "\n"
           "Exit codes: 0 clean shutdown, 1 drain timed out, 2 usage or configuration error,\n"
           "3 could not listen (address in use or not permitted).\n";
}

ParseOutcome parseOptions(int argc, const char *const *argv, const char *(*getenvFn)(const char *))
{
    ParseOutcome r;
    ServerOptions &o = r.options;
    auto fail = [&r](std::string msg) {
        r.ok = false;
        r.exitNow = true;
        r.exitCode = 2;
        r.message = "turno-server: " + std::move(msg) + "\nRun 'turno-server --help' for the options.";
        return r;
    };
    std::string passwordFile;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        std::string value;
        bool hasInlineValue = false;
        if (arg.rfind("--", 0) == 0) {
            const auto eq = arg.find('=');
            if (eq != std::string::npos) {
                value = arg.substr(eq + 1);
                arg = arg.substr(0, eq);
                hasInlineValue = true;
            }
        }
        auto next = [&](std::string &dst) {
            if (hasInlineValue) {
                dst = value;
                return true;
            }
            if (i + 1 >= argc)
                return false;
            dst = argv[++i];
            return true;
        };
        auto needInt = [&](int lo, int hi, int &dst) -> bool {
            std::string v;
            if (!next(v) || !parseInt(v, lo, hi, dst))
                return false;
            return true;
        };
        std::string v, why;
        if (arg == "--help" || arg == "-h") {
            r.ok = true;
            r.exitNow = true;
            r.message = helpText();
            return r;
        } else if (arg == "--version" || arg == "-V") {
            r.ok = true;
            r.exitNow = true;
            r.message = std::string("turno-server ") + TURNO_VERSION + "\n";
            return r;
        } else if (arg == "--listen") {
            if (!next(v))
                return fail("--listen needs ADDR:PORT");
            if (!parseHostPort(v, o.listen, why))
                return fail("--listen: " + why);
        } else if (arg == "--store") {
            if (!next(v))
                return fail("--store needs memory or redis");
            if (v == "memory")
                o.store = StoreKind::Memory;
            else if (v == "redis")
                o.store = StoreKind::Redis;
            else
                return fail("--store must be memory or redis, got '" + v + "'");
        } else if (arg == "--redis") {
            if (!next(v) || !parseHostPort(v, o.redis, why))
                return fail("--redis: " + (why.empty() ? std::string("needs HOST:PORT") : why));
        } else if (arg == "--sentinel") {
            if (!next(v))
                return fail("--sentinel needs HOST:PORT[,HOST:PORT...]");
            std::stringstream ss(v);
            std::string item;
            while (std::getline(ss, item, ',')) {
                HostPort hp;
                if (!parseHostPort(item, hp, why))
                    return fail("--sentinel: " + why);
                o.sentinels.push_back(hp);
            }
        } else if (arg == "--master") {
            if (!next(o.masterName) || o.masterName.empty())
                return fail("--master needs the Sentinel master name");
        } else if (arg == "--redis-password") {
            return fail("--redis-password is not accepted: a password on the command line is visible to every "
                        "user in /proc. Use TURNO_REDIS_PASSWORD or --redis-password-file FILE");
        } else if (arg == "--redis-password-file") {
            if (!next(passwordFile))
                return fail("--redis-password-file needs a FILE");
        } else if (arg == "--key-prefix") {
            if (!next(o.keyPrefix))
                return fail("--key-prefix needs a PREFIX");
        } else if (arg == "--durability") {
            if (!next(v))
                return fail("--durability needs sync or async");
            if (v == "sync")
                o.durability = Durability::Sync;
            else if (v == "async")
                o.durability = Durability::Async;
            else if (v == "auto")
                o.durability = Durability::Auto;
            else
                return fail("--durability must be sync, async or auto, got '" + v + "'");
            o.durabilityGiven = true;
        } else if (arg == "--wait-replicas") {
            if (!needInt(1, 16, o.waitReplicas))
                return fail("--wait-replicas needs a number from 1 to 16");
        } else if (arg == "--wait-timeout-ms") {
            if (!needInt(1, 60000, o.waitTimeoutMs))
                return fail("--wait-timeout-ms needs a number from 1 to 60000");
        } else if (arg == "--redis-timeout-ms") {
            if (!needInt(10, 600000, o.redisTimeoutMs))
                return fail("--redis-timeout-ms needs a number from 10 to 600000");
        } else if (arg == "--retry-window-ms") {
            if (!needInt(0, 60000, o.retryWindowMs))
                return fail("--retry-window-ms needs a number from 0 to 60000");
        } else if (arg == "--redis-connections") {
            if (!needInt(1, 64, o.redisConnectionsPerThread))
                return fail("--redis-connections needs a number from 1 to 64");
        } else if (arg == "--io") {
            if (!next(v))
                return fail("--io needs uring or epoll");
            if (v == "uring")
                o.io = IoBackend::Uring;
            else if (v == "epoll")
                o.io = IoBackend::Epoll;
            else
                return fail("--io must be uring or epoll, got '" + v + "'");
        } else if (arg == "--threads") {
            if (!needInt(1, 256, o.threads))
                return fail("--threads needs a number from 1 to 256");
        } else if (arg == "--max-connections") {
            if (!needInt(1, 1000000, o.maxConnections))
                return fail("--max-connections needs a number from 1 to 1000000");
        } else if (arg == "--max-requests-per-connection") {
            if (!needInt(1, 1000000000, o.maxRequestsPerConnection))
                return fail("--max-requests-per-connection needs a number from 1 to 1000000000");
        } else if (arg == "--header-timeout-ms") {
            if (!needInt(10, 3600000, o.headerTimeoutMs))
                return fail("--header-timeout-ms needs a number from 10 to 3600000");
        } else if (arg == "--shed-high-water") {
            if (!needInt(1, 1000000, o.shedHighWater))
                return fail("--shed-high-water needs a number from 1 to 1000000");
        } else if (arg == "--shed-header-timeout-ms") {
            if (!needInt(10, 3600000, o.shedHeaderTimeoutMs))
                return fail("--shed-header-timeout-ms needs a number from 10 to 3600000");
        } else if (arg == "--idle-timeout-ms") {
            if (!needInt(10, 86400000, o.idleTimeoutMs))
                return fail("--idle-timeout-ms needs a number from 10 to 86400000");
        } else if (arg == "--drain-timeout-ms") {
            if (!needInt(0, 3600000, o.drainTimeoutMs))
                return fail("--drain-timeout-ms needs a number from 0 to 3600000");
        } else if (arg == "--debug-token-file") {
            if (!next(o.debugTokenFile))
                return fail("--debug-token-file needs a FILE");
        } else if (arg == "--node-name") {
            if (!next(o.nodeName))
                return fail("--node-name needs a NAME");
        } else if (arg == "--announce") {
            if (!next(o.announceCluster))
                return fail("--announce needs a CLUSTER name");
            if (!registryName(o.announceCluster))
                return fail("--announce: cluster name '" + o.announceCluster +
                            "' must be 1-40 characters of A-Z a-z 0-9 . _ - (as a cluster profile's name)");
        } else if (arg == "--advertise") {
            if (!next(v) || !parseHostPort(v, o.advertise, why))
                return fail("--advertise: " + (why.empty() ? std::string("needs HOST:PORT") : why));
            if (o.advertise.port == 0)
                return fail("--advertise: port 0 cannot be reached; give the port clients use");
        } else if (arg == "--pool") {
            if (!next(o.pool) || !registryName(o.pool))
                return fail("--pool needs a NAME of 1-40 characters of A-Z a-z 0-9 . _ -");
        } else if (arg == "--announce-ttl-ms") {
            if (!needInt(300, 3600000, o.announceTtlMs))
                return fail("--announce-ttl-ms needs a number from 300 to 3600000");
        } else {
            return fail("unknown option '" + arg + "'");
        }
    }

    if (!o.sentinels.empty() && o.masterName.empty())
        return fail("--sentinel needs --master NAME too");
    if (o.sentinels.empty() && !o.masterName.empty())
        return fail("--master is only meaningful with --sentinel");
    if (o.store == StoreKind::Memory && (!o.sentinels.empty() || o.durabilityGiven))
        return fail("--sentinel and --durability apply to --store redis only");

    if (!passwordFile.empty()) {
        struct stat st {};
        if (::stat(passwordFile.c_str(), &st) != 0)
            return fail("--redis-password-file " + passwordFile + ": " + std::strerror(errno));
        if ((st.st_mode & 077) != 0)
            return fail("--redis-password-file " + passwordFile +
                        " is readable by group or others; chmod 600 it");
        std::ifstream in(passwordFile);
        std::string line;
        std::getline(in, line);
        o.redisPassword = trimNewline(line);
        if (o.redisPassword.empty())
            return fail("--redis-password-file " + passwordFile + " is empty");
    } else if (const char *pw = getenvFn("TURNO_REDIS_PASSWORD"); pw && *pw) {
        o.redisPassword = pw;
    }
    if (const char *user = getenvFn("TURNO_REDIS_USER"); user && *user)
        o.redisUser = user;
    if (o.shedHighWater == 0)
        o.shedHighWater = o.maxConnections / 10 > 0 ? o.maxConnections / 10 : 1;
    if (o.nodeName.empty())
        o.nodeName = o.listen.host + ":" + std::to_string(o.listen.port);
    if (!o.announceCluster.empty()) {
        if (o.store != StoreKind::Redis)
            return fail("--announce needs --store redis: the registry lives in the Redis the nodes share");
        if (o.advertise.host.empty()) {
            if (o.listen.host == "0.0.0.0" || o.listen.host == "::" || o.listen.host.empty())
                return fail("--announce: listening on " + o.listen.host +
                            " says nothing about where clients reach this node; give --advertise HOST:PORT");
            o.advertise = o.listen;
        }
        for (const char c : o.nodeName)
            if (static_cast<unsigned char>(c) < 0x21 || c == '*' || c == '?' || c == '[' || c == ']' || c == '\\')
                return fail("--announce: node name '" + o.nodeName +
                            "' has a blank, control or glob character (it is part of a Redis key); set --node-name");
    } else if (o.advertise.port != 0 || o.pool != "primary" || o.announceTtlMs != 3000) {
        return fail("--advertise, --pool and --announce-ttl-ms apply with --announce CLUSTER only");
    }
    r.ok = true;
    return r;
}

}  // namespace turno::server
