#include "runtime/fleet_monitor.h"

#include "alerts/alert_engine.h"
#include "runtime/alert_commands.h"
#include "runtime/failover_commands.h"
#include "control/control_server.h"
#include "fleet/cluster_status.h"
#include "fleet/fleet_attach.h"
#include "fleet/prometheus_attach.h"
#include "runtime/prometheus_range.h"
#include "fleet/fleet_supervisor.h"
#include "fleet/managed_process.h"
#include "redis/redis_info.h"
#include "redis/resp_client.h"
#include "incidents/incident_store.h"
#include "load/load_run.h"
#include "metrics/balancer_figures.h"
#include "metrics/metric_math.h"
#include "metrics/series_store.h"
#include "models/fleet_nodes_model.h"
#include "models/alert_list_model.h"
#include "models/redis_servers_model.h"
#include "scrape/balancer_log_receiver.h"
#include "scrape/node_collector.h"
#include "scrape/redis_info_scraper.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QPointer>
#include <QTimer>
#include <algorithm>
#include <csignal>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>

namespace turno {

namespace {

}  // namespace

QString FleetMonitor::nodeSeries(const QString &node, const QString &metric)
{
    return QStringLiteral("%1{node=\"%2\"}").arg(metric, node);
}

QString FleetMonitor::redisSeries(const QString &server, const QString &metric)
{
    return nodeSeries(server, metric);
}

QString FleetMonitor::fleetSeries(const QString &metric)
{
    return QStringLiteral("fleet_") + metric;
}

QString FleetMonitor::balancerNode()
{
    return QStringLiteral("haproxy");
}

void FleetMonitor::setErrorRateWindowMs(qint64 windowMs)
{
    windowMs = std::clamp<qint64>(windowMs, 1000, 60 * 60'000);
    if (windowMs == m_errorRateWindowMs)
        return;
    m_errorRateWindowMs = windowMs;
    m_nodes->setErrorRateWindowMs(windowMs);
    // The rows say the new window's rate at once, from the counters already kept.
    for (auto it = m_errorCounts.cbegin(); it != m_errorCounts.cend(); ++it) {
        const int row = m_nodes->rowOf(it.key());
        if (row < 0 || it.value().empty())
            continue;
        FleetNodeMetrics m = m_nodes->metricsAt(row);
        const qint64 at = it.value().back().timestampMs;
        m.errorsPerSecond = MetricMath::rate(it.value(), at, m_errorRateWindowMs).value_or(FleetNodeMetrics::kUnknown);
        m_nodes->setMetrics(it.key(), m);
    }
}

double FleetMonitor::errorRate(const QString &node, qint64 ms, double total)
{
    if (!std::isfinite(total))
        return FleetNodeMetrics::kUnknown;
    std::vector<MetricMath::Point> &points = m_errorCounts[node];
    if (!points.empty() && points.back().timestampMs >= ms)
        return MetricMath::rate(points, ms, m_errorRateWindowMs).value_or(FleetNodeMetrics::kUnknown);
    points.push_back({ms, total});
    // Kept for the longest window the charts offer, whatever is selected now.
    const qint64 oldest = ms - 60 * 60'000 - 5000;
    if (points.front().timestampMs < oldest)
        points.erase(points.begin(), std::find_if(points.begin(), points.end(),
                                                  [oldest](const MetricMath::Point &p) { return p.timestampMs >= oldest; }));
    return MetricMath::rate(points, ms, m_errorRateWindowMs).value_or(FleetNodeMetrics::kUnknown);
}

void FleetMonitor::followLoad(LoadRun *run)
{
    if (!run)
        return;
    connect(run, &LoadRun::progress, this, [this](const LoadProgress &p) {
        // An interval without an answer has no percentile (the run's summary shows 0 then).
        if (p.requestsPerSecond <= 0)
            return;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        append(fleetSeries(QStringLiteral("client_p99_seconds")), now, p.latency.p99Ms / 1000.0);
        append(fleetSeries(QStringLiteral("client_p50_seconds")), now, p.latency.p50Ms / 1000.0);
    });
}

FleetMonitor::FleetMonitor(QObject *parent)
    : QObject(parent),
      m_series(new SeriesStore(this)),
      m_nodes(new FleetNodesModel(this)),
      m_redis(new RedisServersModel(this)),
      m_history(new IncidentStore(this)),
      m_ticker(new QTimer(this)),
      m_alerts(new AlertEngine(m_series, this)),
      m_alertModel(new AlertListModel(m_alerts, this))
{
    connect(m_ticker, &QTimer::timeout, this, &FleetMonitor::tick);
    const Result<AlertRuleSet> rules = AlertRuleLoader::loadDefault();
    if (rules.ok())
        m_alerts->setRules(rules.value());
    else
        m_alertRulesError = rules.error();
    connect(m_alerts, &AlertEngine::transition, this, &FleetMonitor::onAlertTransition);
    new AlertCommands(this);  // alerts/silence/ack/reload-rules commands, notifications, silences file
    new FailoverCommands(this);  // a FailoverController per launched cluster; failover/preflight/failover-auto commands
}

void FleetMonitor::onAlertTransition(const AlertTransition &t)
{
    // A pending alert fires when its `for` has elapsed (counted from its evidence,
    // which may be older than the transition), not at the first tick after that.
    if (t.to == Alert::State::Pending)
        if (const AlertRule *rule = m_alerts->rules().find(t.alert.rule)) {
            QPointer<FleetMonitor> self(this);
            const qint64 dueInMs = t.alert.pendingSinceMs + std::max<qint64>(0, rule->forMs) - t.atMs;
            QTimer::singleShot(int(std::clamp<qint64>(dueInMs, 0, 24 * 3600 * 1000)) + 5, this, [self] {
                if (self && (self->isReady() || self->isAttached()))
                    self->m_alerts->evaluate(QDateTime::currentMSecsSinceEpoch());
            });
        }
    emit alertTransition(t);
    // AlertCommands records silenced ones, marked so, without opening an incident.
    if (!m_history->isOpen() || t.alert.silenced)
        return;
    const bool firing = t.to == Alert::State::Firing;
    const bool resolved = t.to == Alert::State::Resolved;
    if (!firing && !resolved)
        return;
    Severity severity = Severity::Info;
    parseSeverity(t.alert.severity, &severity);
    // Through the store's alert hook, so a critical alert opens an incident.
    const auto incident = m_history->onAlertTransition(t.alert.rule, severity, Alert::stateName(t.to), t.alert.node,
                                                       t.alert.value, t.atMs);
    if (!incident)
        qWarning("incident store: %s", qPrintable(incident.error()));
}

FleetMonitor::~FleetMonitor()
{
    teardownScrapers();
    if (m_history->isOpen())
        m_history->close();
}

Result<void> FleetMonitor::openHistory(const QString &path)
{
    const QString file = path.isEmpty() ? IncidentStore::defaultPath() : path;
    QDir().mkpath(QFileInfo(file).absolutePath());
    return m_history->open(file);
}

bool FleetMonitor::isActive() const
{
    if (!m_supervisor)
        return false;
    const auto s = m_supervisor->state();
    return s == FleetSupervisor::State::Starting || s == FleetSupervisor::State::Ready ||
           s == FleetSupervisor::State::Stopping;
}

bool FleetMonitor::isReady() const
{
    return m_supervisor && m_supervisor->state() == FleetSupervisor::State::Ready;
}

QString FleetMonitor::stateName() const
{
    if (isAttached())
        return m_attachReady ? QStringLiteral("attached") : QStringLiteral("attaching");
    return m_supervisor ? m_supervisor->stateName() : QStringLiteral("no cluster");
}

QString FleetMonitor::healthText() const
{
    if (m_promAttach) {
        int up = 0;
        for (int r = 0; r < m_nodes->rowCount(); ++r)
            up += m_nodes->metricsAt(r).up ? 1 : 0;
        QString text = tr("%1 %2 through Prometheus %3 (read-only): %4/%5 targets up")
                           .arg(m_attachCluster, stateName(), m_promAttach->url().toString())
                           .arg(up)
                           .arg(m_nodes->rowCount());
        if (!m_attachProblem.isEmpty())
            text += tr("; last look failed, showing the one before: %1").arg(m_attachProblem);
        return text;
    }
    if (isAttached()) {
        int ready = 0;
        for (const QJsonValue &v : m_attach->lastStatus().value(QStringLiteral("nodes")).toArray())
            ready += v.toObject().value(QStringLiteral("ready")).toBool() ? 1 : 0;
        return tr("%1 %2 (read-only): %3/%4 nodes ready").arg(m_attachCluster, stateName()).arg(ready).arg(m_attachNodes.size());
    }
    if (!m_supervisor)
        return tr("No cluster");
    int up = 0, total = 0;
    for (const FleetNode *n : m_supervisor->nodes()) {
        ++total;
        if (n->state == NodeState::Running)
            ++up;
    }
    QString text = tr("%1 %2: %3/%4 processes running").arg(m_supervisor->profile().name, stateName()).arg(up).arg(total);
    if (m_supervisor->balancerPort())
        text += tr(", balancer 127.0.0.1:%1").arg(m_supervisor->balancerPort());
    // Ready means a failover would pass: say so, or which check it waits for.
    const FailoverCommands *commands = FailoverCommands::of(this);
    const FailoverReadiness *readiness = commands ? commands->readiness() : nullptr;
    if (isReady() && readiness && readiness->applicable()) {
        if (readiness->ready())
            text += tr("; failover gate passes");
        else
            text += tr("; failover gate waits for %1").arg(readiness->waitingFor().section(QLatin1Char(':'), 0, 0));
    }
    return text;
}

QStringList FleetMonitor::turnoNodes() const
{
    QStringList out;
    if (isAttached()) {
        out = m_attachNodes.keys();
        out.sort();
        return out;
    }
    if (m_supervisor)
        for (const FleetNode *n : m_supervisor->nodes())
            if (n->kind == FleetNode::Kind::Turno)
                out << n->name;
    return out;
}

QStringList FleetMonitor::redisServers() const
{
    return m_redisAddress.keys();
}

quint16 FleetMonitor::balancerPort() const
{
    return m_supervisor ? m_supervisor->balancerPort() : 0;
}

Result<RedisEndpoint> FleetMonitor::redisPrimary() const
{
    for (auto it = m_redisAddress.cbegin(); it != m_redisAddress.cend(); ++it) {
        const std::shared_ptr<const RedisInfo> info = m_redis->info(it.key());
        if (!info || !info->isPrimary())
            continue;
        const qsizetype colon = it.value().lastIndexOf(QLatin1Char(':'));
        return RedisEndpoint{it.value().left(colon), quint16(it.value().mid(colon + 1).toUInt()), m_redisPassword};
    }
    return Error{m_redisAddress.isEmpty() ? tr("no Redis server is known: launch a cluster or attach with a Redis or Sentinel address")
                                          : tr("no Redis primary answered INFO yet (%1)").arg(m_redisAddress.keys().join(QStringLiteral(", ")))};
}

QString FleetMonitor::readOnlyReason() const
{
    return isAttached() ? tr("attached read-only to %1: this console launched nothing there and changes nothing; "
                         "use turnoctl on the fleet's own supervisor")
                          .arg(m_attachCluster)
                    : QString();
}

Result<void> FleetMonitor::attach(const AttachTarget &target, int intervalMs)
{
    if (isActive())
        return Error{tr("cluster %1 is %2 here; stop it before attaching to another fleet")
                         .arg(m_supervisor->profile().name, stateName())};
    if (target.balancerStats.isEmpty() && target.nodeUrls.isEmpty() && target.redisHost.isEmpty() &&
        target.sentinelHost.isEmpty())
        return Error{tr("give at least one of a balancer stats address, node URLs, a Redis or a Sentinel address")};
    forgetFleet();
    delete m_attach;
    m_attach = nullptr;
    m_attachCluster = target.cluster;
    m_redisPassword = target.redisPassword;
    m_intervalMs = std::max(200, intervalMs);

    m_attach = new FleetAttach(target, this);
    connect(m_attach, &FleetAttach::statusChanged, this, &FleetMonitor::onAttachStatus);
    connect(m_attach, &FleetAttach::event, this, &FleetMonitor::record);
    HttpScraper::Options options;
    options.intervalMs = m_intervalMs;
    options.timeoutMs = std::max(100, std::min(900, m_intervalMs * 9 / 10));
    // Attached, the monitor is the fleet's one collector; launched, the supervisor owns it.
    m_collector = new NodeCollector(options, this);
    m_ownsCollector = true;
    connect(m_collector, &NodeCollector::collected, this, &FleetMonitor::onCollected);
    RedisInfoScraper::Options redisOptions;
    redisOptions.intervalMs = m_intervalMs;
    redisOptions.timeoutMs = options.timeoutMs;
    m_redisScraper = new RedisInfoScraper(redisOptions, this);
    connect(m_redisScraper, &RedisInfoScraper::scraped, this, &FleetMonitor::onRedisScraped);
    auto addRedis = [this](const QString &name, const QString &host, quint16 port) {
        RedisTarget t;
        t.name = name;
        t.host = host;
        t.port = port;
        t.password = m_redisPassword;
        m_redisAddress.insert(name, QStringLiteral("%1:%2").arg(host).arg(port));
        m_redisScraper->addTarget(t);
    };
    if (!target.redisHost.isEmpty() && target.redisPort != 0) {
        addRedis(QStringLiteral("redis"), target.redisHost, target.redisPort);
    } else if (!target.sentinelHost.isEmpty() && target.sentinelPort != 0) {
        // The primary Sentinel names now; the Redis tab shows it, its Role column from its INFO
        // (a later switch needs a re-attach). Named "redis" as with --attach-redis: not by a role it may lose.
        auto *sentinel = new RespClient(target.sentinelHost, target.sentinelPort, {}, this);
        QPointer<RedisInfoScraper> scraper(m_redisScraper);
        sentinel->run({{"SENTINEL", "get-master-addr-by-name", target.masterName.toUtf8()}},
                      [this, sentinel, scraper, addRedis, target](Result<QList<RespValue>> r) {
                          sentinel->deleteLater();
                          if (!scraper || scraper != m_redisScraper)
                              return;
                          const RespValue reply = r.ok() ? r.value().value(0) : RespValue{};
                          if (reply.type != RespValue::Type::Array || reply.items.size() != 2) {
                              record(FleetEvent{FleetEvent::Kind::AttachSentinelFailed, {},
                                     tr("Sentinel %1:%2 did not name a primary for %3: %4")
                                         .arg(target.sentinelHost).arg(target.sentinelPort).arg(target.masterName,
                                              r.ok() ? QString::fromUtf8(reply.text) : r.error())});
                              return;
                          }
                          addRedis(QStringLiteral("redis"), QString::fromUtf8(reply.items[0].text),
                                   quint16(reply.items[1].text.toUInt()));
                          m_redisScraper->start();
                      });
    }
    m_collector->start();
    m_redisScraper->start();
    m_attach->start(m_intervalMs);
    m_ticker->start(m_intervalMs);
    record(FleetEvent{FleetEvent::Kind::Attached, {}, tr("attached read-only to %1").arg(m_attachCluster)});
    emit stateChanged();
    return {};
}

Result<void> FleetMonitor::attachPrometheus(const QUrl &url, const QString &job, int intervalMs, const QString &redisJob)
{
    if (isActive())
        return Error{tr("cluster %1 is %2 here; stop it before attaching to another fleet")
                         .arg(m_supervisor->profile().name, stateName())};
    if (isAttached())
        return Error{tr("attached to %1 already; detach first").arg(m_attachCluster)};
    if (!url.isValid() || url.host().isEmpty() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")))
        return Error{tr("\"%1\" is not a Prometheus URL; give http://HOST:9090").arg(url.toString())};
    forgetFleet();
    m_attachCluster = job;
    m_intervalMs = std::max(200, intervalMs);
    m_promAttach = new PrometheusAttach(url, job, this);
    m_promAttach->setRedisJob(redisJob);
    // A query is given up before the next look is due (and never waits over 10 s).
    m_promAttach->setTimeoutMs(std::clamp(m_intervalMs * 2, 1000, 10000));
    connect(m_promAttach, &PrometheusAttach::snapshot, this, &FleetMonitor::onPrometheusSnapshot);
    connect(m_promAttach, &PrometheusAttach::problem, this, [this](const QString &why) {
        // The views keep the last figures; the status bar and the timeline say why they stand still.
        if (why != m_attachProblem)
            record(FleetEvent{FleetEvent::Kind::AttachPrometheusFailed, {}, tr("Prometheus: %1").arg(why)});
        m_attachProblem = why;
        emit attachProblem(why);
        emit stateChanged();
    });
    connect(m_promAttach, &PrometheusAttach::recovered, this, [this] {
        record(FleetEvent{FleetEvent::Kind::Attached, {}, tr("Prometheus answers again")});
        m_attachProblem.clear();
        emit stateChanged();
    });
    record(FleetEvent{FleetEvent::Kind::Attached, {}, tr("attached read-only to job %1 in Prometheus %2").arg(job, url.toString())});
    // History older than this console, as the series store keeps it: 6 hours at its 10 s
    // step, the last 15 minutes at 1 s (range queries, oldest first), then live.
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 fineFrom = now - SeriesStore::kFineSlots * SeriesStore::kFineStepMs;
    QPointer<PrometheusAttach> attach(m_promAttach);
    auto goLive = [this, attach] {
        if (!attach || attach != m_promAttach)
            return;
        m_promAttach->start(m_intervalMs);
        m_ticker->start(m_intervalMs);
    };
    // The figures the live samples give the store (the alert rules and the Fleet tab read them).
    const QStringList stored{QStringLiteral("up"),           QStringLiteral("requests_per_second"), QStringLiteral("p50_seconds"),
                             QStringLiteral("p99_seconds"),  QStringLiteral("cpu_percent"),         QStringLiteral("rss_bytes"),
                             QStringLiteral("error_ratio"),  QStringLiteral("redis_up"),            QStringLiteral("redis_ops_per_second"),
                             QStringLiteral("redis_memory_bytes"), QStringLiteral("redis_connected_clients"),
                             QStringLiteral("redis_master_link_up"), QStringLiteral("redis_replication_lag_seconds")};
    // One look first, unused but for the names it learns (a replica's lag is its primary's series about it).
    m_promAttach->refresh([this, attach, fineFrom, now, goLive, stored](const Result<PrometheusAttach::Snapshot> &) {
        if (!attach || attach != m_promAttach)
            return;
        m_promAttach->history(now - 6 * 3600 * 1000LL, fineFrom - SeriesStore::kCoarseStepMs, SeriesStore::kCoarseStepMs,
                              [this, attach, fineFrom, now, goLive, stored](Result<PrometheusAttach::History> coarse) {
            if (!attach || attach != m_promAttach)
                return;
            if (coarse.ok())
                backfill(coarse.value());
            m_promAttach->history(fineFrom, now, SeriesStore::kFineStepMs,
                                  [this, attach, goLive](Result<PrometheusAttach::History> fine) {
                if (attach && attach == m_promAttach && fine.ok())
                    backfill(fine.value());
                goLive();
            }, stored);
        }, stored);
    });
    emit stateChanged();
    return {};
}

void FleetMonitor::backfill(const PrometheusAttach::History &history)
{
    // Per node and Redis server as the live samples are named; the fleet lines as aggregate() makes them.
    const QHash<QString, PrometheusRange::Points> keyed = PrometheusRange::keyed(history);
    for (auto it = keyed.cbegin(); it != keyed.cend(); ++it)
        for (const auto &[ms, value] : it.value())
            append(it.key(), ms, value);
}

void FleetMonitor::onPrometheusSnapshot(const PrometheusAttach::Snapshot &s)
{
    QList<FleetNodeInfo> nodes;
    for (const PrometheusAttach::Node &n : s.nodes) {
        FleetNodeInfo info;
        info.name = n.name;
        info.kind = QStringLiteral("turno");
        info.state = n.up ? NodeState::Running : NodeState::Down;
        info.address = n.instance;
        info.pool = n.pool;
        nodes << info;
        m_attachNodes.insert(n.name, n.instance);
    }
    m_nodes->setNodes(nodes);
    const qint64 ms = s.timestampMs;
    for (const PrometheusAttach::Node &n : s.nodes) {
        FleetNodeMetrics m;
        m.up = n.up;
        m.requestsPerSecond = n.rps;
        m.p50Ms = n.p50Ms;
        m.p99Ms = n.p99Ms;
        m.cpuPercent = n.cpuPercent;
        m.rssBytes = n.rssBytes;
        m_nodes->setMetrics(n.name, m);
        // Named as docs/alerts.md has them: the alert rules and the charts read these.
        append(nodeSeries(n.name, QStringLiteral("up")), ms, n.up ? 1.0 : 0.0);
        append(nodeSeries(n.name, QStringLiteral("requests_per_second")), ms, n.rps);
        append(nodeSeries(n.name, QStringLiteral("p50_seconds")), ms, n.p50Ms / 1000.0);
        append(nodeSeries(n.name, QStringLiteral("p99_seconds")), ms, n.p99Ms / 1000.0);
        append(nodeSeries(n.name, QStringLiteral("cpu_percent")), ms, n.cpuPercent);
        append(nodeSeries(n.name, QStringLiteral("rss_bytes")), ms, n.rssBytes);
        if (n.up)
            append(nodeSeries(n.name, QStringLiteral("error_ratio")), ms, n.errorRatio.value_or(0.0));
        if (n.up && std::isfinite(n.rps))
            m_lastRps.insert(n.name, n.rps);
        else
            m_lastRps.remove(n.name);
        if (n.up && std::isfinite(n.p99Ms))
            m_lastP99.insert(n.name, n.p99Ms);
        else
            m_lastP99.remove(n.name);
        if (n.up && n.errorRatio)
            m_lastErrorRatio.insert(n.name, *n.errorRatio);
        else
            m_lastErrorRatio.remove(n.name);
    }
    // The Redis servers as the exporter saw them: the same INFO fields, through the same parser.
    for (const PrometheusAttach::RedisServer &r : s.redis) {
        m_redisAddress.insert(r.name, r.address);
        RedisScrapeResult result;
        result.name = r.name;
        result.up = r.up;
        result.timestampMs = ms;
        if (r.up) {
            Result<RedisInfo> info = RedisInfo::parse(r.infoText());
            if (info.ok())
                result.info = std::make_shared<const RedisInfo>(std::move(info.value()));
            else
                result.error = tr("figures from Prometheus: %1").arg(info.error());
        } else {
            result.error = tr("redis_up is 0 in Prometheus (its exporter cannot reach it)");
        }
        onRedisScraped(result);
    }
    if (!m_attachReady) {
        m_attachReady = true;
        emit ready();
    }
    emit stateChanged();
}

void FleetMonitor::onAttachStatus(const QJsonObject &status)
{
    QList<FleetNodeInfo> nodes;
    QHash<QString, QString> balancer;
    for (const QJsonValue &v : status.value(QStringLiteral("nodes")).toArray()) {
        const QJsonObject o = v.toObject();
        FleetNodeInfo n;
        n.name = o.value(QStringLiteral("node")).toString();
        n.kind = QStringLiteral("turno");
        n.pool = o.value(QStringLiteral("pool")).toString();
        // An attached node is no process of ours: it runs when its readiness probe answers,
        // and HAProxy's view (UP, DRAIN...) is shown over that as for a launched node.
        n.state = o.value(QStringLiteral("ready")).toBool() ? NodeState::Running : NodeState::Down;
        n.address = o.value(QStringLiteral("address")).toString();
        n.weight = o.value(QStringLiteral("weight")).toInt();
        if (o.contains(QStringLiteral("weight")))
            balancer.insert(n.name, o.value(QStringLiteral("state")).toString());
        nodes << n;
        // A node seen once stays a target: one that vanished shows as down, not as gone.
        m_attachNodes.insert(n.name, n.address);
    }
    if (m_collector) {
        QList<ScrapeTarget> targets;
        for (auto it = m_attachNodes.cbegin(); it != m_attachNodes.cend(); ++it)
            targets << ScrapeTarget{it.key(), QUrl(QStringLiteral("http://%1/metrics").arg(it.value()))};
        m_collector->setTargets(targets);
    }
    m_nodes->setNodes(nodes);
    m_nodes->setBalancerStates(balancer);
    if (!m_attachReady) {
        m_attachReady = true;
        emit ready();
    }
    emit stateChanged();
}

QByteArray FleetMonitor::processOutput(const QString &node, int lines) const
{
    ManagedProcess *p = m_supervisor ? m_supervisor->process(node) : nullptr;
    return p ? p->outputTail(lines) : QByteArray();
}

void FleetMonitor::addControlCommand(const QString &name, ControlServer::Handler handler)
{
    m_controlCommands.insert(name, handler);
    if (m_control)
        m_control->addCommand(name, std::move(handler));
}

void FleetMonitor::addStatusPart(const QString &key, ControlServer::StatusPart part)
{
    m_statusParts.insert(key, part);
    if (m_control)
        m_control->addStatusPart(key, std::move(part));
}

Result<void> FleetMonitor::launch(const ClusterProfile &profile, const QString &runDirOption)
{
    if (isActive())
        return Error{tr("cluster %1 is still %2; stop it before launching another")
                         .arg(m_supervisor->profile().name, stateName())};
    if (isAttached())
        return Error{tr("attached to %1; detach (File > Stop) before launching a cluster").arg(m_attachCluster)};
    const Result<void> valid = ProfileLoader::validate(profile);
    if (!valid.ok())
        return Error{profile.sourceFile.isEmpty() ? valid.error() : profile.sourceFile + QStringLiteral(": ") + valid.error()};
    const QString runDir = runDirOption.isEmpty() ? FleetSupervisor::defaultRunDir(profile.name) : runDirOption;
    if (!QDir().mkpath(runDir))
        return Error{tr("cannot create the run directory %1; check its parent's permissions").arg(runDir)};
    return supervise(runDir, profile.scrapeIntervalMs,
                     [&](FleetSupervisor *supervisor) { return supervisor->start(profile, runDir); });
}

Result<void> FleetMonitor::adopt(const QJsonObject &state)
{
    if (isActive() || isAttached())
        return Error{tr("this monitor already watches a cluster; a hand-over needs a fresh one")};
    const QString runDir = state.value(QStringLiteral("runDir")).toString();
    const int interval = state.value(QStringLiteral("profile"))
                             .toObject()
                             .value(QStringLiteral("scrape"))
                             .toObject()
                             .value(QStringLiteral("intervalMs"))
                             .toInt(1000);
    m_pendingHandover = state.value(QStringLiteral("parts")).toObject();
    const Result<void> r = supervise(runDir, interval, [&](FleetSupervisor *supervisor) { return supervisor->adopt(state); });
    if (!r.ok())
        m_pendingHandover = {};
    return r;
}

Result<void> FleetMonitor::supervise(const QString &runDir, int scrapeIntervalMs,
                                     const std::function<Result<void>(FleetSupervisor *)> &begin)
{
    forgetFleet();
    delete m_control;
    m_control = nullptr;
    m_redisPassword.clear();
    m_intervalMs = std::max(200, scrapeIntervalMs);

    auto *supervisor = new FleetSupervisor(this);
    m_supervisor = supervisor;
    // The console supervises like `turnoctl up`: turnoctl and a second console are clients of this socket.
    m_control = new ControlServer(supervisor, this);
    for (auto it = m_controlCommands.cbegin(); it != m_controlCommands.cend(); ++it)
        m_control->addCommand(it.key(), it.value());
    for (auto it = m_statusParts.cbegin(); it != m_statusParts.cend(); ++it)
        m_control->addStatusPart(it.key(), it.value());
    const Result<void> listening = m_control->listen(runDir);
    if (!listening.ok()) {
        delete m_control;
        m_control = nullptr;
        supervisor->deleteLater();
        return listening;
    }
    connect(supervisor, &FleetSupervisor::ready, this, &FleetMonitor::onReady);
    connect(supervisor, &FleetSupervisor::stopped, this, &FleetMonitor::onStopped);
    connect(supervisor, &FleetSupervisor::startFailed, this, [this](const QString &message) {
        m_ticker->stop();
        m_nodes->syncFrom(*m_supervisor);
        emit launchFailed(message);
        emit stateChanged();
    });
    connect(supervisor, &FleetSupervisor::nodesChanged, this, [this] {
        if (m_supervisor)
            m_nodes->syncFrom(*m_supervisor);
        emit stateChanged();
    });
    connect(supervisor, &FleetSupervisor::event, this, &FleetMonitor::record);

    const Result<void> started = begin(supervisor);
    if (!started.ok()) {
        delete m_control;
        m_control = nullptr;
        return started;
    }
    // The supervisor records the start, readiness and stop itself (cluster-starting, -ready, -stopped).
    m_nodes->syncFrom(*supervisor);
    // Process states are shown while the cluster comes up; scrapes start at ready().
    m_ticker->start(m_intervalMs);
    emit stateChanged();
    return {};
}

void FleetMonitor::addHandoverPart(const QString &key, HandoverSave save, HandoverRestore restore)
{
    m_handoverParts.insert(key, {std::move(save), std::move(restore)});
}

Result<QJsonObject> FleetMonitor::handoverState() const
{
    if (isAttached() || !m_supervisor)
        return Error{tr("no cluster launched by this process: nothing to hand over")};
    Result<QJsonObject> state = m_supervisor->handoverState();
    if (!state.ok())
        return state;
    QJsonObject o = state.value();
    QJsonObject parts;
    for (auto it = m_handoverParts.cbegin(); it != m_handoverParts.cend(); ++it) {
        const Result<QJsonValue> part = it.value().first();
        if (!part.ok())
            return Error{part.error()};
        parts.insert(it.key(), part.value());
    }
    o.insert(QStringLiteral("parts"), parts);
    if (m_history->isOpen())
        o.insert(QStringLiteral("history"), m_history->path());
    return o;
}

void FleetMonitor::releaseForHandover()
{
    // The new image listens on the same socket path and opens the same store.
    if (m_control)
        m_control->close();
    if (m_history->isOpen()) {
        m_history->flush();
        m_history->close();
    }
}

Result<void> FleetMonitor::resumeAfterFailedHandover(const QString &historyPath)
{
    if (!historyPath.isEmpty() && !m_history->isOpen())
        if (const Result<void> r = openHistory(historyPath); !r.ok())
            return r;
    if (m_control && m_supervisor)
        return m_control->listen(m_supervisor->runDir());
    return {};
}

void FleetMonitor::stop()
{
    if (isAttached()) {
        teardownScrapers();
        m_ticker->stop();
        if (m_attach)
            m_attach->deleteLater();
        m_attach = nullptr;
        if (m_promAttach)
            m_promAttach->deleteLater();
        m_promAttach = nullptr;
        m_attachProblem.clear();
        m_attachNodes.clear();
        m_attachReady = false;
        // Nothing is watched any more: no stale rows, and no Redis for the counters.
        m_nodes->clear();
        m_redis->clear();
        m_redisAddress.clear();
        m_lastRps.clear();
        m_lastErrorRatio.clear();
        m_lastP99.clear();
        m_errorCounts.clear();
        record(FleetEvent{FleetEvent::Kind::Detached, {}, tr("detached from %1").arg(m_attachCluster)});
        QTimer::singleShot(0, this, [this] {
            emit stopped();
            emit stateChanged();
        });
        return;
    }
    if (!m_supervisor) {
        QTimer::singleShot(0, this, [this] { emit stopped(); });
        return;
    }
    teardownScrapers();
    m_supervisor->stop();
    emit stateChanged();
}

void FleetMonitor::forgetFleet()
{
    teardownScrapers();
    if (m_supervisor)
        m_supervisor->deleteLater();
    m_supervisor = nullptr;
    m_nodes->clear();
    m_redis->clear();
    m_lastRps.clear();
    m_lastErrorRatio.clear();
    m_lastP99.clear();
    m_errorCounts.clear();
    m_redisAddress.clear();
    m_attachNodes.clear();
    m_attachReady = false;
    m_attachProblem.clear();
}

void FleetMonitor::teardownScrapers()
{
    if (m_collector) {
        if (m_ownsCollector) {
            m_collector->stop();
            m_collector->deleteLater();
        } else {
            m_collector->disconnect(this);
        }
    }
    m_collector = nullptr;
    m_ownsCollector = false;
    if (m_redisScraper) {
        m_redisScraper->stop();
        m_redisScraper->deleteLater();
        m_redisScraper = nullptr;
    }
}

void FleetMonitor::onReady()
{
    const ClusterProfile &p = m_supervisor->profile();
    // The supervisor's collector scrapes every node and HAProxy's exporter; the monitor only reads.
    m_collector = m_supervisor->collector();
    m_ownsCollector = false;
    connect(m_collector, &NodeCollector::collected, this, &FleetMonitor::onCollected);

    RedisInfoScraper::Options redisOptions;
    redisOptions.intervalMs = p.scrapeIntervalMs;
    redisOptions.timeoutMs = std::max(100, std::min(900, p.scrapeIntervalMs * 9 / 10));
    m_redisScraper = new RedisInfoScraper(redisOptions, this);
    connect(m_redisScraper, &RedisInfoScraper::scraped, this, &FleetMonitor::onRedisScraped);
    // The supervisor writes the generated password for the servers; a small local file.
    QString password;
    QFile pass(m_supervisor->runDir() + QStringLiteral("/redis.pass"));
    if (pass.open(QIODevice::ReadOnly))
        password = QString::fromUtf8(pass.readAll()).trimmed();
    m_redisPassword = password;

    for (const FleetNode *n : m_supervisor->nodes()) {
        if (n->kind == FleetNode::Kind::Redis) {
            RedisTarget t;
            t.name = n->name;
            t.port = n->port;
            t.password = password;
            m_redisAddress.insert(n->name, QStringLiteral("127.0.0.1:%1").arg(n->port));
            m_redisScraper->addTarget(t);
        }
    }
    m_redisScraper->start();
    m_nodes->syncFrom(*m_supervisor);
    emit ready();
    // A handed-over cluster: what the parts kept (the failover controller's side...) comes back now they exist.
    const QJsonObject handover = std::exchange(m_pendingHandover, {});
    for (auto it = handover.constBegin(); it != handover.constEnd(); ++it)
        if (const auto part = m_handoverParts.constFind(it.key()); part != m_handoverParts.cend())
            part.value().second(it.value());
    emit stateChanged();
}

QJsonObject FleetMonitor::lastStatus() const
{
    if (!isAttached())
        return m_supervisor ? m_lastStatus : QJsonObject{};
    // Attached: the remote nodes with the figures this monitor scrapes from them.
    QJsonArray nodes;
    for (int r = 0; r < m_nodes->rowCount(); ++r) {
        const FleetNodeMetrics m = m_nodes->metricsAt(r);
        QJsonObject o{{QStringLiteral("node"), m_nodes->index(r, 0).data(FleetNodesModel::NameRole).toString()},
                      {QStringLiteral("kind"), QStringLiteral("turno")},
                      {QStringLiteral("balancer"), m_nodes->index(r, 0).data(FleetNodesModel::StateRole).toString()},
                      {QStringLiteral("pid"), m.up ? 1 : 0}};
        if (std::isfinite(m.requestsPerSecond))
            o.insert(QStringLiteral("reqPerSec"), m.requestsPerSecond);
        if (std::isfinite(m.p99Ms))
            o.insert(QStringLiteral("p99Ms"), m.p99Ms);
        if (std::isfinite(m.cpuPercent))
            o.insert(QStringLiteral("cpuPercent"), m.cpuPercent);
        nodes << o;
    }
    return QJsonObject{{QStringLiteral("state"), stateName()}, {QStringLiteral("nodes"), nodes},
                       {QStringLiteral("fleet"), ClusterStatus::fleetSummary(nodes)}};
}

void FleetMonitor::onStopped()
{
    m_ticker->stop();
    m_lastStatus = {};
    teardownScrapers();
    if (m_supervisor)
        m_nodes->syncFrom(*m_supervisor);
    // Later: a client's `down` is answered from this same signal, after this slot.
    if (m_control) {
        m_control->close();
        m_control->deleteLater();
    }
    m_control = nullptr;
    if (m_history->isOpen())
        m_history->flush();
    emit stopped();
    emit stateChanged();
}

void FleetMonitor::append(const QString &key, qint64 ms, double value)
{
    if (std::isfinite(value))
        m_series->append(m_series->series(key), ms, value);
}

void FleetMonitor::onBalancerScraped(const CollectedScrape &c)
{
    const ScrapeResult &result = c.result;
    const qint64 ms = result.timestampMs;
    append(fleetSeries(QStringLiteral("balancer_up")), ms, result.up && result.scrape ? 1.0 : 0.0);
    if (!result.up || !result.scrape || !c.previous || ms <= c.previousMs)
        return;
    const MetricsScrape &now = *result.scrape;
    const MetricsScrape &then = *c.previous;
    const std::string backend = FleetSupervisor::backendName().toStdString();
    const BalancerFigures b = BalancerFigures::between(&then, c.previousMs, now, ms, QStringLiteral("turno"),
                                                       FleetSupervisor::backendName());
    append(fleetSeries(QStringLiteral("balancer_requests_per_second")), ms, b.requestsPerSecond);
    // The 5xx the backend passed on; a node's 5xx that HAProxy retried elsewhere is a retry instead.
    append(fleetSeries(QStringLiteral("balancer_5xx_per_second")), ms, b.backend5xxPerSecond);
    append(fleetSeries(QStringLiteral("balancer_retries_per_second")), ms, b.backendRetriesPerSecond);
    // What clients received after HAProxy's retries and redispatch: HighErrorRatio reads this.
    const QString balancer = balancerNode();
    append(nodeSeries(balancer, QStringLiteral("frontend_5xx_per_second")), ms, b.frontend5xxPerSecond);
    // No answer in between: no ratio, and the chart shows it as zero errors (as per node).
    if (std::isfinite(b.requestsPerSecond))
        append(nodeSeries(balancer, QStringLiteral("frontend_error_ratio")), ms, b.frontendErrorRatio.value_or(0.0));
    // HAProxy's request log over the same window (the supervisor closes it at this scrape).
    const BalancerLogReceiver *log = m_supervisor ? m_supervisor->balancerLog() : nullptr;
    const bool logged = log && log->isBound() && log->last().hasWindow();
    const BalancerLogWindow w = logged ? log->last() : BalancerLogWindow{};
    append(nodeSeries(balancer, QStringLiteral("frontend_p50_seconds")), ms, w.p50Ms / 1000.0);
    append(nodeSeries(balancer, QStringLiteral("frontend_p99_seconds")), ms, w.p99Ms / 1000.0);
    // The balancer's row of the Fleet table carries the frontend's figures beside the nodes'.
    if (const int row = m_nodes->rowOf(balancer); row >= 0) {
        FleetNodeMetrics m = m_nodes->metricsAt(row);
        m.requestsPerSecond = b.requestsPerSecond;
        m.p50Ms = w.p50Ms;
        m.p99Ms = w.p99Ms;
        m.errors = b.frontend5xxTotal;
        m.errorsPerSecond = errorRate(balancer, ms, b.frontend5xxTotal);
        m_nodes->setMetrics(balancer, m);
    }
    QHash<QString, double> picked;
    double total = 0;
    const double seconds = double(ms - c.previousMs) / 1000.0;
    for (const QString &node : turnoNodes()) {
        const std::string server = node.toStdString();
        const auto a = then.value("haproxy_server_sessions_total", {{"proxy", backend}, {"server", server}});
        const auto z = now.value("haproxy_server_sessions_total", {{"proxy", backend}, {"server", server}});
        if (!a || !z)
            continue;
        // A counter that went down is a restarted HAProxy: count from zero.
        const double r = (*z >= *a ? *z - *a : *z) / seconds;
        picked.insert(node, r);
        total += r;
    }
    // The balancer's share per node: which fraction of new sessions each one got.
    for (auto it = picked.cbegin(); it != picked.cend(); ++it)
        append(nodeSeries(it.key(), QStringLiteral("balancer_share")), ms, total > 0 ? it.value() / total : 0.0);
}

void FleetMonitor::onCollected(const CollectedScrape &c)
{
    const ScrapeResult &result = c.result;
    if (result.name == QLatin1String("haproxy") && !isAttached())
        return onBalancerScraped(c);
    const int row = m_nodes->rowOf(result.name);
    FleetNodeMetrics m = row >= 0 ? m_nodes->metricsAt(row) : FleetNodeMetrics{};
    m.up = result.up;
    append(nodeSeries(result.name, QStringLiteral("up")), result.timestampMs, result.up && result.scrape ? 1.0 : 0.0);
    if (!result.up || !result.scrape) {
        // A node that stops answering: its down-alert's `for` starts now, not at the next tick.
        if (c.previous)
            m_alerts->evaluate(QDateTime::currentMSecsSinceEpoch());
        m.requestsPerSecond = m.p50Ms = m.p99Ms = m.cpuPercent = m.errorsPerSecond = FleetNodeMetrics::kUnknown;
        m_lastRps.remove(result.name);
        m_lastP99.remove(result.name);
        m_lastErrorRatio.remove(result.name);
        m_nodes->setMetrics(result.name, m);
        return;
    }
    const NodeFigures &f = c.figures;
    const qint64 ms = f.timestampMs;
    m.errors = f.errors5xx;
    m.errorsPerSecond = errorRate(result.name, ms, f.errors5xx);
    m.rssBytes = f.rssBytes;
    m.uptimeSeconds = f.uptimeSeconds;
    if (f.hasWindow()) {
        m.requestsPerSecond = f.requestsPerSecond;
        m.p50Ms = f.p50Ms;
        m.p99Ms = f.p99Ms;
        m.cpuPercent = f.cpuPercent;
        // Names and units follow docs/alerts.md: the alert rules read these series.
        append(nodeSeries(result.name, QStringLiteral("requests_per_second")), ms, f.requestsPerSecond);
        append(nodeSeries(result.name, QStringLiteral("p50_seconds")), ms, f.p50Ms / 1000.0);
        append(nodeSeries(result.name, QStringLiteral("p99_seconds")), ms, f.p99Ms / 1000.0);
        append(nodeSeries(result.name, QStringLiteral("cpu_percent")), ms, f.cpuPercent);
        // No request in between: no ratio, and the chart shows it as zero errors.
        append(nodeSeries(result.name, QStringLiteral("error_ratio")), ms, f.errorRatio.value_or(0.0));
        if (std::isfinite(f.requestsPerSecond))
            m_lastRps.insert(result.name, f.requestsPerSecond);
        if (std::isfinite(f.p99Ms))
            m_lastP99.insert(result.name, f.p99Ms);
        else
            m_lastP99.remove(result.name);
        if (f.errorRatio)
            m_lastErrorRatio.insert(result.name, *f.errorRatio);
        else
            m_lastErrorRatio.remove(result.name);
    }
    append(nodeSeries(result.name, QStringLiteral("rss_bytes")), ms, m.rssBytes);
    m_nodes->setMetrics(result.name, m);
}

void FleetMonitor::onRedisScraped(const RedisScrapeResult &result)
{
    m_redis->update(result.name, m_redisAddress.value(result.name), result.info, result.error);
    append(redisSeries(result.name, QStringLiteral("redis_up")), result.timestampMs, result.info ? 1.0 : 0.0);
    if (!result.info) {
        // Its down-alerts' `for` starts now, not at the next tick (the appends below come first).
        QTimer::singleShot(0, this, [this] {
            if (isReady() || isAttached())
                m_alerts->evaluate(QDateTime::currentMSecsSinceEpoch());
        });
        // A replica that stops answering has lost its replication link too (ReplicationLinkDown reads this).
        const QString link = redisSeries(result.name, QStringLiteral("redis_master_link_up"));
        const std::optional<int> id = m_series->find(link);
        const auto last = id ? m_series->last(*id) : std::nullopt;
        if (last && result.timestampMs - last->timestampMs <= 5000)
            append(link, result.timestampMs, 0.0);
        return;
    }
    const RedisInfo &i = *result.info;
    const qint64 ms = result.timestampMs;
    append(redisSeries(result.name, QStringLiteral("redis_ops_per_second")), ms, double(i.opsPerSecond()));
    append(redisSeries(result.name, QStringLiteral("redis_memory_bytes")), ms, double(i.usedMemoryBytes()));
    append(redisSeries(result.name, QStringLiteral("redis_connected_clients")), ms, double(i.connectedClients()));
    append(redisSeries(result.name, QStringLiteral("redis_replication_offset")), ms,
           double(i.isPrimary() ? i.masterReplOffset() : i.slaveReplOffset()));
    if (!i.isPrimary()) {
        append(redisSeries(result.name, QStringLiteral("redis_master_link_up")), ms,
               i.masterLinkStatus() == QLatin1String("up") ? 1.0 : 0.0);
        return;
    }
    // The primary knows each replica's lag; the series is named after the replica's node.
    for (const RedisInfo::Replica &r : i.replicas()) {
        const QString address = QStringLiteral("%1:%2").arg(r.ip.isEmpty() ? QStringLiteral("127.0.0.1") : r.ip).arg(r.port);
        const QString replica = m_redisAddress.key(address);
        if (!replica.isEmpty())
            append(redisSeries(replica, QStringLiteral("redis_replication_lag_seconds")), ms, double(r.lagSeconds));
    }
}

void FleetMonitor::tick()
{
    if (isAttached() && m_attachReady)
        return aggregate();
    if (!m_supervisor)
        return;
    m_nodes->syncFrom(*m_supervisor);
    // Processes without /metrics (Redis, sentinels, HAProxy) get CPU and RSS from the supervisor's /proc samples.
    for (const FleetNode *n : m_supervisor->nodes()) {
        if (n->kind == FleetNode::Kind::Turno)
            continue;
        const int row = m_nodes->rowOf(n->name);
        if (row < 0)
            continue;
        FleetNodeMetrics m = m_nodes->metricsAt(row);
        const bool running = n->process && n->process->running();
        m.up = running;
        m.cpuPercent = running && n->lastCpuSampleMs > 0 ? n->cpuPercent : FleetNodeMetrics::kUnknown;
        m.rssBytes = running && n->rssBytes > 0 ? double(n->rssBytes) : FleetNodeMetrics::kUnknown;
        m_nodes->setMetrics(n->name, m);
    }
    if (isReady() && !m_statusPending) {
        m_statusPending = true;
        QPointer<FleetMonitor> self(this);
        m_supervisor->status([self](QJsonObject status) {
            if (!self)
                return;
            self->m_statusPending = false;
            self->m_lastStatus = status;
            QHash<QString, QString> balancer;
            for (const QJsonValue &v : status.value(QStringLiteral("nodes")).toArray()) {
                const QJsonObject o = v.toObject();
                if (o.contains(QStringLiteral("balancer")))
                    balancer.insert(o.value(QStringLiteral("node")).toString(), o.value(QStringLiteral("balancer")).toString());
            }
            self->m_nodes->setBalancerStates(balancer);
            emit self->statusUpdated();
        });
    }
    if (isReady())
        aggregate();
}

void FleetMonitor::aggregate()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    double rps = 0, p99 = 0, errors = 0;
    for (const QString &node : turnoNodes()) {
        rps += m_lastRps.value(node, 0.0);
        p99 = std::max(p99, m_lastP99.value(node, 0.0));
        errors = std::max(errors, m_lastErrorRatio.value(node, 0.0));
    }
    append(fleetSeries(QStringLiteral("requests_per_second")), now, rps);
    append(fleetSeries(QStringLiteral("p99_seconds")), now, p99 / 1000.0);
    append(fleetSeries(QStringLiteral("error_ratio")), now, errors);
    if (m_history->isOpen() && !isAttached()) {
        // The same figures, kept with the history so a report can show an incident's window later;
        // queued, the store commits them in batches. Only the supervising process records them:
        // a console attached beside it would write every tick twice.
        double cpu = 0;
        bool anyCpu = false;
        for (int r = 0; r < m_nodes->rowCount(); ++r) {
            const double c = m_nodes->metricsAt(r).cpuPercent;
            if (std::isfinite(c)) {
                cpu += c;
                anyCpu = true;
            }
        }
        m_history->recordSample(FleetSample{now, rps, p99, errors, anyCpu ? cpu : FleetSample::kUnknown});
    }
    m_alerts->evaluate(now);
    // The engine does not signal when a resolved alert expires from its list.
    m_alertModel->reload();
    m_lastSampleMs = now;
    emit sampled(now);
}

void FleetMonitor::record(const FleetEvent &event)
{
    emit fleetEvent(event);
    if (!m_history->isOpen())
        return;
    m_history->record(QStringLiteral("fleet"), event.node, event.timelineKind(), event.severity(), event.message,
                      event.details());
}

void FleetMonitor::drain(const QString &typedNode, std::function<void(Result<void>)> done)
{
    const QString node = ClusterLayout::resolveNodeName(typedNode);
    if (isAttached())
        return done(Error{readOnlyReason()});
    if (!m_supervisor)
        return done(Error{tr("no cluster is running; launch one first")});
    record(FleetEvent{FleetEvent::Kind::OperatorDrain, node, tr("operator drains %1").arg(node)});
    m_supervisor->drain(node, std::move(done));
}

void FleetMonitor::enable(const QString &typedNode, std::function<void(Result<void>)> done)
{
    const QString node = ClusterLayout::resolveNodeName(typedNode);
    if (isAttached())
        return done(Error{readOnlyReason()});
    if (!m_supervisor)
        return done(Error{tr("no cluster is running; launch one first")});
    record(FleetEvent{FleetEvent::Kind::OperatorEnable, node, tr("operator enables %1").arg(node)});
    m_supervisor->enable(node, std::move(done));
}

void FleetMonitor::setWeight(const QString &typedNode, int weight, std::function<void(Result<void>)> done)
{
    const QString node = ClusterLayout::resolveNodeName(typedNode);
    if (isAttached())
        return done(Error{readOnlyReason()});
    if (!m_supervisor)
        return done(Error{tr("no cluster is running; launch one first")});
    record(FleetEvent{FleetEvent::Kind::OperatorWeight, node, tr("operator sets the weight of %1 to %2").arg(node).arg(weight)});
    m_supervisor->setWeight(node, weight, std::move(done));
}

void FleetMonitor::signalNode(const QString &typedNode, int sig, const QString &what, std::function<void(Result<void>)> done)
{
    const QString node = ClusterLayout::resolveNodeName(typedNode);
    if (isAttached())
        return done(Error{readOnlyReason()});
    if (!isReady())
        return done(Error{tr("the cluster is %1; %2 needs a ready cluster").arg(stateName(), what)});
    const FleetNode *n = m_supervisor->node(node);
    if (!n || !n->process)
        return done(Error{tr("there is no node called %1; see the fleet table for names").arg(node)});
    if (!n->process->running())
        return done(Error{tr("%1 is not running (state %2); nothing to %3").arg(node, nodeStateName(n->state), what)});
    record(FleetEvent{sig == SIGKILL ? FleetEvent::Kind::OperatorKill : FleetEvent::Kind::OperatorRestart, node,
                      tr("operator: %1 %2 (pid %3)").arg(what, node).arg(n->process->pid())});
    n->process->signalGroup(sig);
    done({});
}

void FleetMonitor::restart(const QString &typedNode, std::function<void(Result<void>)> done)
{
    const QString node = ClusterLayout::resolveNodeName(typedNode);
    const FleetNode *n = m_supervisor ? m_supervisor->node(node) : nullptr;
    if (n && n->kind != FleetNode::Kind::Turno)
        return done(Error{tr("%1 is a %2; only turno nodes are restarted from here (Redis moves by failover)")
                              .arg(node, n->kindName())});
    signalNode(node, SIGTERM, QStringLiteral("restart"), std::move(done));
}

void FleetMonitor::kill(const QString &typedNode, std::function<void(Result<void>)> done)
{
    const QString node = ClusterLayout::resolveNodeName(typedNode);
    signalNode(node, SIGKILL, QStringLiteral("kill"), std::move(done));
}

}  // namespace turno
