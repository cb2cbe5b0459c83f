#include "http_response_parser.h"

#include <cstring>

namespace turno {

namespace {

bool equalsNoCase(std::string_view a, std::string_view lowerB)
{
    if (a.size() != lowerB.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i) {
        char c = a[i];
        if (c >= 'A' && c <= 'Z')
            c = char(c - 'A' + 'a');
        if (c != lowerB[i])
            return false;
    }
    return true;
}

bool containsNoCase(std::string_view hay, std::string_view lowerNeedle)
{
    if (lowerNeedle.size() > hay.size())
        return false;
    for (size_t i = 0; i + lowerNeedle.size() <= hay.size(); ++i)
        if (equalsNoCase(hay.substr(i, lowerNeedle.size()), lowerNeedle))
            return true;
    return false;
}

std::string_view trim(std::string_view v)
{
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
        v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r'))
        v.remove_suffix(1);
    return v;
}

HttpResponseFrame invalid(const char *why)
{
    HttpResponseFrame f;
    f.state = HttpResponseFrame::State::Invalid;
    f.why = why;
    return f;
}

// Decodes a chunked body starting at p; returns bytes consumed, 0 if incomplete, SIZE_MAX if invalid.
size_t decodeChunked(const char *p, size_t n, std::string *out)
{
    size_t pos = 0;
    if (out)
        out->clear();
    for (int chunks = 0; chunks < 100000; ++chunks) {
        const char *lineEnd = static_cast<const char *>(memchr(p + pos, '\n', n - pos));
        if (!lineEnd)
            return 0;
        size_t size = 0;
        size_t i = pos;
        int digits = 0;
        for (; i < n && p[i] != '\r' && p[i] != '\n' && p[i] != ';'; ++i, ++digits) {
            const char c = p[i];
            int v;
            if (c >= '0' && c <= '9')
                v = c - '0';
            else if (c >= 'a' && c <= 'f')
                v = c - 'a' + 10;
            else if (c >= 'A' && c <= 'F')
                v = c - 'A' + 10;
            else
                return SIZE_MAX;
            if (digits >= 15)
                return SIZE_MAX;
            size = size * 16 + size_t(v);
        }
        if (digits == 0)
            return SIZE_MAX;
        pos = size_t(lineEnd - p) + 1;
        if (size == 0) {
            // Trailers end with an empty line.
            for (int t = 0; t < 100; ++t) {
                const char *end = static_cast<const char *>(memchr(p + pos, '\n', n - pos));
                if (!end)
                    return 0;
                const size_t lineLen = size_t(end - (p + pos));
                pos = size_t(end - p) + 1;
                if (lineLen == 0 || (lineLen == 1 && p[pos - 2] == '\r'))
                    return pos;
            }
            return SIZE_MAX;
        }
        if (n - pos < size + 2)
            return 0;
        if (out)
            out->append(p + pos, size);
        pos += size;
        if (p[pos] == '\r')
            ++pos;
        if (p[pos] != '\n')
            return SIZE_MAX;
        ++pos;
    }
    return SIZE_MAX;
}

}  // namespace

HttpResponseFrame HttpResponseParser::parse(const char *data, size_t length, bool peerClosed, std::string *decoded)
{
    HttpResponseFrame f;
    if (length < 12) {
        if (length >= 5 && memcmp(data, "HTTP/", 5) != 0)
            return invalid("not an HTTP response");
        return f;
    }
    if (memcmp(data, "HTTP/1.", 7) != 0 || data[8] != ' ')
        return invalid("not an HTTP/1.x status line");
    const char *s = data + 9;
    if (s[0] < '1' || s[0] > '5' || s[1] < '0' || s[1] > '9' || s[2] < '0' || s[2] > '9')
        return invalid("bad status code");
    f.status = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
    const bool http10 = data[7] == '0';

    const char *end = static_cast<const char *>(memmem(data, length, "\r\n\r\n", 4));
    if (!end) {
        if (length > kMaxHeaderBytes)
            return invalid("response headers too large");
        return f;
    }
    const size_t headerLength = size_t(end - data) + 4;

    // Header lines after the status line.
    const char *line = static_cast<const char *>(memchr(data, '\n', headerLength)) + 1;
    long long contentLength = -1;
    bool chunked = false;
    bool keepAlive = false;
    bool close = false;
    while (line < end) {
        const char *nl = static_cast<const char *>(memchr(line, '\n', size_t(end + 2 - line)));
        if (!nl)
            break;
        const std::string_view header(line, size_t(nl - line));
        line = nl + 1;
        const size_t colon = header.find(':');
        if (colon == std::string_view::npos)
            continue;
        const std::string_view name = header.substr(0, colon);
        const std::string_view value = trim(header.substr(colon + 1));
        if (equalsNoCase(name, "content-length")) {
            long long v = 0;
            if (value.empty() || value.size() > 15)
                return invalid("bad Content-Length");
            for (char c : value) {
                if (c < '0' || c > '9')
                    return invalid("bad Content-Length");
                v = v * 10 + (c - '0');
            }
            if (contentLength >= 0 && contentLength != v)
                return invalid("conflicting Content-Length headers");
            contentLength = v;
        } else if (equalsNoCase(name, "transfer-encoding")) {
            chunked = containsNoCase(value, "chunked");
        } else if (equalsNoCase(name, "connection")) {
            close = containsNoCase(value, "close");
            keepAlive = containsNoCase(value, "keep-alive");
        }
    }
    f.closeAfter = close || (http10 && !keepAlive);

    // 1xx, 204 and 304 carry no body.
    if (f.status < 200 || f.status == 204 || f.status == 304) {
        f.totalLength = headerLength;
        f.state = HttpResponseFrame::State::Complete;
        return f;
    }
    if (chunked) {
        const size_t used = decodeChunked(data + headerLength, length - headerLength, decoded);
        if (used == SIZE_MAX)
            return invalid("bad chunked encoding");
        if (used == 0)
            return f;
        f.body = decoded ? std::string_view(*decoded) : std::string_view();
        f.totalLength = headerLength + used;
        f.state = HttpResponseFrame::State::Complete;
        return f;
    }
    if (contentLength >= 0) {
        if (length - headerLength < size_t(contentLength))
            return f;
        f.body = std::string_view(data + headerLength, size_t(contentLength));
        f.totalLength = headerLength + size_t(contentLength);
        f.state = HttpResponseFrame::State::Complete;
        return f;
    }
    f.untilClose = true;
    f.closeAfter = true;
    if (!peerClosed)
        return f;
    f.body = std::string_view(data + headerLength, length - headerLength);
    f.totalLength = length;
    f.state = HttpResponseFrame::State::Complete;
    return f;
}

}  // namespace turno
