#include "failover/balancer_probe.h"

#include "scrape/http_get.h"

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
    httpGet(context, QStringLiteral("127.0.0.1"), port, "/turno/" + QUrl::toPercentEncoding(id), timeoutMs,
            [done = std::move(done)](Result<HttpConnection::Response> r) {
                if (!r.ok())
                    return done(Error{r.error()});
                done(parseAnswer(r.value()));
            },
            kMaxBody);
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
