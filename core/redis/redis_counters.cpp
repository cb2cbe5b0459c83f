#include "redis/redis_counters.h"

#include "redis/resp_client.h"

#include <QSet>
#include <algorithm>

namespace turno {

namespace {
constexpr int kMgetBatch = 500;
}

// One read in progress: SCAN rounds, then one pipelined MGET.
struct RedisCounters::ReadState {
    RedisCounterQuery query;
    std::function<void(Result<QList<CounterValue>>)> done;
    QString where;
    QByteArray cursor = "0";
    int rounds = 0;
    QSet<QString> ids;
};

RedisCounters::RedisCounters(QObject *parent) : QObject(parent) {}

bool RedisCounters::isValidId(const QString &id)
{
    if (id.isEmpty() || id.size() > 64)
        return false;
    for (QChar c : id) {
        const char16_t u = c.unicode();
        const bool ok = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '.' ||
                        u == '_' || u == '~' || u == '-';
        if (!ok)
            return false;
    }
    return true;
}

QString RedisCounters::idFromKey(const QByteArray &key, const QString &prefix)
{
    const QByteArray p = prefix.toUtf8();
    if (!key.startsWith(p))
        return {};
    const QString id = QString::fromUtf8(key.mid(p.size()));
    return isValidId(id) ? id : QString();
}

void RedisCounters::read(const RedisCounterQuery &query, std::function<void(Result<QList<CounterValue>>)> done)
{
    auto state = std::make_shared<ReadState>();
    state->query = query;
    state->done = std::move(done);
    state->where = QStringLiteral("%1:%2").arg(query.host).arg(query.port);
    scanStep(state);
}

void RedisCounters::scanStep(std::shared_ptr<ReadState> state)
{
    auto *client = new RespClient(state->query.host, state->query.port, state->query.password, this);
    const QByteArray pattern = state->query.keyPrefix.toUtf8() + '*';
    client->run({{"SCAN", state->cursor, "MATCH", pattern, "COUNT", "1000"}},
                [this, client, state](Result<QList<RespValue>> r) {
                    client->deleteLater();
                    if (!r.ok())
                        return state->done(Error{r.error()});
                    const RespValue reply = r.value().value(0);
                    if (reply.type == RespValue::Type::Error)
                        return state->done(Error{QStringLiteral("Redis at %1 refused SCAN: %2")
                                                     .arg(state->where, QString::fromUtf8(reply.text))});
                    if (reply.type != RespValue::Type::Array || reply.items.size() != 2)
                        return state->done(Error{QStringLiteral("Redis at %1 sent an unexpected SCAN reply").arg(state->where)});
                    state->cursor = reply.items[0].text;
                    for (const RespValue &key : reply.items[1].items)
                        if (const QString id = idFromKey(key.text, state->query.keyPrefix); !id.isEmpty())
                            state->ids.insert(id);
                    ++state->rounds;
                    if (state->cursor == "0" || state->rounds >= state->query.maxScanRounds)
                        fetch(state);
                    else
                        scanStep(state);
                },
                state->query.timeoutMs);
}

void RedisCounters::fetch(std::shared_ptr<ReadState> state)
{
    QStringList ids(state->ids.cbegin(), state->ids.cend());
    for (const QString &id : std::as_const(state->query.alsoIds))
        if (isValidId(id) && !state->ids.contains(id))
            ids << id;
    if (ids.isEmpty())
        return state->done(QList<CounterValue>{});
    QList<QList<QByteArray>> commands;
    const QByteArray prefix = state->query.keyPrefix.toUtf8();
    for (qsizetype i = 0; i < ids.size(); i += kMgetBatch) {
        QList<QByteArray> mget{"MGET"};
        for (qsizetype k = i; k < std::min(ids.size(), i + kMgetBatch); ++k)
            mget << prefix + ids[k].toUtf8();
        commands << mget;
    }
    auto *client = new RespClient(state->query.host, state->query.port, state->query.password, this);
    client->run(commands, [client, state, ids](Result<QList<RespValue>> r) {
        client->deleteLater();
        if (!r.ok())
            return state->done(Error{r.error()});
        const QSet<QString> asked(state->query.alsoIds.cbegin(), state->query.alsoIds.cend());
        QList<CounterValue> values;
        qsizetype i = 0;
        for (const RespValue &reply : r.value()) {
            if (reply.type == RespValue::Type::Error)
                return state->done(Error{QStringLiteral("Redis at %1 refused MGET: %2")
                                             .arg(state->where, QString::fromUtf8(reply.text))});
            for (const RespValue &item : reply.items) {
                const QString id = ids.value(i++);
                bool ok = false;
                const qint64 n = item.type == RespValue::Type::Bulk ? item.text.toLongLong(&ok) : 0;
                // A key holding something else is not a counter: left out unless asked for.
                if (ok || asked.contains(id))
                    values << CounterValue{id, ok ? n : 0};
            }
        }
        std::stable_sort(values.begin(), values.end(), [](const CounterValue &a, const CounterValue &b) {
            return a.turno > b.turno || (a.turno == b.turno && a.id < b.id);
        });
        QList<CounterValue> top;
        QList<CounterValue> rest;
        for (const CounterValue &v : std::as_const(values)) {
            if (top.size() < state->query.topN && v.turno > 0)
                top << v;
            else if (asked.contains(v.id))
                rest << v;
        }
        state->done(top + rest);
    }, state->query.timeoutMs);
}

}  // namespace turno
