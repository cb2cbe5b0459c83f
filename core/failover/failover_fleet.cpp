#include "failover/failover_fleet.h"

namespace turno {

FailoverFleet::~FailoverFleet() = default;

QString FailoverFleet::redisReplica() const
{
    const QString primary = redisPrimary();
    for (const QString &n : redisNodes())
        if (n != primary)
            return n;
    return {};
}

void FailoverFleet::info(QObject *context, const QString &node, std::function<void(Result<RedisInfo>)> done)
{
    redis(context, node, {{"INFO", "replication"}}, 500, [node, done = std::move(done)](Result<QList<RespValue>> r) {
        if (!r.ok())
            return done(Error{r.error()});
        const RespValue v = r.value().value(0);
        if (v.type == RespValue::Type::Error)
            return done(Error{QString::fromUtf8(v.text)});
        Result<RedisInfo> info = RedisInfo::parse(v.text);
        if (!info.ok())
            return done(Error{QStringLiteral("INFO of %1 does not parse: %2").arg(node, info.error())});
        done(std::move(info));
    });
}

}  // namespace turno
