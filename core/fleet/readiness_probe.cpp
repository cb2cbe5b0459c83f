#include "fleet/readiness_probe.h"

#include "redis/redis_info.h"
#include "redis/resp_client.h"
#include "scrape/http_get.h"

#include <QElapsedTimer>
#include <QTimer>
#include <memory>

namespace turno {

ReadinessProbe::Check ReadinessProbe::redisPing(QObject *context, quint16 port, const QString &password)
{
    QPointer<QObject> owner(context);
    return [owner, port, password](std::function<void(bool)> done) {
        if (!owner)
            return done(false);
        // A refusal (LOADING while the AOF is read, NOAUTH) is a complete answer: retry now.
        auto *client = new RespClient(QStringLiteral("127.0.0.1"), port, password, owner);
        client->run({{"PING"}}, [client, done](Result<QList<RespValue>> r) {
            client->deleteLater();
            done(r.ok() && r.value().value(0).type == RespValue::Type::Simple && r.value().value(0).text == "PONG");
        }, 1000);
    };
}

ReadinessProbe::Check ReadinessProbe::listsOnlineReplica(QObject *context, quint16 primaryPort, const QString &password)
{
    QPointer<QObject> owner(context);
    return [owner, primaryPort, password](std::function<void(bool)> done) {
        if (!owner)
            return done(false);
        auto *client = new RespClient(QStringLiteral("127.0.0.1"), primaryPort, password, owner);
        client->run({{"INFO", "replication"}}, [client, done](Result<QList<RespValue>> r) {
            client->deleteLater();
            if (!r.ok() || r.value().value(0).type != RespValue::Type::Bulk)
                return done(false);
            const Result<RedisInfo> info = RedisInfo::parse(r.value().value(0).text);
            bool online = false;
            for (const RedisInfo::Replica &replica : info.ok() ? info.value().replicas() : QList<RedisInfo::Replica>{})
                online = online || replica.state == QLatin1String("online");
            done(online);
        }, 1000);
    };
}

ReadinessProbe::Check ReadinessProbe::turnoReady(QObject *context, quint16 port)
{
    return answers200(context, port, "/readyz");
}

ReadinessProbe::Check ReadinessProbe::answers200(QObject *context, quint16 port, const QByteArray &path)
{
    QPointer<QObject> owner(context);
    return [owner, port, path](std::function<void(bool)> done) {
        if (!owner)
            return done(false);
        httpGet(owner, QStringLiteral("127.0.0.1"), port, path, 1000,
                [done](Result<HttpConnection::Response> r) { done(r.ok() && r.value().status == 200); });
    };
}

ReadinessProbe::Check ReadinessProbe::haproxyServersUp(HaproxyRuntime *runtime, const QString &backend, QStringList servers)
{
    QPointer<HaproxyRuntime> haproxy(runtime);
    return [haproxy, backend, servers](std::function<void(bool)> done) {
        if (!haproxy)
            return done(false);
        haproxy->send(QStringLiteral("show stat"), [backend, servers, done](Result<QByteArray> r) {
            const auto rows = r.ok() ? HaproxyRuntime::parseShowStat(r.value()) : Result<QList<HaproxyStatRow>>(Error{r.error()});
            if (!rows.ok())
                return done(false);
            int up = 0;
            for (const HaproxyStatRow &row : rows.value())
                if (row.proxy == backend && servers.contains(row.server) && row.state() == BalancerState::Up)
                    ++up;
            done(up == servers.size());
        }, 500);
    };
}

void ReadinessProbe::waitUntil(QObject *context, Check check, int timeoutMs, int intervalMs,
                               std::function<bool()> stillWanted, std::function<void(bool)> done)
{
    auto clock = std::make_shared<QElapsedTimer>();
    clock->start();
    QPointer<QObject> owner(context);
    // The attempt holds itself only weakly; a check in flight or a pending
    // retry timer holds it strongly. So it is freed however it ends: done,
    // timed out, no longer wanted (a stop), or the context gone.
    auto attempt = std::make_shared<std::function<void()>>();
    std::weak_ptr<std::function<void()>> weak = attempt;
    *attempt = [owner, check, done, stillWanted, timeoutMs, intervalMs, clock, weak] {
        auto self = weak.lock();
        if (!self || !owner)
            return;
        check([owner, done, stillWanted, timeoutMs, intervalMs, clock, self](bool ok) {
            if (!owner || !stillWanted())
                return;
            if (ok)
                return done(true);
            if (clock->elapsed() >= timeoutMs)
                return done(false);
            QTimer::singleShot(intervalMs, owner, [self] { (*self)(); });
        });
    };
    (*attempt)();
}

}  // namespace turno
