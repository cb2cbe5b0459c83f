// RedisInfoScraper: reads INFO from many Redis servers on a schedule through
// hiredis's async Qt adapter (AUTH, timeout, reconnect), never blocking.
#pragma once

#include "redis/redis_info.h"
#include "scrape/scrape_result.h"

#include <QObject>
#include <QString>
#include <memory>
#include <vector>

namespace turno {

struct RedisTarget {
    QString name;
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 6379;
    QString username;  // Redis 6 ACL user; empty: AUTH with the password only
    QString password;  // empty: no AUTH
};

struct RedisScrapeResult {
    int target = -1;
    QString name;
    bool up = false;
    double durationSeconds = 0;
    qint64 timestampMs = 0;
    QString error;
    std::shared_ptr<const RedisInfo> info;  // null when down
};

class RedisInfoScraper : public QObject {
    Q_OBJECT
public:
    struct Options {
        int intervalMs = 1000;
        int timeoutMs = 900;  // connect + AUTH + INFO
    };

    explicit RedisInfoScraper(QObject *parent = nullptr);
    explicit RedisInfoScraper(Options options, QObject *parent = nullptr);
    ~RedisInfoScraper() override;

    int addTarget(const RedisTarget &target);
    int targetCount() const { return int(m_conns.size()); }
    TargetHealth health(int index) const;

    void start();
    void stop();
    // One INFO now for target index, outside the schedule.
    void scrapeNow(int index);

signals:
    void scraped(const turno::RedisScrapeResult &result);

private:
    struct Connection;
    friend struct RedisInfoScraperCallbacks;
    void begin(Connection &c);
    void connectTo(Connection &c, const QString &address);
    void sendCommands(Connection &c);
    void complete(Connection &c, bool up, const QString &error, std::shared_ptr<const RedisInfo> info);
    void dropContext(Connection &c);

    Options m_options;
    std::vector<std::unique_ptr<Connection>> m_conns;
    bool m_running = false;
    bool m_destroying = false;
};

}  // namespace turno

Q_DECLARE_METATYPE(turno::RedisScrapeResult)
