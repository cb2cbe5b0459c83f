#include "fleet/prometheus_attach.h"

#include "scrape/prometheus_api.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QTimer>
#include <cmath>
#include <memory>

namespace turno {

PrometheusAttach::PrometheusAttach(QUrl url, QString job, QObject *parent)
    : QObject(parent), m_api(new PrometheusApi(std::move(url), this)), m_job(std::move(job)), m_timer(new QTimer(this))
{
    connect(m_timer, &QTimer::timeout, this, &PrometheusAttach::tick);
}

void PrometheusAttach::tick()
{
    {
        if (m_inFlight)
            return;  // a slow Prometheus: one look at a time
        m_inFlight = true;
        refresh([this](Result<Snapshot> r) {
            m_inFlight = false;
            if (!r.ok()) {
                m_failing = true;
                emit problem(r.error());
                return;
            }
            if (std::exchange(m_failing, false))
                emit recovered();
            emit snapshot(r.value());
        });
    }
}

QUrl PrometheusAttach::url() const
{
    return m_api->base();
}

void PrometheusAttach::setTimeoutMs(int ms)
{
    m_api->setTimeoutMs(ms);
}

void PrometheusAttach::start(int intervalMs)
{
    m_timer->start(intervalMs);
    QTimer::singleShot(0, this, &PrometheusAttach::tick);
}

void PrometheusAttach::stop()
{
    m_timer->stop();
}

QString PrometheusAttach::nodeName(const QMap<QString, QString> &labels)
{
    const QString node = labels.value(QStringLiteral("node"));
    return node.isEmpty() ? labels.value(QStringLiteral("instance")) : node;
}

QMap<QString, QString> PrometheusAttach::queries(const QString &job, int rateWindowS)
{
    const QString sel = QStringLiteral("job=\"%1\"").arg(job);
    const QString api = sel + QStringLiteral(",handler=\"turno\"");
    const QString w = QStringLiteral("[%1s]").arg(rateWindowS);
    const QString by = QStringLiteral("instance, node");
    return {
        {QStringLiteral("up"), QStringLiteral("up{%1}").arg(sel)},
        {QStringLiteral("requests_per_second"),
         QStringLiteral("sum by (%1) (rate(turno_http_requests_total{%2}%3))").arg(by, api, w)},
        {QStringLiteral("p50_seconds"),
         QStringLiteral("histogram_quantile(0.5, sum by (%1, le) (rate(turno_http_request_duration_seconds_bucket{%2}%3)))")
             .arg(by, sel, w)},
        {QStringLiteral("p99_seconds"),
         QStringLiteral("histogram_quantile(0.99, sum by (%1, le) (rate(turno_http_request_duration_seconds_bucket{%2}%3)))")
             .arg(by, sel, w)},
        {QStringLiteral("cpu_percent"), QStringLiteral("100 * rate(process_cpu_seconds_total{%1}%2)").arg(sel, w)},
        {QStringLiteral("rss_bytes"), QStringLiteral("process_resident_memory_bytes{%1}").arg(sel)},
        // A node that never answered a 5xx has no such series: 0, not "unknown", when it answered anything.
        {QStringLiteral("error_ratio"),
         QStringLiteral("(sum by (%1) (rate(turno_http_requests_total{%2,code=~\"5..\"}%3)) or "
                        "0 * sum by (%1) (rate(turno_http_requests_total{%2}%3))) / "
                        "sum by (%1) (rate(turno_http_requests_total{%2}%3))")
             .arg(by, api, w)},
    };
}

namespace {

// prometheus-redis-exporter's gauges (INFO fields, renamed) under the names the console gives them.
const QList<std::pair<QString, QString>> &redisGauges()
{
    static const QList<std::pair<QString, QString>> gauges{
        {QStringLiteral("redis_up"), QStringLiteral("redis_up")},
        {QStringLiteral("redis_role"), QStringLiteral("redis_instance_info")},
        {QStringLiteral("redis_uptime_seconds"), QStringLiteral("redis_uptime_in_seconds")},
        {QStringLiteral("redis_memory_bytes"), QStringLiteral("redis_memory_used_bytes")},
        {QStringLiteral("redis_connected_clients"), QStringLiteral("redis_connected_clients")},
        {QStringLiteral("redis_master_repl_offset"), QStringLiteral("redis_master_repl_offset")},
        {QStringLiteral("redis_slave_repl_offset"), QStringLiteral("redis_slave_repl_offset")},
        {QStringLiteral("redis_master_link_up"), QStringLiteral("redis_master_link_up")},
        // On the primary, per replica (slave_ip, slave_port): named after the replica.
        {QStringLiteral("redis_replication_lag_seconds"), QStringLiteral("redis_connected_slave_lag_seconds")},
        {QStringLiteral("redis_replica_offset"), QStringLiteral("redis_connected_slave_offset_bytes")},
    };
    return gauges;
}

// The turno job's plain gauges.
const QList<std::pair<QString, QString>> &turnoGauges()
{
    static const QList<std::pair<QString, QString>> gauges{{QStringLiteral("up"), QStringLiteral("up")},
                                                           {QStringLiteral("rss_bytes"), QStringLiteral("process_resident_memory_bytes")}};
    return gauges;
}

QString selectorOf(const QList<std::pair<QString, QString>> &gauges, const QString &job)
{
    QStringList names;
    for (const auto &[figure, name] : gauges)
        names << name;
    return QStringLiteral("{__name__=~\"%1\",job=\"%2\"}").arg(names.join(QLatin1Char('|')), job);
}

}  // namespace

QMap<QString, QString> PrometheusAttach::redisQueries(const QString &redisJob, int rateWindowS)
{
    const QString sel = QStringLiteral("job=\"%1\"").arg(redisJob);
    QMap<QString, QString> out;
    for (const auto &[figure, name] : redisGauges())
        out.insert(figure, QStringLiteral("%1{%2}").arg(name, sel));
    out.insert(QStringLiteral("redis_ops_per_second"),
               QStringLiteral("sum by (instance, node) (rate(redis_commands_processed_total{%1}[%2s]))").arg(sel).arg(rateWindowS));
    return out;
}

QMap<QString, QString> PrometheusAttach::snapshotQueries(const QString &job, const QString &redisJob, int rateWindowS)
{
    // Plain gauges in one selector per job (one request, not one per figure): a look
    // every second over 200 targets is mostly the cost of its requests and answers.
    QMap<QString, QString> out = queries(job, rateWindowS);
    for (const auto &[figure, name] : turnoGauges())
        out.remove(figure);
    out.insert(QStringLiteral("gauges"), selectorOf(turnoGauges(), job));
    out.insert(QStringLiteral("redis_gauges"), selectorOf(redisGauges(), redisJob));
    out.insert(QStringLiteral("redis_ops_per_second"), redisQueries(redisJob, rateWindowS).value(QStringLiteral("redis_ops_per_second")));
    return out;
}

void PrometheusAttach::splitGauges(QMap<QString, QList<PromSample>> &results)
{
    QHash<QString, QString> figureOf;
    for (const auto *gauges : {&turnoGauges(), &redisGauges()})
        for (const auto &[figure, name] : *gauges)
            figureOf.insert(name, figure);
    for (const char *combined : {"gauges", "redis_gauges"}) {
        for (PromSample &sample : results.take(QLatin1String(combined))) {
            const QString figure = figureOf.value(sample.labels.take(QStringLiteral("__name__")));
            if (!figure.isEmpty())
                results[figure].append(std::move(sample));
        }
    }
}

QString PrometheusAttach::redisAddress(const QString &instance)
{
    QString a = instance;
    for (const char *scheme : {"redis://", "rediss://"})
        if (a.startsWith(QLatin1String(scheme)))
            a = a.mid(int(qstrlen(scheme)));
    const qsizetype at = a.lastIndexOf(QLatin1Char('@'));  // redis://user:password@host:port
    if (at >= 0)
        a = a.mid(at + 1);
    return a;
}

QString PrometheusAttach::redisName(const QString &address) const
{
    return m_redisNames.value(address, address);
}

QByteArray PrometheusAttach::RedisServer::infoText() const
{
    // Only what is known: a figure Prometheus has no value for is left out, as
    // INFO of another Redis version might leave it out.
    QByteArray t;
    auto line = [&t](const char *key, const QString &value) {
        if (!value.isEmpty())
            t += QByteArray(key) + ':' + value.toUtf8() + "\r\n";
    };
    auto num = [&line](const char *key, double v) {
        if (std::isfinite(v))
            line(key, QString::number(qint64(std::llround(v))));
    };
    t += "# Server\r\n";
    line("redis_version", version);
    line("run_id", runId);
    num("uptime_in_seconds", uptimeSeconds);
    t += "# Clients\r\n";
    num("connected_clients", connectedClients);
    t += "# Memory\r\n";
    num("used_memory", memoryBytes);
    t += "# Stats\r\n";
    num("instantaneous_ops_per_sec", opsPerSecond);
    t += "# Replication\r\n";
    line("role", role);
    if (role == QLatin1String("master")) {
        line("connected_slaves", QString::number(replicas.size()));
        for (int i = 0; i < replicas.size(); ++i) {
            const Replica &r = replicas[i];
            const qsizetype colon = r.address.lastIndexOf(QLatin1Char(':'));
            line(qPrintable(QStringLiteral("slave%1").arg(i)),
                 QStringLiteral("ip=%1,port=%2,state=%3,offset=%4,lag=%5")
                     .arg(r.address.left(colon), r.address.mid(colon + 1), r.state.isEmpty() ? QStringLiteral("online") : r.state)
                     .arg(std::isfinite(r.offset) ? qint64(r.offset) : 0)
                     .arg(std::isfinite(r.lagSeconds) ? qint64(std::llround(r.lagSeconds)) : 0));
        }
        num("master_repl_offset", replOffset);
    } else if (role == QLatin1String("slave")) {
        const qsizetype colon = masterAddress.lastIndexOf(QLatin1Char(':'));
        if (colon > 0) {
            line("master_host", masterAddress.left(colon));
            line("master_port", masterAddress.mid(colon + 1));
        }
        if (masterLinkUp)
            line("master_link_status", *masterLinkUp ? QStringLiteral("up") : QStringLiteral("down"));
        num("slave_repl_offset", replOffset);
    }
    return t;
}

void PrometheusAttach::discoverWindow(std::function<void(Result<int>)> done)
{
    if (m_rateWindowS > 0)
        return done(m_rateWindowS);
    // The job's targets as Prometheus scrapes them: none means a wrong job name.
    m_api->activeTargets([this, done](Result<QJsonArray> targets) {
        if (!targets.ok())
            return done(Error{targets.error()});
        qint64 intervalMs = 0;
        for (const QJsonValue &t : targets.value())
            if (t[QStringLiteral("labels")][QStringLiteral("job")].toString() == m_job)
                intervalMs = std::max(intervalMs, PrometheusApi::parseDurationMs(t[QStringLiteral("scrapeInterval")].toString()));
        if (intervalMs > 0) {
            m_scrapeIntervalMs = intervalMs;
            m_rateWindowS = std::max(4, int((4 * intervalMs + 999) / 1000));
            return done(m_rateWindowS);
        }
        m_api->labelValues(QStringLiteral("job"), [this, done](Result<QStringList> jobs) {
            done(Error{QStringLiteral("job \"%1\" has no targets in Prometheus at %2%3")
                           .arg(m_job, m_api->base().toString(),
                                jobs.ok() ? QStringLiteral("; its jobs: %1").arg(jobs.value().isEmpty() ? QStringLiteral("none")
                                                                                                      : jobs.value().join(QStringLiteral(", ")))
                                          : QString())});
        });
    });
}

QList<PrometheusAttach::RedisServer> PrometheusAttach::redisServers(const QMap<QString, QList<PromSample>> &results)
{
    QMap<QString, RedisServer> servers;
    for (const PromSample &up : results.value(QStringLiteral("redis_up"))) {
        RedisServer r;
        r.name = nodeName(up.labels);
        r.instance = up.labels.value(QStringLiteral("instance"));
        r.address = redisAddress(r.instance);
        r.up = up.value >= 1;
        servers.insert(r.name, r);
    }
    auto each = [&](const QString &figure, const std::function<void(RedisServer &, const PromSample &)> &set) {
        for (const PromSample &p : results.value(figure)) {
            auto r = servers.find(nodeName(p.labels));
            if (r != servers.end() && r->up)
                set(*r, p);
        }
    };
    auto finite = [](double v) { return std::isfinite(v) ? v : kUnknown; };
    each(QStringLiteral("redis_role"), [](RedisServer &r, const PromSample &p) {
        r.role = p.labels.value(QStringLiteral("role"));
        r.version = p.labels.value(QStringLiteral("redis_version"));
        r.runId = p.labels.value(QStringLiteral("run_id"));
    });
    each(QStringLiteral("redis_uptime_seconds"), [&](RedisServer &r, const PromSample &p) { r.uptimeSeconds = finite(p.value); });
    each(QStringLiteral("redis_ops_per_second"), [&](RedisServer &r, const PromSample &p) { r.opsPerSecond = finite(p.value); });
    each(QStringLiteral("redis_memory_bytes"), [&](RedisServer &r, const PromSample &p) { r.memoryBytes = finite(p.value); });
    each(QStringLiteral("redis_connected_clients"), [&](RedisServer &r, const PromSample &p) { r.connectedClients = finite(p.value); });
    each(QStringLiteral("redis_master_repl_offset"), [&](RedisServer &r, const PromSample &p) {
        if (r.role != QLatin1String("slave"))
            r.replOffset = finite(p.value);
    });
    each(QStringLiteral("redis_slave_repl_offset"), [&](RedisServer &r, const PromSample &p) {
        if (r.role == QLatin1String("slave"))
            r.replOffset = finite(p.value);
    });
    each(QStringLiteral("redis_master_link_up"), [](RedisServer &r, const PromSample &p) {
        r.masterLinkUp = p.value >= 1;
        r.masterAddress = p.labels.value(QStringLiteral("master_host")) + QLatin1Char(':') + p.labels.value(QStringLiteral("master_port"));
    });
    auto replicaOf = [](RedisServer &r, const PromSample &p) -> Replica & {
        const QString address = p.labels.value(QStringLiteral("slave_ip")) + QLatin1Char(':') + p.labels.value(QStringLiteral("slave_port"));
        for (Replica &known : r.replicas)
            if (known.address == address)
                return known;
        r.replicas.append(Replica{address, kUnknown, kUnknown, p.labels.value(QStringLiteral("slave_state"))});
        return r.replicas.last();
    };
    each(QStringLiteral("redis_replication_lag_seconds"), [&](RedisServer &r, const PromSample &p) {
        replicaOf(r, p).lagSeconds = finite(p.value);
    });
    each(QStringLiteral("redis_replica_offset"), [&](RedisServer &r, const PromSample &p) { replicaOf(r, p).offset = finite(p.value); });
    return servers.values();
}

void PrometheusAttach::refresh(std::function<void(Result<Snapshot>)> done)
{
    discoverWindow([this, done](Result<int> window) {
        if (!window.ok())
            return done(Error{window.error()});
        const QMap<QString, QString> q = snapshotQueries(m_job, m_redisJob, window.value());
        struct Pending {
            int left = 0;
            QString error;
            QMap<QString, QList<PromSample>> results;
        };
        auto pending = std::make_shared<Pending>();
        pending->left = int(q.size());
        const int rateWindow = window.value();
        for (auto it = q.cbegin(); it != q.cend(); ++it) {
            const QString metric = it.key();
            m_api->query(it.value(), [this, pending, metric, done, rateWindow](Result<QList<PromSample>> r) {
                if (!r.ok() && pending->error.isEmpty())
                    pending->error = QStringLiteral("%1: %2").arg(metric, r.error());
                if (r.ok())
                    pending->results.insert(metric, r.value());
                if (--pending->left > 0)
                    return;
                if (!pending->error.isEmpty())
                    return done(Error{pending->error});
                splitGauges(pending->results);
                Snapshot s;
                s.timestampMs = QDateTime::currentMSecsSinceEpoch();
                s.rateWindowS = rateWindow;
                QMap<QString, Node> nodes;
                for (const PromSample &up : pending->results.value(QStringLiteral("up"))) {
                    Node n;
                    n.name = nodeName(up.labels);
                    n.instance = up.labels.value(QStringLiteral("instance"));
                    n.pool = up.labels.value(QStringLiteral("pool"));
                    n.up = up.value >= 1;
                    nodes.insert(n.name, n);
                }
                if (nodes.isEmpty())
                    return done(Error{QStringLiteral("job \"%1\" has no targets in Prometheus at %2 any more")
                                          .arg(m_job, m_api->base().toString())});
                auto each = [&](const QString &figure, const std::function<void(Node &, double)> &set) {
                    for (const PromSample &p : pending->results.value(figure)) {
                        auto n = nodes.find(nodeName(p.labels));
                        if (n != nodes.end() && std::isfinite(p.value))
                            set(*n, p.value);
                    }
                };
                // An up node without the counter has answered no request yet: 0 req/s.
                for (Node &n : nodes)
                    if (n.up)
                        n.rps = 0;
                each(QStringLiteral("requests_per_second"), [](Node &n, double v) { n.rps = v; });
                each(QStringLiteral("p50_seconds"), [](Node &n, double v) { n.p50Ms = v * 1000.0; });
                each(QStringLiteral("p99_seconds"), [](Node &n, double v) { n.p99Ms = v * 1000.0; });
                each(QStringLiteral("cpu_percent"), [](Node &n, double v) { n.cpuPercent = v; });
                each(QStringLiteral("rss_bytes"), [](Node &n, double v) { n.rssBytes = v; });
                each(QStringLiteral("error_ratio"), [](Node &n, double v) { n.errorRatio = v; });
                s.nodes = nodes.values();
                s.redis = redisServers(pending->results);
                m_redisNames.clear();
                for (const RedisServer &server : std::as_const(s.redis))
                    m_redisNames.insert(server.address, server.name);
                done(s);
            });
        }
    });
}

void PrometheusAttach::history(qint64 fromMs, qint64 toMs, qint64 stepMs, std::function<void(Result<History>)> done,
                               const QStringList &metrics)
{
    discoverWindow([this, fromMs, toMs, stepMs, done, metrics](Result<int> window) {
        if (!window.ok())
            return done(Error{window.error()});
        QMap<QString, QString> q = queries(m_job, window.value());
        q.insert(redisQueries(m_redisJob, window.value()));
        // Figures of the moment only (a role, an uptime): no history worth drawing.
        for (const char *instant : {"redis_role", "redis_uptime_seconds"})
            q.remove(QLatin1String(instant));
        if (!metrics.isEmpty())
            for (auto it = q.begin(); it != q.end();)
                it = metrics.contains(it.key()) ? std::next(it) : q.erase(it);
        if (q.isEmpty())
            return done(History{});
        // Finer than the scrapes would only repeat their values.
        const qint64 step = std::max(stepMs, m_scrapeIntervalMs);
        struct Pending {
            int left = 0;
            QString error;
            History history;
        };
        auto pending = std::make_shared<Pending>();
        pending->left = int(q.size());
        for (auto it = q.cbegin(); it != q.cend(); ++it) {
            const QString metric = it.key();
            m_api->queryRange(it.value(), fromMs, toMs, step, [this, pending, metric, done](Result<QList<PromSeries>> r) {
                if (!r.ok() && pending->error.isEmpty())
                    pending->error = QStringLiteral("%1: %2").arg(metric, r.error());
                // A replica's lag is the primary's series about it: named after the replica.
                const bool lag = metric == QLatin1String("redis_replication_lag_seconds");
                if (r.ok())
                    for (const PromSeries &s : r.value())
                        pending->history[metric][lag ? redisName(s.labels.value(QStringLiteral("slave_ip")) + QLatin1Char(':') +
                                                                 s.labels.value(QStringLiteral("slave_port")))
                                                     : nodeName(s.labels)] = s.points;
                if (--pending->left > 0)
                    return;
                if (!pending->error.isEmpty())
                    return done(Error{pending->error});
                done(pending->history);
            });
        }
    });
}

}  // namespace turno
