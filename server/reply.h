// Reply: the answer to one request being written: its connection, method and
// start time, whether the connection stays open, and the headers it carries.
// Handlers adjust what differs from the request's defaults, then send once.
#pragma once

#include "connection.h"
#include "mono_clock.h"
#include "response_builder.h"
#include "server_metrics.h"

#include <string>
#include <string_view>

namespace turno::server {

class Reply {
public:
    Reply(Connection &c, const ResponseBuilder &builder, WorkerStats &stats, int methodIndex, uint64_t startNs,
          bool keepAlive, bool headOnly, std::string_view extraHeaders)
        : m_conn(c), m_builder(builder), m_stats(stats), m_extra(extraHeaders), m_startNs(startNs),
          m_methodIndex(methodIndex), m_keepAlive(keepAlive), m_headOnly(headOnly)
    {
    }

    // What the request is counted under in turno_http_requests_total.
    Reply &handler(Handler h)
    {
        m_handler = h;
        return *this;
    }
    // Replaces the extra header lines (each ending in CRLF).
    Reply &headers(std::string_view extra)
    {
        m_extra = extra;
        return *this;
    }
    // Sends the body even to a HEAD request (errors that do not depend on the method).
    Reply &withBody()
    {
        m_headOnly = false;
        return *this;
    }
    Reply &keepAlive(bool on)
    {
        m_keepAlive = on;
        return *this;
    }

    void send(int status, std::string_view contentType, std::string_view body)
    {
        std::string *o = &m_conn.out;
        if (!m_conn.slots.empty()) {
            // Answers before it still wait on Redis: it takes its place in line.
            m_conn.slots.push_back(Connection::Slot{true, {}});
            o = &m_conn.slots.back().bytes;
        }
        m_builder.build(*o, status, contentType, body, m_keepAlive, m_headOnly, m_extra);
        if (!m_keepAlive)
            m_conn.markClosing();
        m_stats.countRequest(m_handler, status, m_methodIndex, monoNs() - m_startNs);
    }
    void json(int status, std::string_view body) { send(status, "application/json", body); }
    void error(int status, std::string_view message) { json(status, ResponseBuilder::jsonError(status, message)); }

    // Holds this request's place in the pipeline for an answer written later
    // (Redis); returns its sequence number on the connection.
    uint64_t defer()
    {
        const uint64_t seq = m_conn.headSeq + m_conn.slots.size();
        m_conn.slots.push_back(Connection::Slot{});
        if (!m_keepAlive)
            m_conn.markClosing();
        return seq;
    }

    Connection &connection() { return m_conn; }
    bool keepsAlive() const { return m_keepAlive; }
    int methodIndex() const { return m_methodIndex; }
    uint64_t startNs() const { return m_startNs; }

private:
    Connection &m_conn;
    const ResponseBuilder &m_builder;
    WorkerStats &m_stats;
    std::string_view m_extra;
    uint64_t m_startNs;
    int m_methodIndex;
    Handler m_handler = Handler::Other;
    bool m_keepAlive;
    bool m_headOnly;
};

}  // namespace turno::server
