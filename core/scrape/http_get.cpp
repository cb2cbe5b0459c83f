#include "scrape/http_get.h"

#include "common/finish_once.h"

#include <QPointer>

namespace turno {

void httpGet(QObject *context, const QString &host, quint16 port, const QByteArray &target, int timeoutMs,
             HttpGetDone done, qint64 maxBodyBytes)
{
    auto *connection = new HttpConnection(host, port, context);
    const QString where = QStringLiteral("%1:%2").arg(host).arg(port);
    QPointer<HttpConnection> guard(connection);
    auto finish = finishOnce<HttpConnection::Response>(
        context, timeoutMs, QStringLiteral("%1 did not answer GET %2 within %3 ms").arg(where, QString::fromUtf8(target)).arg(timeoutMs),
        [guard, done](Result<HttpConnection::Response> r) {
            if (guard) {
                guard->abort();
                guard->deleteLater();
            }
            done(std::move(r));
        },
        [guard] {
            if (guard)
                guard->abort();
        });
    connection->get(target, "*/*", maxBodyBytes, [finish, where](Result<HttpConnection::Response> r, HttpConnection::Failure) {
        if (!r.ok())
            return finish(Error{QStringLiteral("%1: %2").arg(where, r.error())});
        finish(std::move(r));
    });
}

}  // namespace turno
