// RedisCounters: reads the turno counters from a Redis server the way
// turno-server stores them (one integer key PREFIX+ID per id, e.g. turno:orders):
// SCAN for the keys, then MGET, keeping the N highest. Never blocks the caller.
#pragma once

#include "common/result.h"

#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>
#include <functional>
#include <memory>

namespace turno {

struct CounterValue {
    QString id;
    qint64 turno = 0;  // 0: the key does not exist (no number handed out yet)
};

struct RedisCounterQuery {
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 6379;
    QString password;
    QString keyPrefix = QStringLiteral("turno:");  // turno-server's --key-prefix
    int topN = 50;
    // Ids always read (MGET) and returned, whether SCAN met them or not
    // (the ids a load test used, for the issued-vs-stored check).
    QStringList alsoIds;
    // SCAN rounds of COUNT 1000: bounds the work on a Redis with millions of keys.
    int maxScanRounds = 20;
    int timeoutMs = 2000;
};

class RedisCounters : public QObject {
    Q_OBJECT
public:
    explicit RedisCounters(QObject *parent = nullptr);

    // done gets the topN counters by value (highest first), then the alsoIds
    // not among them; an error names the Redis address.
    void read(const RedisCounterQuery &query, std::function<void(Result<QList<CounterValue>>)> done);

    // The id of a counter key, or empty when key is not a counter (the node
    // registry's turno:registry:... keys, other prefixes, ids turno would refuse).
    static QString idFromKey(const QByteArray &key, const QString &prefix);
    static bool isValidId(const QString &id);

private:
    struct ReadState;
    void scanStep(std::shared_ptr<ReadState> state);
    void fetch(std::shared_ptr<ReadState> state);
};

}  // namespace turno
