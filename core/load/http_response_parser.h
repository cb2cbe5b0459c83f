// HttpResponseParser: frames one HTTP/1.x response out of a receive buffer
// without copying (status, Content-Length or chunked body, Connection: close).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace turno {

struct HttpResponseFrame {
    enum class State { Incomplete, Complete, Invalid };
    State state = State::Incomplete;
    int status = 0;
    size_t totalLength = 0;     // bytes of this response in the buffer (Complete only)
    std::string_view body;      // points into the buffer, or into decoded for chunked bodies
    bool closeAfter = false;    // Connection: close, or HTTP/1.0 without keep-alive
    bool untilClose = false;    // no length given: the body runs until the peer closes
    const char *why = "";       // for Invalid
};

class HttpResponseParser {
public:
    // Largest header block accepted; a turno answer's headers are a few hundred bytes.
    static constexpr size_t kMaxHeaderBytes = 64 * 1024;

    // Parses the response at the start of data. With peerClosed, a response
    // without a length ends at the end of data. decoded receives a chunked body.
    static HttpResponseFrame parse(const char *data, size_t length, bool peerClosed, std::string *decoded);
};

}  // namespace turno
