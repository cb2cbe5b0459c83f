// RedisLinks: a loop's connections to the Redis primary, and which one the
// next increment goes to (round robin over the ready ones).
#pragma once

#include "redis_link.h"

#include <memory>
#include <vector>

namespace turno::server {

class RedisLinks {
public:
    // `count` links registered in `epollFd` as EpollTag::Redis with their index.
    RedisLinks(int count, int epollFd, SharedState &shared, WorkerStats &stats, IncrementSink &sink,
               const char *logPrefix);

    // The link for the next increment: a ready one, else (with a retry window,
    // to wait there for Redis to come back) the next in turn; nullptr if none.
    RedisLink *pick();
    // At least one link can take an increment now or soon (/readyz).
    bool anyReadyOrRecovering(uint64_t nowNs) const;
    // Some increment is still waiting on Redis.
    bool busy() const;
    void onEpoll(uint32_t index, uint32_t events) { m_links[index]->onEpoll(events); }
    void tick(uint64_t nowNs);
    void afterBatch();
    void shutdown();
    void clear() { m_links.clear(); }

private:
    std::vector<std::unique_ptr<RedisLink>> m_links;
    size_t m_next = 0;
    int m_retryWindowMs;
};

}  // namespace turno::server
