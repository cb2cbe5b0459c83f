#include "response_builder.h"

#include <ctime>

namespace turno::server {

void ResponseBuilder::refreshDate()
{
    const time_t now = time(nullptr);
    if (now == m_dateSecond)
        return;
    m_dateSecond = now;
    tm t;
    gmtime_r(&now, &t);
    m_dateLen = strftime(m_date, sizeof m_date, "%a, %d %b %Y %H:%M:%S GMT", &t);
}

std::string_view ResponseBuilder::reasonPhrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}

void ResponseBuilder::appendJsonString(std::string &o, std::string_view s)
{
    static const char hex[] = "0123456789abcdef";
    o += '"';
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            o += '\\';
            o += char(c);
        } else if (c < 0x20 || c >= 0x7f) {
            // Non-ASCII is escaped byte-wise so the body stays valid UTF-8 JSON
            // whatever bytes a client sent.
            o += "\\u00";
            o += hex[c >> 4];
            o += hex[c & 15];
        } else {
            o += char(c);
        }
    }
    o += '"';
}

std::string ResponseBuilder::jsonError(int status, std::string_view message)
{
    std::string body = "{\"error\":";
    appendJsonString(body, message);
    body += ",\"status\":";
    appendNumber(body, uint64_t(status));
    body += '}';
    return body;
}

}  // namespace turno::server
