// RedisInfo: one reply of Redis's INFO command, parsed into its sections and
// the figures the console shows (role, replicas, clients, memory, CPU, ops/s).
#pragma once

#include "common/result.h"

#include <QByteArrayView>
#include <QHash>
#include <QList>
#include <QString>
#include <optional>

namespace turno {

class RedisInfo {
public:
    struct Keyspace {
        int db = 0;
        qint64 keys = 0;
        qint64 expires = 0;
        qint64 avgTtlMs = 0;
    };
    struct Replica {
        int index = 0;  // N of slaveN
        QString ip;
        int port = 0;
        QString state;
        qint64 offset = 0;
        qint64 lagSeconds = 0;
    };

    // Errors name the line and what is wrong with it.
    static Result<RedisInfo> parse(QByteArrayView text);

    // Raw access: section names as written after '#' ("Server"), keys as written.
    QStringList sections() const { return m_sectionOrder; }
    bool hasSection(const QString &section) const;
    QString value(const QString &field) const { return m_fields.value(field); }
    bool contains(const QString &field) const { return m_fields.contains(field); }
    QString sectionOf(const QString &field) const { return m_fieldSection.value(field); }
    std::optional<double> number(const QString &field) const;
    qint64 integer(const QString &field, qint64 fallback = 0) const;

    QString version() const { return value(QStringLiteral("redis_version")); }
    QString runId() const { return value(QStringLiteral("run_id")); }
    qint64 uptimeSeconds() const { return integer(QStringLiteral("uptime_in_seconds")); }
    QString role() const { return value(QStringLiteral("role")); }
    bool isPrimary() const { return role() == QLatin1String("master"); }
    qint64 connectedClients() const { return integer(QStringLiteral("connected_clients")); }
    qint64 blockedClients() const { return integer(QStringLiteral("blocked_clients")); }
    qint64 usedMemoryBytes() const { return integer(QStringLiteral("used_memory")); }
    qint64 usedMemoryRssBytes() const { return integer(QStringLiteral("used_memory_rss")); }
    qint64 maxMemoryBytes() const { return integer(QStringLiteral("maxmemory")); }
    qint64 opsPerSecond() const { return integer(QStringLiteral("instantaneous_ops_per_sec")); }
    qint64 totalCommands() const { return integer(QStringLiteral("total_commands_processed")); }
    double usedCpuSys() const { return number(QStringLiteral("used_cpu_sys")).value_or(0); }
    double usedCpuUser() const { return number(QStringLiteral("used_cpu_user")).value_or(0); }
    QString masterLinkStatus() const { return value(QStringLiteral("master_link_status")); }
    QString masterHost() const { return value(QStringLiteral("master_host")); }
    int masterPort() const { return int(integer(QStringLiteral("master_port"))); }
    qint64 masterReplOffset() const { return integer(QStringLiteral("master_repl_offset")); }
    qint64 slaveReplOffset() const { return integer(QStringLiteral("slave_repl_offset"), -1); }
    int connectedReplicas() const { return int(integer(QStringLiteral("connected_slaves"))); }

    const QList<Keyspace> &keyspace() const { return m_keyspace; }
    const QList<Replica> &replicas() const { return m_replicas; }
    // errorstat_ERR:count=3 → {"ERR", 3}
    const QHash<QString, qint64> &errorStats() const { return m_errorStats; }
    qint64 totalKeys() const;

    // CPU used by the server between two INFOs, as % of one core, from
    // used_cpu_sys + used_cpu_user; nullopt when the two cannot be compared
    // (restart in between, no time elapsed).
    static std::optional<double> cpuPercent(const RedisInfo &before, const RedisInfo &after, double elapsedSeconds);
    // A different run_id means the server restarted (its counters reset).
    static bool restartedBetween(const RedisInfo &before, const RedisInfo &after);

private:
    QHash<QString, QString> m_fields;
    QHash<QString, QString> m_fieldSection;
    QStringList m_sectionOrder;
    QList<Keyspace> m_keyspace;
    QList<Replica> m_replicas;
    QHash<QString, qint64> m_errorStats;
};

}  // namespace turno
