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
