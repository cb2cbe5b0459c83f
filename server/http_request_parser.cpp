#include "http_request_parser.h"

#include <algorithm>
#include <cstring>

namespace turno::server {

namespace {

// RFC 9110 tchar.
constexpr bool isTokenChar(unsigned char c)
{
    if (c >= 'a' && c <= 'z')
        return true;
    if (c >= 'A' && c <= 'Z')
        return true;
    if (c >= '0' && c <= '9')
        return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
        return true;
    default:
        return false;
    }
}

bool iequals(std::string_view a, std::string_view lowerB)
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

std::string_view trimOws(std::string_view v)
{
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
        v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t'))
        v.remove_suffix(1);
    return v;
}

// Looks for token (lower case) in a comma-separated header value.
bool hasConnectionToken(std::string_view value, std::string_view token)
{
    while (!value.empty()) {
        const size_t comma = value.find(',');
        std::string_view item = trimOws(value.substr(0, comma));
        if (iequals(item, token))
            return true;
        if (comma == std::string_view::npos)
            break;
        value.remove_prefix(comma + 1);
    }
    return false;
}

ParseResult error(int status, const char *reason)
{
    ParseResult r;
    r.state = ParseState::Error;
    r.errorStatus = status;
    r.errorReason = reason;
    return r;
}

// Returns the line ending at the first LF, without the CRLF/LF; nullptr if no LF
// within [p, end). RFC 9112 allows a recipient to accept a bare LF.
const char *findLineEnd(const char *p, const char *end)
{
    return static_cast<const char *>(std::memchr(p, '\n', size_t(end - p)));
}

// Sets `err` to the error answer; false, for `return fail(...)`.
bool fail(ParseResult &err, int status, const char *reason)
{
    err = error(status, reason);
    return false;
}

// What the header fields say about the request as a whole.
struct HeaderSummary {
    bool sawContentLength = false;
    bool sawTransferEncoding = false;
    bool connClose = false;
    bool connKeepAlive = false;
};

// The request line in [p, lineEnd) into `req`; false with `err` set.
bool parseRequestLine(const char *p, const char *lineEnd, HttpRequest &req, ParseResult &err)
{
    // method SP request-target SP HTTP-version
    const char *m = p;
    while (m < lineEnd && isTokenChar(static_cast<unsigned char>(*m)))
        ++m;
    if (m == p || m >= lineEnd || *m != ' ')
        return fail(err, 400, "malformed request line: bad method");
    req.methodText = std::string_view(p, size_t(m - p));
    if (req.methodText == "GET")
        req.method = HttpMethod::Get;
    else if (req.methodText == "HEAD")
        req.method = HttpMethod::Head;
    else
        req.method = HttpMethod::Other;

    const char *t = m + 1;
    const char *te = t;
    while (te < lineEnd && *te != ' ') {
        const unsigned char c = static_cast<unsigned char>(*te);
        if (c <= 0x20 || c == 0x7f)
            return fail(err, 400, "malformed request line: control character in target");
        ++te;
    }
    if (te == t || te >= lineEnd)
        return fail(err, 400, "malformed request line: missing target or version");
    req.target = std::string_view(t, size_t(te - t));

    std::string_view version(te + 1, size_t(lineEnd - te - 1));
    if (version == "HTTP/1.1") {
        req.http10 = false;
    } else if (version == "HTTP/1.0") {
        req.http10 = true;
        req.keepAlive = false;
    } else if (version.size() == 8 && version.substr(0, 5) == "HTTP/" && version[5] >= '0' && version[5] <= '9' &&
               version[6] == '.' && version[7] >= '0' && version[7] <= '9') {
        return fail(err, 505, "HTTP version not supported (only HTTP/1.0 and HTTP/1.1)");
    } else {
        return fail(err, 400, "malformed request line: bad HTTP version");
    }
    return true;
}

// One header field the parser acts on (Host, Connection, Authorization,
// Content-Length, Transfer-Encoding) into `req` and `s`; false with `err` set.
bool applyHeaderField(std::string_view name, std::string_view value, HttpRequest &req, HeaderSummary &s,
                      ParseResult &err)
{
    switch (name.size()) {
    case 4:
        if (iequals(name, "host")) {
            if (req.hasHost)
                return fail(err, 400, "more than one Host header");
            req.hasHost = true;
        }
        break;
    case 10:
        if (iequals(name, "connection")) {
            s.connClose = s.connClose || hasConnectionToken(value, "close");
            s.connKeepAlive = s.connKeepAlive || hasConnectionToken(value, "keep-alive");
        }
        break;
    case 13:
        if (iequals(name, "authorization"))
            req.authorization = value;
        break;
    case 14:
        if (iequals(name, "content-length")) {
            if (value.empty() || value.size() > 18)
                return fail(err, 400, "invalid Content-Length");
            size_t n = 0;
            for (char c : value) {
                if (c < '0' || c > '9')
                    return fail(err, 400, "invalid Content-Length");
                n = n * 10 + size_t(c - '0');
            }
            if (s.sawContentLength && n != req.contentLength)
                return fail(err, 400, "conflicting Content-Length headers");
            s.sawContentLength = true;
            req.contentLength = n;
        }
        break;
    case 17:
        if (iequals(name, "transfer-encoding"))
            s.sawTransferEncoding = true;
        break;
    default:
        break;
    }
    return true;
}

}  // namespace

ParseResult parseHttpRequest(const char *data, size_t len, const ParserLimits &limits)
{
    ParseResult r;
    const char *const begin = data;
    const char *const end = data + len;

    // RFC 9112 2.2: ignore at least one empty line before the request line.
    const char *p = begin;
    while (p < end && (*p == '\r' || *p == '\n') && p - begin < 4)
        ++p;

    const size_t lineWindow = std::min<size_t>(size_t(end - p), limits.maxRequestLine + 2);
    const char *lf = findLineEnd(p, p + lineWindow);
    if (!lf) {
        if (size_t(end - p) > limits.maxRequestLine + 1)
            return error(414, "request line longer than 8 KiB");
        return r;
    }
    const char *lineEnd = (lf > p && lf[-1] == '\r') ? lf - 1 : lf;
    if (size_t(lineEnd - p) > limits.maxRequestLine)
        return error(414, "request line longer than 8 KiB");

    HttpRequest &req = r.request;
    if (!parseRequestLine(p, lineEnd, req, r))
        return r;

    // Header fields.
    const char *h = lf + 1;
    const char *const headersStart = h;
    size_t count = 0;
    HeaderSummary summary;
    for (;;) {
        if (size_t(h - headersStart) > limits.maxHeaderBytes)
            return error(431, "header section larger than 16 KiB");
        const char *hl = findLineEnd(h, end);
        if (!hl) {
            if (size_t(end - headersStart) > limits.maxHeaderBytes)
                return error(431, "header section larger than 16 KiB");
            return r;  // need more bytes
        }
        const char *hEnd = (hl > h && hl[-1] == '\r') ? hl - 1 : hl;
        if (hEnd == h) {
            h = hl + 1;
            break;  // empty line: end of head
        }
        if (++count > limits.maxHeaderCount)
            return error(431, "more than 100 header fields");
        if (*h == ' ' || *h == '\t')
            return error(400, "obsolete line folding in header field");
        const char *colon = h;
        while (colon < hEnd && isTokenChar(static_cast<unsigned char>(*colon)))
            ++colon;
        if (colon == h || colon >= hEnd || *colon != ':')
            return error(400, "malformed header field name");
        std::string_view name(h, size_t(colon - h));
        std::string_view value = trimOws(std::string_view(colon + 1, size_t(hEnd - colon - 1)));
        for (char c : value) {
            const unsigned char u = static_cast<unsigned char>(c);
            if ((u < 0x20 && u != '\t') || u == 0x7f)
                return error(400, "control character in header value");
        }
        if (!applyHeaderField(name, value, req, summary, r))
            return r;
        h = hl + 1;
    }

    if (summary.sawTransferEncoding)
        return error(501, "Transfer-Encoding is not supported; send Content-Length");
    if (!req.http10 && !req.hasHost)
        return error(400, "HTTP/1.1 request without Host header");
    if (summary.connClose)
        req.keepAlive = false;
    else if (req.http10 && summary.connKeepAlive)
        req.keepAlive = true;

    if (req.contentLength > limits.maxBodyBytes)
        return error(413, "request body larger than 64 KiB");
    const size_t headLen = size_t(h - begin);
    if (len - headLen < req.contentLength)
        return r;  // body not complete yet
    r.state = ParseState::Complete;
    r.consumed = headLen + req.contentLength;
    return r;
}

}  // namespace turno::server
