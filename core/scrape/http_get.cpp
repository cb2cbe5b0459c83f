#include "scrape/http_get.h"

#include "common/once_with_timeout.h"

namespace turno {

void httpGet(QObject *context, const QString &host, quint16 port, const QByteArray &target, int timeoutMs,
             HttpGetDone done, qint64 maxBodyBytes)
{
    // The connection is the request: a child of context, it goes with it, and so does the answer.
    auto *connection = new HttpConnection(host, port, context);
    const QString where = QStringLiteral("%1:%2").arg(host).arg(port);
    using Reply = Result<HttpConnection::Response>;
    auto finish = onceWithTimeout<Reply>(
        connection, timeoutMs,
        [where, target, timeoutMs] {
            return Reply(Error{QStringLiteral("%1 did not answer GET %2 within %3 ms").arg(where, QString::fromUtf8(target)).arg(timeoutMs)});
        },
        [connection, done](Reply r) {
            connection->abort();
            connection->deleteLater();
            done(std::move(r));
        });
    connection->get(target, "*/*", maxBodyBytes, [finish, where](Reply r, HttpConnection::Failure) {
        if (!r.ok())
            return finish(Reply(Error{QStringLiteral("%1: %2").arg(where, r.error())}));
        finish(std::move(r));
    });
}

}  // namespace turno
