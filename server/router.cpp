#include "router.h"

#include "id_validator.h"

#include <charconv>
#include <cstring>
#include <thread>

namespace turno::server {

namespace {

const char kExhaustedMessage[] = "counter exhausted: the next number would pass 9007199254740991 (2^53-1)";
constexpr std::string_view kAllowGetHead = "Allow: GET, HEAD\r\n";
constexpr std::string_view kRetryAfter = "Retry-After: 1\r\n";
constexpr std::string_view kKeepAlive = "Connection: keep-alive\r\n";

}  // namespace

Router::Router(SharedState &shared, WorkerStats &stats, const ResponseBuilder &builder, RedisLinks &links)
    : m_shared(shared), m_stats(stats), m_builder(builder), m_links(links)
{
}

bool Router::ready() const
{
    if (m_shared.draining.load(std::memory_order_relaxed))
        return false;
    if (m_shared.options.store == StoreKind::Memory)
        return true;
    return m_links.anyReadyOrRecovering(monoNs());
}

void Router::route(Connection &c, const HttpRequest &req, uint64_t startNs)
{
    const int methodIndex = req.method == HttpMethod::Get ? 0 : req.method == HttpMethod::Head ? 1 : 2;
    const bool keepAlive = req.keepAlive && !m_shared.draining.load(std::memory_order_relaxed) &&
                           c.served < uint32_t(m_shared.options.maxRequestsPerConnection);
    Reply r(c, m_builder, m_stats, methodIndex, startNs, keepAlive, req.method == HttpMethod::Head,
            (keepAlive && req.http10) ? kKeepAlive : std::string_view());

    std::string_view target = req.target;
    if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0) {
        // absolute-form (RFC 9112 3.2.2): route on its path.
        const size_t slash = target.find('/', target.find("//") + 2);
        target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
    if (target.empty() || target.front() != '/') {
        r.error(400, "request target must be a path starting with /");
        return;
    }
    const size_t q = target.find('?');
    const std::string_view path = target.substr(0, q);
    const std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);

    if (path.size() >= 7 && std::memcmp(path.data(), "/turno/", 7) == 0) {
        serveTurno(r.handler(Handler::Turno), req, path.substr(7));
    } else if (path == "/metrics" || path == "/healthz" || path == "/readyz") {
        r.handler(path == "/metrics" ? Handler::Metrics : path == "/healthz" ? Handler::Healthz : Handler::Readyz);
        serveProbe(r, path);
    } else if (path.rfind("/debug/", 0) == 0) {
        serveDebug(r.handler(Handler::Debug), req, path, query);
    } else {
        std::string shown(path.substr(0, 200));
        r.error(404, "not found: " + shown + " (try /turno/ID)");
    }
}

void Router::serveTurno(Reply &r, const HttpRequest &req, std::string_view id)
{
    if (req.method == HttpMethod::Other) {
        r.headers(kAllowGetHead).withBody().error(405, "method not allowed; use GET");
        return;
    }
    const IdCheck check = validateId(id);
    if (!check.ok) {
        r.error(400, "invalid id: " + check.problem);
        return;
    }
    if (req.method == HttpMethod::Head) {
        // HEAD is safe (RFC 9110 9.3.2): it validates the id but takes no number.
        r.json(200, {});
        return;
    }
    if (m_shared.options.store != StoreKind::Memory) {
        submitIncrement(r, req, id);
        return;
    }
    const uint64_t v = m_shared.memory.increment(id);
    if (v == 0) {
        r.error(409, kExhaustedMessage);
        return;
    }
    char body[128];
    char *p = body;
    std::memcpy(p, "{\"id\":\"", 7);
    p += 7;
    std::memcpy(p, id.data(), id.size());
    p += id.size();
    std::memcpy(p, "\",\"turno\":", 10);
    p += 10;
    p = std::to_chars(p, body + sizeof body, v).ptr;
    *p++ = '}';
    WorkerStats::add(m_stats.issued);
    r.json(200, std::string_view(body, size_t(p - body)));
}

void Router::submitIncrement(Reply &r, const HttpRequest &req, std::string_view id)
{
    RedisLink *link = m_links.pick();
    if (!link) {
        WorkerStats::add(m_stats.storeErrors[size_t(StoreError::Unavailable)]);
        r.headers(kRetryAfter).error(503, "store unavailable: Redis is not reachable");
        return;
    }
    PendingIncrement p;
    p.connFd = r.connection().fd;
    p.connGen = r.connection().gen;
    p.startNs = r.startNs();
    p.keepAlive = r.keepsAlive();
    p.http10 = req.http10;
    p.methodIndex = uint8_t(r.methodIndex());
    p.id.assign(id);
    p.seq = r.defer();
    m_stats.inFlight.fetch_add(1, std::memory_order_relaxed);
    link->submit(std::move(p));
}

void Router::serveProbe(Reply &r, std::string_view path)
{
    if (r.methodIndex() == 2) {
        r.headers(kAllowGetHead).withBody().error(405, "method not allowed; use GET");
        return;
    }
    if (path == "/metrics") {
        const std::string text = m_shared.metrics->render();
        r.send(200, "text/plain; version=0.0.4; charset=utf-8", text);
    } else if (path == "/healthz") {
        r.json(200, "{\"status\":\"ok\"}");
    } else if (ready()) {
        r.json(200, "{\"status\":\"ready\"}");
    } else {
        const bool draining = m_shared.draining.load(std::memory_order_relaxed);
        r.headers(kRetryAfter).json(503, draining ? "{\"status\":\"draining\"}" : "{\"status\":\"store unreachable\"}");
    }
}

void Router::serveDebug(Reply &r, const HttpRequest &req, std::string_view path, std::string_view query)
{
    // The debug endpoints answer every method with a body and no extra header.
    r.keepAlive(req.keepAlive && !r.connection().isClosing()).withBody().headers({});
    if (m_shared.debugToken.empty()) {
        r.error(404, "not found: debug endpoints are off (start with --debug-token-file)");
        return;
    }
    const std::string expected = "Bearer " + m_shared.debugToken;
    if (req.authorization.size() != expected.size() ||
        std::memcmp(req.authorization.data(), expected.data(), expected.size()) != 0) {
        r.headers("WWW-Authenticate: Bearer realm=\"turno-debug\"\r\n")
            .error(401, "debug endpoint needs 'Authorization: Bearer TOKEN'");
        return;
    }
    if (path == "/debug/burn-cpu")
        burnCpu(r, query);
    else if (path == "/debug/set")
        setCounter(r, query);
    else
        r.error(404, "unknown debug endpoint");
}

void Router::burnCpu(Reply &r, std::string_view query)
{
    // Busy-loops a thread for a while so CPU alerts can be exercised for real.
    int ms = 5000;
    if (query.rfind("ms=", 0) == 0) {
        int v = 0;
        auto [p, ec] = std::from_chars(query.data() + 3, query.data() + query.size(), v);
        if (ec == std::errc() && v > 0 && v <= 120000)
            ms = v;
        (void)p;
    }
    std::thread([ms] {
        const uint64_t until = monoNs() + uint64_t(ms) * 1'000'000ULL;
        volatile uint64_t x = 0;
        while (monoNs() < until)
            for (int i = 0; i < 10000; ++i)
                x = x + uint64_t(i);
    }).detach();
    r.json(200, "{\"status\":\"burning\"}");
}

void Router::setCounter(Reply &r, std::string_view query)
{
    // Sets a memory-store counter (boundary tests, drills). Redis counters
    // are set with Redis's own tools.
    std::string_view id, value;
    for (std::string_view rest = query; !rest.empty();) {
        const size_t amp = rest.find('&');
        const std::string_view kv = rest.substr(0, amp);
        if (kv.rfind("id=", 0) == 0)
            id = kv.substr(3);
        else if (kv.rfind("value=", 0) == 0)
            value = kv.substr(6);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    }
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (m_shared.options.store != StoreKind::Memory || !validateId(id).ok || ec != std::errc() ||
        p != value.data() + value.size() || !m_shared.memory.set(id, v)) {
        r.error(400, "use /debug/set?id=ID&value=N (memory store, N <= 9007199254740991)");
        return;
    }
    r.json(200, "{\"status\":\"set\"}");
}

void Router::writeIncrementReply(std::string &o, const PendingIncrement &p, IncrementOutcome outcome, uint64_t value,
                                 StoreError error, bool burned)
{
    const std::string_view extra = (p.keepAlive && p.http10) ? kKeepAlive : std::string_view();
    int status = 200;
    if (outcome == IncrementOutcome::Issued) {
        std::string body = "{\"id\":\"";
        body += p.id;
        body += "\",\"turno\":";
        ResponseBuilder::appendNumber(body, value);
        body += '}';
        WorkerStats::add(m_stats.issued);
        m_builder.build(o, 200, "application/json", body, p.keepAlive, false, extra);
    } else if (outcome == IncrementOutcome::Exhausted) {
        status = 409;
        m_builder.build(o, status, "application/json", ResponseBuilder::jsonError(status, kExhaustedMessage),
                        p.keepAlive, false, extra);
    } else {
        status = 503;
        WorkerStats::add(m_stats.storeErrors[size_t(error)]);
        if (burned)
            WorkerStats::add(m_stats.burned);
        const std::string msg = error == StoreError::Rollback
                                    ? std::string("store rolled back: Redis returned a number this server already "
                                                  "issued; refusing")
                                    : std::string("store unavailable: ") + storeErrorName(error);
        m_builder.build(o, status, "application/json", ResponseBuilder::jsonError(status, msg), p.keepAlive, false,
                        kRetryAfter);
    }
    m_stats.countRequest(Handler::Turno, status, p.methodIndex, monoNs() - p.startNs);
}

}  // namespace turno::server
