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

namespace {

// The options that take a bounded integer; each refuses with "NAME needs a
// number from LO to HI".
struct IntOption {
    const char *name;
    int lo;
    int hi;
    int ServerOptions::*field;
};

constexpr IntOption kIntOptions[] = {
    {"--wait-replicas", 1, 16, &ServerOptions::waitReplicas},
    {"--wait-timeout-ms", 1, 60000, &ServerOptions::waitTimeoutMs},
    {"--redis-timeout-ms", 10, 600000, &ServerOptions::redisTimeoutMs},
    {"--retry-window-ms", 0, 60000, &ServerOptions::retryWindowMs},
    {"--redis-connections", 1, 64, &ServerOptions::redisConnectionsPerThread},
    {"--threads", 1, 256, &ServerOptions::threads},
    {"--max-connections", 1, 1000000, &ServerOptions::maxConnections},
    {"--max-requests-per-connection", 1, 1000000000, &ServerOptions::maxRequestsPerConnection},
    {"--header-timeout-ms", 10, 3600000, &ServerOptions::headerTimeoutMs},
    {"--shed-high-water", 1, 1000000, &ServerOptions::shedHighWater},
    {"--shed-header-timeout-ms", 10, 3600000, &ServerOptions::shedHeaderTimeoutMs},
    {"--idle-timeout-ms", 10, 86400000, &ServerOptions::idleTimeoutMs},
    {"--drain-timeout-ms", 0, 3600000, &ServerOptions::drainTimeoutMs},
    {"--announce-ttl-ms", 300, 3600000, &ServerOptions::announceTtlMs},
};

// One option of the command line: its name, and its value inline
// (--name=value) or as the next argument.
struct OptionArg {
    OptionArg(int argc, const char *const *argv, int &index) : m_argc(argc), m_argv(argv), m_index(index)
    {
        name = argv[index];
        if (name.rfind("--", 0) == 0) {
            const auto eq = name.find('=');
            if (eq != std::string::npos) {
                m_inline = name.substr(eq + 1);
                name = name.substr(0, eq);
                m_hasInline = true;
            }
        }
    }
    bool next(std::string &dst)
    {
        if (m_hasInline) {
            dst = m_inline;
            return true;
        }
        if (m_index + 1 >= m_argc)
            return false;
        dst = m_argv[++m_index];
        return true;
    }

    std::string name;

private:
    int m_argc;
    const char *const *m_argv;
    int &m_index;
    std::string m_inline;
    bool m_hasInline = false;
};

// Picks one of `choices` for `v`; false if it is none of them.
template <typename E, size_t N>
bool pick(const std::string &v, const std::pair<const char *, E> (&choices)[N], E &out)
{
    for (const auto &[text, value] : choices) {
        if (v == text) {
            out = value;
            return true;
        }
    }
    return false;
}

// Applies one option other than --help/--version; "" or why it is refused.
std::string applyOption(OptionArg &a, ServerOptions &o, std::string &passwordFile)
{
    const std::string &arg = a.name;
    std::string v, why;
    for (const IntOption &io : kIntOptions) {
        if (arg == io.name) {
            if (!a.next(v) || !parseInt(v, io.lo, io.hi, o.*io.field))
                return arg + " needs a number from " + std::to_string(io.lo) + " to " + std::to_string(io.hi);
            return {};
        }
    }
    if (arg == "--listen") {
        if (!a.next(v))
            return "--listen needs ADDR:PORT";
        if (!parseHostPort(v, o.listen, why))
            return "--listen: " + why;
    } else if (arg == "--store") {
        static const std::pair<const char *, StoreKind> stores[] = {{"memory", StoreKind::Memory},
                                                                     {"redis", StoreKind::Redis}};
        if (!a.next(v))
            return "--store needs memory or redis";
        if (!pick(v, stores, o.store))
            return "--store must be memory or redis, got '" + v + "'";
    } else if (arg == "--redis") {
        if (!a.next(v) || !parseHostPort(v, o.redis, why))
            return "--redis: " + (why.empty() ? std::string("needs HOST:PORT") : why);
    } else if (arg == "--sentinel") {
        if (!a.next(v))
            return "--sentinel needs HOST:PORT[,HOST:PORT...]";
        std::stringstream ss(v);
        std::string item;
        while (std::getline(ss, item, ',')) {
            HostPort hp;
            if (!parseHostPort(item, hp, why))
                return "--sentinel: " + why;
            o.sentinels.push_back(hp);
        }
    } else if (arg == "--master") {
        if (!a.next(o.masterName) || o.masterName.empty())
            return "--master needs the Sentinel master name";
    } else if (arg == "--redis-password") {
        return "--redis-password is not accepted: a password on the command line is visible to every "
               "user in /proc. Use TURNO_REDIS_PASSWORD or --redis-password-file FILE";
    } else if (arg == "--redis-password-file") {
        if (!a.next(passwordFile))
            return "--redis-password-file needs a FILE";
    } else if (arg == "--key-prefix") {
        if (!a.next(o.keyPrefix))
            return "--key-prefix needs a PREFIX";
    } else if (arg == "--durability") {
        static const std::pair<const char *, Durability> modes[] = {
            {"sync", Durability::Sync}, {"async", Durability::Async}, {"auto", Durability::Auto}};
        if (!a.next(v))
            return "--durability needs sync or async";
        if (!pick(v, modes, o.durability))
            return "--durability must be sync, async or auto, got '" + v + "'";
        o.durabilityGiven = true;
    } else if (arg == "--io") {
        static const std::pair<const char *, IoBackend> backends[] = {{"uring", IoBackend::Uring},
                                                                       {"epoll", IoBackend::Epoll}};
        if (!a.next(v))
            return "--io needs uring or epoll";
        if (!pick(v, backends, o.io))
            return "--io must be uring or epoll, got '" + v + "'";
    } else if (arg == "--debug-token-file") {
        if (!a.next(o.debugTokenFile))
            return "--debug-token-file needs a FILE";
    } else if (arg == "--node-name") {
        if (!a.next(o.nodeName))
            return "--node-name needs a NAME";
    } else if (arg == "--announce") {
        if (!a.next(o.announceCluster))
            return "--announce needs a CLUSTER name";
        if (!registryName(o.announceCluster))
            return "--announce: cluster name '" + o.announceCluster +
                   "' must be 1-40 characters of A-Z a-z 0-9 . _ - (as a cluster profile's name)";
    } else if (arg == "--advertise") {
        if (!a.next(v) || !parseHostPort(v, o.advertise, why))
            return "--advertise: " + (why.empty() ? std::string("needs HOST:PORT") : why);
        if (o.advertise.port == 0)
            return "--advertise: port 0 cannot be reached; give the port clients use";
    } else if (arg == "--pool") {
        if (!a.next(o.pool) || !registryName(o.pool))
            return "--pool needs a NAME of 1-40 characters of A-Z a-z 0-9 . _ -";
    } else {
        return "unknown option '" + arg + "'";
    }
    return {};
}

std::string checkCombinations(const ServerOptions &o)
{
    if (!o.sentinels.empty() && o.masterName.empty())
        return "--sentinel needs --master NAME too";
    if (o.sentinels.empty() && !o.masterName.empty())
        return "--master is only meaningful with --sentinel";
    if (o.store == StoreKind::Memory && (!o.sentinels.empty() || o.durabilityGiven))
        return "--sentinel and --durability apply to --store redis only";
    return {};
}

// The Redis password from its file (which only its owner may read) or the
// environment, and the user from the environment.
std::string readCredentials(const std::string &passwordFile, const char *(*getenvFn)(const char *),
                            ServerOptions &o)
{
    if (!passwordFile.empty()) {
        struct stat st {};
        if (::stat(passwordFile.c_str(), &st) != 0)
            return "--redis-password-file " + passwordFile + ": " + std::strerror(errno);
        if ((st.st_mode & 077) != 0)
            return "--redis-password-file " + passwordFile + " is readable by group or others; chmod 600 it";
        std::ifstream in(passwordFile);
        std::string line;
        std::getline(in, line);
        o.redisPassword = trimNewline(line);
        if (o.redisPassword.empty())
            return "--redis-password-file " + passwordFile + " is empty";
    } else if (const char *pw = getenvFn("TURNO_REDIS_PASSWORD"); pw && *pw) {
        o.redisPassword = pw;
    }
    if (const char *user = getenvFn("TURNO_REDIS_USER"); user && *user)
        o.redisUser = user;
    return {};
}

// --announce and the options that only mean something with it.
std::string checkAnnounce(ServerOptions &o)
{
    if (o.announceCluster.empty()) {
        if (o.advertise.port != 0 || o.pool != "primary" || o.announceTtlMs != 3000)
            return "--advertise, --pool and --announce-ttl-ms apply with --announce CLUSTER only";
        return {};
    }
    if (o.store != StoreKind::Redis)
        return "--announce needs --store redis: the registry lives in the Redis the nodes share";
    if (o.advertise.host.empty()) {
        if (o.listen.host == "0.0.0.0" || o.listen.host == "::" || o.listen.host.empty())
            return "--announce: listening on " + o.listen.host +
                   " says nothing about where clients reach this node; give --advertise HOST:PORT";
        o.advertise = o.listen;
    }
    for (const char c : o.nodeName)
        if (static_cast<unsigned char>(c) < 0x21 || c == '*' || c == '?' || c == '[' || c == ']' || c == '\\')
            return "--announce: node name '" + o.nodeName +
                   "' has a blank, control or glob character (it is part of a Redis key); set --node-name";
    return {};
}

}  // namespace

ParseOutcome parseOptions(int argc, const char *const *argv, const char *(*getenvFn)(const char *))
{
    ParseOutcome r;
    ServerOptions &o = r.options;
    auto fail = [&r](const std::string &msg) {
        r.ok = false;
        r.exitNow = true;
        r.exitCode = 2;
        r.message = "turno-server: " + msg + "\nRun 'turno-server --help' for the options.";
        return r;
    };
    std::string passwordFile;
    for (int i = 1; i < argc; ++i) {
        OptionArg a(argc, argv, i);
        if (a.name == "--help" || a.name == "-h" || a.name == "--version" || a.name == "-V") {
            r.ok = true;
            r.exitNow = true;
            r.message = (a.name == "--help" || a.name == "-h") ? helpText()
                                                                : std::string("turno-server ") + TURNO_VERSION + "\n";
            return r;
        }
        if (std::string why = applyOption(a, o, passwordFile); !why.empty())
            return fail(why);
    }
    if (std::string why = checkCombinations(o); !why.empty())
        return fail(why);
    if (std::string why = readCredentials(passwordFile, getenvFn, o); !why.empty())
        return fail(why);
    if (o.shedHighWater == 0)
        o.shedHighWater = o.maxConnections / 10 > 0 ? o.maxConnections / 10 : 1;
    if (o.nodeName.empty())
        o.nodeName = o.listen.host + ":" + std::to_string(o.listen.port);
    if (std::string why = checkAnnounce(o); !why.empty())
        return fail(why);
    r.ok = true;
    return r;
}

}  // namespace turno::server
