#include "scrape/http_connection.h"

#include <QTcpSocket>
#include <algorithm>
#include <zlib.h>

namespace turno {

namespace {

constexpr qsizetype kMaxHead = 64 * 1024;

bool startsWithNoCase(QByteArrayView line, QByteArrayView name)
{
    return line.size() > name.size() && line.at(name.size()) == ':' &&
           line.first(name.size()).compare(name, Qt::CaseInsensitive) == 0;
}

QByteArray headerValue(QByteArrayView line, qsizetype nameSize)
{
    return line.sliced(nameSize + 1).trimmed().toByteArray();
}

// gzip or zlib (windowBits 15 + 32 detects either), at most limit bytes out.
bool inflateBody(const QByteArray &in, qint64 limit, QByteArray &out, QString &why, bool &tooLarge)
{
    z_stream z{};
    if (inflateInit2(&z, 15 + 32) != Z_OK) {
        why = QStringLiteral("cannot start the gzip decoder");
        return false;
    }
    qsizetype cap = std::max<qsizetype>(in.size() * 6, 16 * 1024);
    if (limit > 0)
        cap = std::min<qsizetype>(cap, qsizetype(limit) + 1);
    out.resize(cap);
    qsizetype produced = 0;
    z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(in.constData()));
    z.avail_in = uInt(in.size());
    bool ok = false;
    for (;;) {
        z.next_out = reinterpret_cast<Bytef *>(out.data() + produced);
        z.avail_out = uInt(out.size() - produced);
        const int ret = inflate(&z, Z_NO_FLUSH);
        produced = out.size() - qsizetype(z.avail_out);
        if (limit > 0 && produced > limit) {
            tooLarge = true;
            break;
        }
        if (ret == Z_STREAM_END) {
            ok = true;
            break;
        }
        if (ret != Z_OK && ret != Z_BUF_ERROR) {
            why = QStringLiteral("the gzip body is corrupt (%1)").arg(QString::fromLatin1(z.msg ? z.msg : "inflate error"));
            break;
        }
        if (z.avail_out == 0) {
            qsizetype grown = out.size() * 2;
            if (limit > 0)
                grown = std::min<qsizetype>(grown, qsizetype(limit) + 1);
            out.resize(grown);
        } else if (z.avail_in == 0) {
            why = QStringLiteral("the gzip body ends early");
            break;
        }
    }
    inflateEnd(&z);
    out.resize(produced);
    return ok;
}

}  // namespace

HttpConnection::HttpConnection(QString host, quint16 port, QObject *parent)
    : QObject(parent), m_host(std::move(host)), m_port(port)
{
}

HttpConnection::~HttpConnection()
{
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
}

void HttpConnection::get(const QByteArray &target, const QByteArray &accept, qint64 maxBodyBytes, Done done)
{
    const QByteArray host = m_host.contains(QLatin1Char(':')) ? '[' + m_host.toLatin1() + ']' : m_host.toLatin1();
    m_request = "GET " + target + " HTTP/1.1\r\nHost: " + host + ':' + QByteArray::number(m_port) +
                "\r\nUser-Agent: turno-ops-scraper\r\nAccept: " + accept + "\r\nAccept-Encoding: gzip\r\n\r\n";
    m_limit = maxBodyBytes;
    m_done = std::move(done);
    send();
}

void HttpConnection::send()
{
    reset();
    if (m_socket && m_socket->state() == QAbstractSocket::ConnectedState) {
        m_reused = true;
        m_socket->write(m_request);
        return;
    }
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
    }
    m_reused = false;
    m_socket = new QTcpSocket(this);
    connect(m_socket, &QTcpSocket::connected, this, [this] {
        m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        m_socket->write(m_request);
    });
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::onReadable);
    connect(m_socket, &QTcpSocket::disconnected, this, &HttpConnection::onClosed);
    connect(m_socket, &QTcpSocket::errorOccurred, this, &HttpConnection::onError);
    m_socket->connectToHost(m_host, m_port);
}

void HttpConnection::abort()
{
    m_done = nullptr;
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
        m_socket = nullptr;
    }
}

void HttpConnection::reset()
{
    m_in.clear();
    m_headEnd = -1;
    m_response = Response{};
    m_contentLength = -1;
    m_chunked = false;
    m_untilClose = false;
    m_keepAlive = true;
    m_encoding.clear();
    m_body.clear();
    m_chunkPos = 0;
    m_gotBytes = false;
}

void HttpConnection::onReadable()
{
    const qint64 available = m_socket->bytesAvailable();
    if (available <= 0)
        return;
    if (!m_done) {
        m_socket->readAll();  // nothing asked: an unsolicited answer is dropped with the connection
        abort();
        return;
    }
    m_gotBytes = true;
    const qsizetype old = m_in.size();
    m_in.resize(old + qsizetype(available));
    const qint64 got = m_socket->read(m_in.data() + old, available);
    m_in.resize(old + qsizetype(std::max<qint64>(got, 0)));
    if (parse())
        return;
    // Read to close: the body so far is already over the limit.
    if (m_limit > 0 && m_untilClose && m_in.size() - m_headEnd > m_limit)
        fail(Failure::TooLarge, QString());
}

void HttpConnection::onClosed()
{
    if (!m_done)
        return;
    // Read to close: the body ends here.
    if (m_headEnd >= 0 && m_untilClose) {
        m_socket->disconnect(this);
        m_socket->deleteLater();
        m_socket = nullptr;
        m_keepAlive = false;
        m_response.body = m_in.sliced(m_headEnd);
        complete();
        return;
    }
    onError();
}

void HttpConnection::onError()
{
    if (!m_done || !m_socket)
        return;
    // A kept-alive connection the server closed while idle fails the next
    // request before any byte comes back: try once more on a fresh one (GET is idempotent).
    if (m_reused && !m_gotBytes) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
        m_socket = nullptr;
        send();
        return;
    }
    if (m_headEnd >= 0 && m_untilClose && m_socket->error() == QAbstractSocket::RemoteHostClosedError) {
        onClosed();
        return;
    }
    QString why = m_socket->errorString();
    if (m_socket->error() == QAbstractSocket::RemoteHostClosedError)
        why = m_headEnd < 0 ? QStringLiteral("connection closed before an HTTP answer")
                            : QStringLiteral("connection closed in the middle of the body");
    fail(Failure::Network, why);
}

bool HttpConnection::parse()
{
    if (m_headEnd < 0 && !parseHead())
        return !m_done;  // incomplete, or failed
    if (m_chunked)
        return parseChunked();
    if (m_contentLength >= 0) {
        if (m_limit > 0 && m_contentLength > m_limit) {
            fail(Failure::TooLarge, QString());
            return true;
        }
        if (m_in.size() - m_headEnd < m_contentLength)
            return false;
        m_in.remove(0, m_headEnd);
        m_in.truncate(qsizetype(m_contentLength));
        m_response.body = std::move(m_in);
        m_in = QByteArray();
        complete();
        return true;
    }
    return false;  // until close
}

bool HttpConnection::parseHead()
{
    Head h = parseResponseHead(m_in);
    if (h.skipped > 0)
        m_in.remove(0, h.skipped);
    if (h.step == Step::Invalid) {
        fail(Failure::Protocol, h.why);
        return false;
    }
    if (h.step != Step::Complete)
        return false;
    m_response.status = h.status;
    m_response.reason = std::move(h.reason);
    m_response.contentType = std::move(h.contentType);
    m_encoding = std::move(h.encoding);
    m_contentLength = h.contentLength;
    m_chunked = h.chunked;
    m_untilClose = h.untilClose;
    m_keepAlive = h.keepAlive;
    m_headEnd = h.headEnd;
    if (m_chunked)
        m_chunkPos = m_headEnd;
    return true;
}

HttpConnection::Head HttpConnection::parseResponseHead(QByteArrayView in)
{
    Head h;
    auto invalid = [&h](QString why) {
        h.step = Step::Invalid;
        h.why = std::move(why);
        return h;
    };
    for (;;) {
        const QByteArrayView rest = in.sliced(h.skipped);
        const qsizetype end = rest.indexOf("\r\n\r\n");
        if (end < 0) {
            if (rest.size() > kMaxHead)
                return invalid(QStringLiteral("HTTP response head over %1 bytes").arg(kMaxHead));
            return h;
        }
        const QByteArrayView head = rest.first(end);
        qsizetype lineEnd = head.indexOf("\r\n");
        const QByteArrayView status = lineEnd < 0 ? head : head.first(lineEnd);
        // HTTP/1.x NNN reason
        if (status.size() < 12 || !status.startsWith("HTTP/1.") || status.at(8) != ' ')
            return invalid(QStringLiteral("not an HTTP/1.x answer: %1")
                               .arg(QString::fromLatin1(status.first(std::min<qsizetype>(60, status.size())).toByteArray())));
        bool okCode = false;
        const int code = status.sliced(9, 3).toByteArray().toInt(&okCode);
        if (!okCode)
            return invalid(QStringLiteral("bad HTTP status line: %1")
                               .arg(QString::fromLatin1(status.first(std::min<qsizetype>(60, status.size())).toByteArray())));
        const bool http10 = status.at(7) == '0';
        if (code >= 100 && code < 200) {  // 100 Continue and friends: the real answer follows
            h.skipped += end + 4;
            continue;
        }
        h.status = code;
        h.reason = status.size() > 13 ? status.sliced(13).toByteArray() : QByteArray();
        h.keepAlive = !http10;
        while (lineEnd >= 0) {
            const qsizetype from = lineEnd + 2;
            lineEnd = head.indexOf("\r\n", from);
            const QByteArrayView line = head.sliced(from, (lineEnd < 0 ? head.size() : lineEnd) - from);
            if (startsWithNoCase(line, "content-length")) {
                bool ok = false;
                h.contentLength = headerValue(line, 14).toLongLong(&ok);
                if (!ok || h.contentLength < 0)
                    return invalid(QStringLiteral("bad Content-Length"));
            } else if (startsWithNoCase(line, "transfer-encoding")) {
                h.chunked = headerValue(line, 17).toLower().contains("chunked");
            } else if (startsWithNoCase(line, "content-encoding")) {
                h.encoding = headerValue(line, 16).toLower();
                if (h.encoding == "identity")
                    h.encoding.clear();
            } else if (startsWithNoCase(line, "content-type")) {
                h.contentType = headerValue(line, 12);
            } else if (startsWithNoCase(line, "connection")) {
                const QByteArray v = headerValue(line, 10).toLower();
                if (v.contains("close"))
                    h.keepAlive = false;
                else if (v.contains("keep-alive"))
                    h.keepAlive = true;
            }
        }
        h.headEnd = end + 4;
        if (h.chunked) {
            h.contentLength = -1;
        } else if (h.contentLength < 0) {
            if (code == 204 || code == 304) {
                h.contentLength = 0;
            } else {
                h.untilClose = true;
                h.keepAlive = false;
            }
        }
        h.step = Step::Complete;
        return h;
    }
}

bool HttpConnection::parseChunked()
{
    QString why;
    switch (parseChunkedBody(m_in, m_chunkPos, m_body, m_limit, why)) {
    case Step::Incomplete:
        return false;
    case Step::Invalid:
        fail(Failure::Protocol, why);
        return true;
    case Step::TooLarge:
        fail(Failure::TooLarge, QString());
        return true;
    case Step::Complete:
        break;
    }
    m_response.body = std::move(m_body);
    m_body = QByteArray();
    m_in.clear();
    complete();
    return true;
}

HttpConnection::Step HttpConnection::parseChunkedBody(QByteArrayView in, qsizetype &pos, QByteArray &body, qint64 limit,
                                                      QString &why)
{
    for (;;) {
        const qsizetype lineEnd = in.indexOf("\r\n", pos);
        if (lineEnd < 0)
            return Step::Incomplete;
        QByteArrayView sizeText = in.sliced(pos, lineEnd - pos);
        if (const qsizetype semi = sizeText.indexOf(';'); semi >= 0)
            sizeText = sizeText.first(semi);  // chunk extensions
        bool ok = false;
        const qint64 size = sizeText.trimmed().toByteArray().toLongLong(&ok, 16);
        if (!ok || size < 0) {
            why = QStringLiteral("bad chunk size in a chunked body");
            return Step::Invalid;
        }
        if (size == 0) {
            // Trailers end with an empty line.
            if (in.indexOf("\r\n\r\n", lineEnd) < 0) {
                if (in.size() - lineEnd <= kMaxHead)
                    return Step::Incomplete;
                why = QStringLiteral("chunked trailers over %1 bytes").arg(kMaxHead);
                return Step::Invalid;
            }
            return Step::Complete;
        }
        // (size is up to 2^63-1 from the peer: compare without adding it to an offset)
        if (size > in.size() - lineEnd - 4)
            return Step::Incomplete;
        if (limit > 0 && body.size() + size > limit)
            return Step::TooLarge;
        body.append(in.constData() + lineEnd + 2, qsizetype(size));
        pos = lineEnd + 2 + qsizetype(size) + 2;
    }
}

void HttpConnection::complete()
{
    Done done = std::move(m_done);
    m_done = nullptr;
    if (!m_keepAlive && m_socket) {
        m_socket->disconnect(this);
        m_socket->disconnectFromHost();
        m_socket->deleteLater();
        m_socket = nullptr;
    }
    if (!m_encoding.isEmpty()) {
        if (m_encoding != "gzip" && m_encoding != "x-gzip" && m_encoding != "deflate") {
            done(Error{QStringLiteral("unsupported Content-Encoding %1").arg(QString::fromLatin1(m_encoding))},
                 Failure::Protocol);
            return;
        }
        QByteArray decoded;
        QString why;
        bool tooLarge = false;
        if (!inflateBody(m_response.body, m_limit, decoded, why, tooLarge)) {
            if (tooLarge)
                done(Error{QString()}, Failure::TooLarge);
            else
                done(Error{why}, Failure::Protocol);
            return;
        }
        m_response.body = std::move(decoded);
    }
    done(std::move(m_response), Failure::None);
}

void HttpConnection::fail(Failure kind, const QString &why)
{
    Done done = std::move(m_done);
    m_done = nullptr;
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
        m_socket = nullptr;
    }
    if (done)
        done(Error{why}, kind);
}

}  // namespace turno
