// Fuzzes turno-server's request parser and id validator: parse a buffer as a
// stream of pipelined requests, checking the parser's own promises as it goes.
#include "http_request_parser.h"
#include "id_validator.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace turno::server;
    const char *p = reinterpret_cast<const char *>(data);
    size_t off = 0;
    const ParserLimits limits;
    while (off < size) {
        const ParseResult r = parseHttpRequest(p + off, size - off, limits);
        if (r.state == ParseState::Incomplete)
            break;
        if (r.state == ParseState::Error) {
            const int s = r.errorStatus;
            if (s != 400 && s != 413 && s != 414 && s != 431 && s != 501 && s != 505)
                std::abort();
            break;
        }
        // A complete request consumes bytes inside the buffer, and its views point into it.
        if (r.consumed == 0 || r.consumed > size - off)
            std::abort();
        const std::string_view t = r.request.target;
        if (t.data() < p + off || t.data() + t.size() > p + off + r.consumed)
            std::abort();
        if (t.size() > 7 && t.substr(0, 7) == "/turno/") {
            const std::string_view path = t.substr(0, t.find('?'));
            const IdCheck c = validateId(path.substr(7));
            if (c.ok != c.problem.empty())
                std::abort();  // a refusal always says why, an acceptance never does
        }
        off += r.consumed;
    }
    return 0;
}
