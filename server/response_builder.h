// ResponseBuilder: writes HTTP/1.1 responses and JSON error bodies, with the
// Date header formatted once per second rather than once per response.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace turno::server {

class ResponseBuilder {
public:
    ResponseBuilder() { refreshDate(); }

    // Re-formats the Date header when the second has changed.
    void refreshDate();

    void build(std::string &o, int status, std::string_view contentType, std::string_view body, bool keepAlive,
               bool headOnly, std::string_view extraHeaders) const
    {
        o += "HTTP/1.1 ";
        appendNumber(o, uint64_t(status));
        o += ' ';
        o += reasonPhrase(status);
        o += "\r\nServer: turno\r\nDate: ";
        o.append(m_date, m_dateLen);
        o += "\r\nContent-Type: ";
        o += contentType;
        o += "\r\nContent-Length: ";
        appendNumber(o, body.size());
        o += "\r\n";
        o += extraHeaders;
        if (!keepAlive)
            o += "Connection: close\r\n";
        o += "\r\n";
        if (!headOnly)
            o += body;
    }

    // {"error":"...","status":N}
    static std::string jsonError(int status, std::string_view message);
    static std::string_view reasonPhrase(int status);
    static void appendJsonString(std::string &o, std::string_view s);
    static void appendNumber(std::string &o, uint64_t v)
    {
        char buf[24];
        auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
        (void)ec;
        o.append(buf, size_t(p - buf));
    }

private:
    char m_date[40] = {};
    size_t m_dateLen = 0;
    long m_dateSecond = -1;
};

}  // namespace turno::server
