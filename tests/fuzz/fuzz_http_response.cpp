// Fuzzes both HTTP response parsers: the load generator's HttpResponseParser
// (framing from a receive buffer, with and without a decode buffer, with and
// without the peer closed) and the scrape client's head and chunked-body
// parsing (HttpConnection::parseResponseHead / parseChunkedBody), fed whole
// and in two pieces as bytes arrive from a socket.
#include "load/http_response_parser.h"
#include "scrape/http_connection.h"

#include <QByteArray>
#include <QString>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

using turno::HttpConnection;
using turno::HttpResponseFrame;
using turno::HttpResponseParser;

void checkLoadParser(const char *p, size_t n, bool peerClosed, bool decode)
{
    std::string decoded;
    const HttpResponseFrame f = HttpResponseParser::parse(p, n, peerClosed, decode ? &decoded : nullptr);
    switch (f.state) {
    case HttpResponseFrame::State::Invalid:
        if (f.why == nullptr || f.why[0] == 0)
            std::abort();
        break;
    case HttpResponseFrame::State::Complete: {
        if (f.totalLength == 0 || f.totalLength > n)
            std::abort();
        if (f.status < 100 || f.status > 599)
            std::abort();
        // The body lies inside the response or inside the decode buffer.
        const bool inData = f.body.data() >= p && f.body.data() + f.body.size() <= p + f.totalLength;
        const bool inDecoded = decode && f.body.data() == decoded.data() && f.body.size() == decoded.size();
        if (!f.body.empty() && !inData && !inDecoded)
            std::abort();
        if (f.untilClose && !peerClosed)
            std::abort();
        // A complete response stays complete, the same size, with more bytes after it.
        if (!f.untilClose && f.totalLength < n) {
            const HttpResponseFrame g = HttpResponseParser::parse(p, f.totalLength, peerClosed, nullptr);
            if (g.state != HttpResponseFrame::State::Complete || g.totalLength != f.totalLength)
                std::abort();
        }
        break;
    }
    case HttpResponseFrame::State::Incomplete:
        if (peerClosed && f.untilClose)
            std::abort();  // a body to the close ends when the peer closes
        break;
    }
}

void checkScrapeParser(const QByteArray &in)
{
    const HttpConnection::Head h = HttpConnection::parseResponseHead(in);
    if (h.skipped < 0 || h.skipped > in.size())
        std::abort();
    if (h.step == HttpConnection::Step::Invalid) {
        if (h.why.isEmpty())
            std::abort();
        return;
    }
    if (h.step != HttpConnection::Step::Complete)
        return;
    if (h.headEnd < 4 || h.skipped + h.headEnd > in.size())
        std::abort();
    if (h.chunked && h.contentLength != -1)
        std::abort();
    if (h.untilClose && (h.keepAlive || h.chunked || h.contentLength != -1))
        std::abort();
    if (!h.chunked)
        return;
    // The body after the head, whole, then as two arrivals with the state kept in between.
    const QByteArray rest = in.sliced(h.skipped);
    for (const qint64 limit : {qint64(0), qint64(64)}) {
        qsizetype pos = h.headEnd;
        QByteArray body;
        QString why;
        const HttpConnection::Step whole = HttpConnection::parseChunkedBody(rest, pos, body, limit, why);
        if (whole == HttpConnection::Step::Invalid && why.isEmpty())
            std::abort();
        if (limit > 0 && body.size() > limit)
            std::abort();
        if (pos < h.headEnd || pos > rest.size())
            std::abort();
        const qsizetype cut = h.headEnd + (rest.size() - h.headEnd) / 2;
        qsizetype pos2 = h.headEnd;
        QByteArray body2;
        QString why2;
        HttpConnection::Step s = HttpConnection::parseChunkedBody(rest.first(cut), pos2, body2, limit, why2);
        if (s == HttpConnection::Step::Incomplete)
            s = HttpConnection::parseChunkedBody(rest, pos2, body2, limit, why2);
        if (whole == HttpConnection::Step::Complete && (s != whole || body2 != body))
            std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // Copy to an exact-size heap buffer so ASan sees any read past the end.
    char *p = static_cast<char *>(std::malloc(size ? size : 1));
    if (size)
        std::memcpy(p, data, size);
    for (const bool peerClosed : {false, true})
        for (const bool decode : {false, true})
            checkLoadParser(p, size, peerClosed, decode);
    std::free(p);

    checkScrapeParser(QByteArray(reinterpret_cast<const char *>(data), qsizetype(size)));
    return 0;
}
