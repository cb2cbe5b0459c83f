// HttpConnection: one keep-alive HTTP/1.1 connection to one host for scrapes:
// GET, body framed by Content-Length, chunked or close, gzip decoded, a body
// limit; all in the caller's thread, so a scrape costs no thread hop and no
// per-request objects (QNetworkAccessManager's HTTP thread cost more CPU than
// parsing at 100 targets/s). Plain http only; HttpScraper keeps Qt's stack for https.
#pragma once

#include "common/result.h"

#include <QByteArray>
#include <QObject>
#include <QString>
#include <functional>

class QTcpSocket;

namespace turno {

class HttpConnection : public QObject {
    Q_OBJECT
public:
    struct Response {
        int status = 0;
        QByteArray reason;
        QByteArray contentType;
        QByteArray body;  // decoded (gzip/deflate undone)
    };
    enum class Failure { None, Network, TooLarge, Protocol };
    using Done = std::function<void(Result<Response>, Failure)>;

    // The pure parsing steps behind a request, callable on bytes (the fuzz
    // target tests/fuzz/fuzz_http_response.cpp drives them).
    enum class Step { Incomplete, Complete, Invalid, TooLarge };
    // What a response head says about its body.
    struct Head {
        Step step = Step::Incomplete;  // Complete, Incomplete or Invalid (why says what)
        QString why;
        qsizetype skipped = 0;         // bytes of 1xx interim answers before this head (also when Incomplete)
        qsizetype headEnd = -1;        // offset of the body, counted after skipped (Complete only)
        int status = 0;
        QByteArray reason;
        QByteArray contentType;
        QByteArray encoding;           // lowercased; empty for none or identity
        qint64 contentLength = -1;     // -1: chunked or until close
        bool chunked = false;
        bool untilClose = false;       // no length: the body runs until the peer closes
        bool keepAlive = true;
    };
    static Head parseResponseHead(QByteArrayView in);
    // Decodes the chunked body in in from pos (both kept across calls as bytes
    // arrive), appending to body; TooLarge when body would pass limit (0: none).
    static Step parseChunkedBody(QByteArrayView in, qsizetype &pos, QByteArray &body, qint64 limit, QString &why);

    HttpConnection(QString host, quint16 port, QObject *parent = nullptr);
    ~HttpConnection() override;

    // One request at a time. done runs once, from the event loop (never inside
    // get), unless abort() comes first. A body (after decoding) over
    // maxBodyBytes fails with Failure::TooLarge; 0 means no limit.
    void get(const QByteArray &target, const QByteArray &accept, qint64 maxBodyBytes, Done done);
    // Drops the request in flight and the connection; done is not called.
    void abort();
    bool busy() const { return bool(m_done); }

private:
    void send();
    void onReadable();
    void onClosed();
    void onError();
    // Parses what has arrived; true when the response is complete (or failed).
    bool parse();
    bool parseHead();
    bool parseChunked();
    void complete();
    void fail(Failure kind, const QString &why);
    void reset();

    QString m_host;
    quint16 m_port;
    QTcpSocket *m_socket = nullptr;
    QByteArray m_request;
    qint64 m_limit = 0;
    Done m_done;
    bool m_reused = false;       // the request went out on a connection that served one before
    bool m_gotBytes = false;
    // Response being read.
    QByteArray m_in;
    qsizetype m_headEnd = -1;    // offset of the body in m_in
    Response m_response;
    qint64 m_contentLength = -1;
    bool m_chunked = false;
    bool m_untilClose = false;
    bool m_keepAlive = true;
    QByteArray m_encoding;
    QByteArray m_body;           // chunked: the de-chunked body so far
    qsizetype m_chunkPos = 0;    // chunked: parse position in m_in
};

}  // namespace turno
