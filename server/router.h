// Router: answers one parsed request: /turno/ID from the memory store or
// through a Redis link, /metrics, /healthz, /readyz and the /debug/ endpoints,
// each through a Reply; and writes the answers Redis completes later.
#pragma once

#include "http_request_parser.h"
#include "redis_links.h"
#include "reply.h"
#include "response_builder.h"
#include "shared_state.h"

#include <string>
#include <string_view>

namespace turno::server {

class Router {
public:
    Router(SharedState &shared, WorkerStats &stats, const ResponseBuilder &builder, RedisLinks &links);

    void route(Connection &c, const HttpRequest &req, uint64_t startNs);
    // The bytes of a deferred /turno/ answer into `out`, counted like the others.
    void writeIncrementReply(std::string &out, const PendingIncrement &p, IncrementOutcome outcome, uint64_t value,
                             StoreError error, bool burned);

private:
    void serveTurno(Reply &r, const HttpRequest &req, std::string_view id);
    void submitIncrement(Reply &r, const HttpRequest &req, std::string_view id);
    void serveProbe(Reply &r, std::string_view path);
    void serveDebug(Reply &r, const HttpRequest &req, std::string_view path, std::string_view query);
    void burnCpu(Reply &r, std::string_view query);
    void setCounter(Reply &r, std::string_view query);
    bool ready() const;

    SharedState &m_shared;
    WorkerStats &m_stats;
    const ResponseBuilder &m_builder;
    RedisLinks &m_links;
};

}  // namespace turno::server
