// HttpRequestParser: parses one HTTP/1.1 request head (and skips its body) from
// a byte buffer without copying. Hand-written because the service only needs
// GET/HEAD routing and a few headers; tests/fuzz/fuzz_http_request.cpp fuzzes it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace turno::server {

struct ParserLimits {
    size_t maxRequestLine = 8192;     // longer -> 414
    size_t maxHeaderBytes = 16384;    // header section beyond this -> 431
    size_t maxHeaderCount = 100;      // more header fields -> 431
    size_t maxBodyBytes = 65536;      // a body we must skip; larger -> 413
};

enum class HttpMethod : uint8_t { Get, Head, Other };

struct HttpRequest {
    HttpMethod method = HttpMethod::Other;
    std::string_view methodText;
    std::string_view target;          // as sent, including any query
    bool http10 = false;
    bool keepAlive = true;            // after Connection header and version defaults
    bool hasHost = false;
    size_t contentLength = 0;
    std::string_view authorization;   // raw value of Authorization, if any
};

enum class ParseState : uint8_t { Incomplete, Complete, Error };

struct ParseResult {
    ParseState state = ParseState::Incomplete;
    size_t consumed = 0;              // bytes of head + body, when Complete
    int errorStatus = 0;              // 400, 413, 414, 431, 501, 505 when Error
    const char *errorReason = "";     // static text naming the problem
    HttpRequest request;
};

// Parses the request at the start of [data, data+len). Incomplete means more
// bytes are needed and none of the limits is broken yet.
ParseResult parseHttpRequest(const char *data, size_t len, const ParserLimits &limits);

}  // namespace turno::server
