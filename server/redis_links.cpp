#include "redis_links.h"

#include "connection_events.h"

namespace turno::server {

RedisLinks::RedisLinks(int count, int epollFd, SharedState &shared, WorkerStats &stats, IncrementSink &sink,
                       const char *logPrefix)
    : m_retryWindowMs(shared.options.retryWindowMs)
{
    for (int i = 0; i < count; ++i)
        m_links.push_back(std::make_unique<RedisLink>(epollFd, epollData(EpollTag::Redis, uint64_t(i)), shared,
                                                      stats, sink, logPrefix));
}

RedisLink *RedisLinks::pick()
{
    if (m_links.empty())
        return nullptr;
    RedisLink *link = nullptr;
    for (size_t i = 0; i < m_links.size() && !link; ++i) {
        RedisLink *l = m_links[(m_next + i) % m_links.size()].get();
        if (l->ready())
            link = l;
    }
    if (!link && m_retryWindowMs > 0)
        link = m_links[m_next % m_links.size()].get();
    m_next = (m_next + 1) % m_links.size();
    return link;
}

bool RedisLinks::anyReadyOrRecovering(uint64_t nowNs) const
{
    for (const auto &l : m_links)
        if (l->readyOrRecovering(nowNs))
            return true;
    return false;
}

bool RedisLinks::busy() const
{
    for (const auto &l : m_links)
        if (l->outstanding() > 0)
            return true;
    return false;
}

void RedisLinks::tick(uint64_t nowNs)
{
    for (auto &l : m_links)
        l->tick(nowNs);
}

void RedisLinks::afterBatch()
{
    for (auto &l : m_links)
        l->afterBatch();
}

void RedisLinks::shutdown()
{
    for (auto &l : m_links)
        l->shutdown();
}

}  // namespace turno::server
