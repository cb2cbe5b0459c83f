#include "failover/balancer_probe.h"

#include "common/once_with_timeout.h"

#include <QRegularExpression>
#include <QUrl>

namespace turno {

namespace {

constexpr qint64 kMaxBody = 64 * 1024;

}  // namespace

void BalancerProbe::turno(QObject *context, quint16 port, const QString &id, int timeoutMs,
                          std::function<void(Result<qint64>)> done)
{
    if (port == 0)
        return done(Error{QStringLiteral("no balancer")});
    // A child of context: it goes, and the request with it, when context goes.
    auto *connection = new HttpConnection(QStringLiteral("127.0.0.1"), port, context);
    auto finish = onceWithTimeout<Result<qint64>>(
        connection, timeoutMs,
        [timeoutMs] { return Result<qint64>(Error{QStringLiteral("no answer within %1 ms").arg(timeoutMs)}); },
        [connection, done = std::move(done)](Result<qint64> r) {
            connection->abort();
            connection->deleteLater();
            done(std::move(r));
        });
    connection->get("/turno/" + QUrl::toPercentEncoding(id), "application/json", kMaxBody,
                    [finish](Result<HttpConnection::Response> r, HttpConnection::Failure) {
                        if (!r.ok())
                            return finish(Error{r.error().isEmpty() ? QStringLiteral("the answer is over %1 bytes").arg(kMaxBody)
                                                                    : r.error()});
                        finish(parseAnswer(r.value()));
                    });
}

Result<qint64> BalancerProbe::parseAnswer(const HttpConnection::Response &response)
{
    if (response.status != 200)
        return Error{QStringLiteral("balancer answered %1 %2").arg(response.status).arg(QString::fromLatin1(response.reason))};
    static const QRegularExpression turnoRe(QStringLiteral("\"turno\":(\\d+)"));
    const auto m = turnoRe.match(QString::fromLatin1(response.body));
    if (!m.hasMatch())
        return Error{QStringLiteral("the balancer's 200 answer holds no turno: %1")
                         .arg(QString::fromLatin1(response.body.left(120)))};
    return m.captured(1).toLongLong();
}

}  // namespace turno
