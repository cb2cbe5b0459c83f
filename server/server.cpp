#include "server.h"

#include "log.h"
#include "registry_announcer.h"
#include "sentinel_watcher.h"
#include "shared_state.h"
#include "turno_version.h"
#include "worker.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <memory>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace turno::server {

namespace {

const char *durabilityName(const ServerOptions &o)
{
    if (o.store == StoreKind::Memory)
        return "none";
    switch (o.durability) {
    case Durability::Sync: return "sync";
    case Durability::Async: return "async";
    case Durability::Auto: return "auto";
    }
    return "auto";
}

bool readToken(const std::string &file, std::string &token, std::string &why)
{
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) {
        why = "--debug-token-file " + file + ": " + std::strerror(errno);
        return false;
    }
    if ((st.st_mode & 077) != 0) {
        why = "--debug-token-file " + file + " is readable by group or others; chmod 600 it";
        return false;
    }
    std::ifstream in(file);
    std::getline(in, token);
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' '))
        token.pop_back();
    if (token.size() < 16) {
        why = "--debug-token-file " + file + " must hold a token of at least 16 characters";
        return false;
    }
    return true;
}

// Room for --max-connections sockets: the soft RLIMIT_NOFILE raised towards the
// hard one, and the descriptor table grown to that size at once. The kernel grows
// the table by doubling, and in a threaded process every growth waits for an RCU
// grace period in the thread that opens the descriptor: a connection flood would
// stall an event loop (and all of its clients) for milliseconds at each doubling.
void prepareDescriptors(const ServerOptions &options)
{
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0)
        return;
    const rlim_t want = rlim_t(options.maxConnections) + 256;
    if (lim.rlim_cur < want && lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = std::min(want, lim.rlim_max);
        ::setrlimit(RLIMIT_NOFILE, &lim);
    }
    if (lim.rlim_cur < want)
        logLine("open-file limit %llu is below --max-connections %d plus room for the server's own descriptors; "
                "connections beyond it are refused (raise it with ulimit -n or LimitNOFILE=)",
                (unsigned long long)lim.rlim_cur, options.maxConnections);
    const int top = int(std::min<rlim_t>(want, lim.rlim_cur)) - 1;
    const int probe = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (probe < 0)
        return;
    const int high = top > probe ? ::fcntl(probe, F_DUPFD_CLOEXEC, top) : -1;
    if (high >= 0)
        ::close(high);
    ::close(probe);
}

// Where Redis is: asked of Sentinel (and followed) or fixed by --redis.
std::unique_ptr<SentinelWatcher> followRedis(const ServerOptions &options, SharedState &shared,
                                             std::vector<std::unique_ptr<Worker>> &workers)
{
    if (options.store != StoreKind::Redis)
        return nullptr;
    if (options.sentinels.empty()) {
        shared.redisTarget.set(options.redis.host, options.redis.port);
        return nullptr;
    }
    auto sentinel = std::make_unique<SentinelWatcher>(options, shared.redisTarget, [&workers] {
        for (auto &w : workers)
            w->wake();
    });
    sentinel->resolveOnce();
    sentinel->start();
    return sentinel;
}

std::string storeDescription(const ServerOptions &options)
{
    if (options.store == StoreKind::Memory)
        return "memory";
    return options.sentinels.empty() ? "redis " + options.redis.host + ":" + std::to_string(options.redis.port)
                                     : "redis via sentinel master '" + options.masterName + "'";
}

// Waits for the loops to finish draining; false when a second signal or the
// deadline stopped the wait first.
bool waitForLoops(const sigset_t &sigs, const std::atomic<int> &running, std::chrono::steady_clock::time_point deadline)
{
    while (running.load() > 0) {
        timespec ts{0, 20'000'000};
        siginfo_t info;
        if (sigtimedwait(&sigs, &info, &ts) > 0) {
            logLine("second signal: stopping now");
            return false;
        }
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
    }
    return true;
}

}  // namespace

int runServer(const ServerOptions &options)
{
    prepareDescriptors(options);  // before any thread exists
    // Signals are taken synchronously by this thread (sigwait); every loop
    // thread inherits the blocked mask.
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    SharedState shared(options);
    if (!options.debugTokenFile.empty()) {
        std::string why;
        if (!readToken(options.debugTokenFile, shared.debugToken, why)) {
            logLine("%s", why.c_str());
            return 2;
        }
    }
    int threads = options.threads;
    if (threads <= 0)
        threads = int(std::max(1u, std::thread::hardware_concurrency()));
    ServerMetrics metrics(threads, TURNO_VERSION, options.store == StoreKind::Memory ? "memory" : "redis",
                          durabilityName(options), options.nodeName);
    shared.metrics = &metrics;

    std::vector<std::unique_ptr<Worker>> workers;
    for (int i = 0; i < threads; ++i) {
        workers.push_back(std::make_unique<Worker>(i, shared, metrics.worker(i)));
        std::string why;
        if (!workers.back()->listen(why)) {
            logLine("%s", why.c_str());
            return 3;
        }
    }

    std::unique_ptr<SentinelWatcher> sentinel = followRedis(options, shared, workers);

    // After the target is known (or Sentinel was asked once), so the first beat goes to the primary.
    std::unique_ptr<RegistryAnnouncer> announcer;
    if (!options.announceCluster.empty()) {
        announcer = std::make_unique<RegistryAnnouncer>(options, shared.redisTarget);
        announcer->start();
    }

    const std::string storeText = storeDescription(options);
    logLine("turno-server %s listening on %s:%u (store %s, durability %s, %d threads, io %s, pid %d)", TURNO_VERSION,
            options.listen.host.c_str(), options.listen.port, storeText.c_str(), durabilityName(options), threads,
            options.io == IoBackend::Uring ? "uring" : "epoll", int(::getpid()));

    std::atomic<int> running{threads};
    std::vector<std::thread> loops;
    for (auto &w : workers)
        loops.emplace_back([&w, &running] {
            w->run();
            running.fetch_sub(1);
        });

    int sig = 0;
    sigwait(&sigs, &sig);
    const auto drainStart = std::chrono::steady_clock::now();
    logLine("%s received: draining (readyz answers 503, no new connections, up to %d ms for in-flight requests)",
            sig == SIGTERM ? "SIGTERM" : "SIGINT", options.drainTimeoutMs);
    shared.draining.store(true);
    for (auto &w : workers)
        w->wake();
    // A draining node takes no new work: it leaves the registry now, while in-flight requests finish.
    if (announcer)
        announcer->withdraw();

    const bool timedOut =
        !waitForLoops(sigs, running, drainStart + std::chrono::milliseconds(options.drainTimeoutMs));
    const int64_t leftOpen = shared.connections.load();
    shared.hardStop.store(true);
    for (auto &w : workers)
        w->wake();
    for (auto &t : loops)
        t.join();
    if (sentinel)
        sentinel->stop();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - drainStart)
                        .count();
    if (timedOut) {
        logLine("drain incomplete after %lld ms: closed %lld connections still open; exit 1", static_cast<long long>(ms),
                static_cast<long long>(leftOpen));
        return 1;
    }
    logLine("drained in %lld ms; exit 0", static_cast<long long>(ms));
    return 0;
}

}  // namespace turno::server
