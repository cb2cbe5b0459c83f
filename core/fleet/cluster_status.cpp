#include "fleet/cluster_status.h"

#include "fleet/managed_process.h"

#include <QHash>
#include <QJsonArray>
#include <algorithm>
#include <cmath>

namespace turno {

namespace {

QJsonObject processFields(const FleetNode &n)
{
    return QJsonObject{{QStringLiteral("node"), n.name},
                       {QStringLiteral("kind"), n.kindName()},
                       {QStringLiteral("pool"), n.pool},
                       {QStringLiteral("process"), nodeStateName(n.state)},
                       {QStringLiteral("pid"), n.process && n.process->running() ? n.process->pid() : 0},
                       {QStringLiteral("address"), QStringLiteral("127.0.0.1:%1").arg(n.port)},
                       {QStringLiteral("cpuPercent"), std::round(n.cpuPercent * 10) / 10},
                       {QStringLiteral("rssBytes"), n.rssBytes},
                       {QStringLiteral("restarts"), int(n.restartTimes.size())},
                       {QStringLiteral("log"), n.process ? n.process->logFile() : QString()}};
}

}  // namespace

QJsonObject ClusterStatus::fleetSummary(const QJsonArray &nodes)
{
    double rps = 0, weightedErrors = 0, errorRps = 0, cpu = 0;
    double p99 = -1;
    int turno = 0, serving = 0, processes = 0, running = 0;
    for (const QJsonValue &v : nodes) {
        const QJsonObject n = v.toObject();
        ++processes;
        if (n.value(QStringLiteral("pid")).toInteger() > 0)
            ++running;
        cpu += n.value(QStringLiteral("cpuPercent")).toDouble();
        if (n.value(QStringLiteral("kind")).toString() != QLatin1String("turno"))
            continue;
        ++turno;
        if (n.value(QStringLiteral("balancer")).toString() == QLatin1String("UP"))
            ++serving;
        const double r = n.value(QStringLiteral("reqPerSec")).toDouble();
        rps += r;
        if (n.value(QStringLiteral("p99Ms")).isDouble())
            p99 = std::max(p99, n.value(QStringLiteral("p99Ms")).toDouble());
        if (n.value(QStringLiteral("errorRatio")).isDouble() && r > 0) {
            weightedErrors += n.value(QStringLiteral("errorRatio")).toDouble() * r;
            errorRps += r;
        }
    }
    return QJsonObject{{QStringLiteral("reqPerSec"), std::round(rps * 10) / 10},
                       {QStringLiteral("p99Ms"), p99 < 0 ? QJsonValue() : QJsonValue(p99)},
                       {QStringLiteral("errorRatio"), errorRps > 0 ? QJsonValue(weightedErrors / errorRps) : QJsonValue()},
                       {QStringLiteral("cpuPercent"), std::round(cpu * 10) / 10},
                       {QStringLiteral("turnoNodes"), turno},
                       {QStringLiteral("turnoServing"), serving},
                       {QStringLiteral("processes"), processes},
                       {QStringLiteral("processesRunning"), running}};
}

QJsonObject ClusterStatus::build(const ClusterStatusInput &in)
{
    const ClusterLayout &l = in.layout;
    QHash<QString, HaproxyStatRow> byName;
    for (const HaproxyStatRow &r : in.rows)
        if (r.proxy == ClusterLayout::backendName())
            byName.insert(r.server, r);
    QJsonArray nodes;
    bool primaryUp = false, secondaryUp = false;
    for (const FleetNode *n : l.nodes) {
        QJsonObject o = processFields(*n);
        QString state = nodeStateName(n->state);
        if (n->kind == FleetNode::Kind::Turno) {
            // Over the collector's last scrape interval, from the node's own /metrics.
            const NodeFigures f = in.figures ? in.figures(n->name) : NodeFigures{};
            o.insert(QStringLiteral("weight"), n->weight);
            if (byName.contains(n->name)) {
                const HaproxyStatRow &r = byName[n->name];
                if (n->state == NodeState::Running)
                    state = r.stateName();
                o.insert(QStringLiteral("balancer"), r.stateName());
                o.insert(QStringLiteral("weight"), r.weight);
                o.insert(QStringLiteral("reqPerSec"), std::isnan(f.requestsPerSecond) ? double(r.sessionRate)
                                                                                      : std::round(f.requestsPerSecond * 10) / 10);
                o.insert(QStringLiteral("sessions"), r.currentSessions);
                o.insert(QStringLiteral("picked"), r.lbTotal);
                o.insert(QStringLiteral("avgResponseMs"), r.responseTimeMs);
                o.insert(QStringLiteral("errors"), r.responses5xx + r.responseErrors + r.connectionErrors);
                if (r.state() == BalancerState::Up && n->pool == QLatin1String("primary"))
                    primaryUp = true;
                if (r.state() == BalancerState::Up && n->pool == QLatin1String("secondary"))
                    secondaryUp = true;
            }
            // From the node's own latency histogram; null without traffic.
            o.insert(QStringLiteral("p99Ms"), std::isnan(f.p99Ms) ? QJsonValue() : QJsonValue(std::round(f.p99Ms * 100) / 100));
            if (!std::isnan(f.errors5xx))
                o.insert(QStringLiteral("node5xx"), f.errors5xx);
            // The same 5xx as a rate over the window of reqPerSec: what the node answered, before HAProxy's retries.
            if (!std::isnan(f.errorsPerSecond))
                o.insert(QStringLiteral("node5xxPerSec"), std::round(f.errorsPerSecond * 1000) / 1000);
            // 5xx answers over all answers in the same window as reqPerSec; absent without traffic.
            if (f.errorRatio)
                o.insert(QStringLiteral("errorRatio"), *f.errorRatio);
        }
        if (n->kind == FleetNode::Kind::Redis)
            o.insert(QStringLiteral("role"), n->name == l.redisPrimary ? QStringLiteral("primary") : QStringLiteral("replica"));
        o.insert(QStringLiteral("state"), state);
        nodes << o;
    }
    QJsonObject out{{QStringLiteral("cluster"), l.profile.name},
                    {QStringLiteral("state"), in.state},
                    {QStringLiteral("runDir"), l.runDir},
                    {QStringLiteral("balancer"), QStringLiteral("%1:%2").arg(l.profile.balancerListen.host).arg(l.balancerPort)},
                    {QStringLiteral("prometheus"), QStringLiteral("127.0.0.1:%1").arg(l.prometheusPort)},
                    {QStringLiteral("statsSocket"), l.haproxySocket()},
                    {QStringLiteral("algorithm"), l.profile.algorithm},
                    {QStringLiteral("active"), primaryUp     ? QStringLiteral("primary")
                                               : secondaryUp ? QStringLiteral("secondary")
                                                             : QStringLiteral("none")},
                    {QStringLiteral("readyMs"), in.readyMs},
                    {QStringLiteral("nodes"), nodes},
                    {QStringLiteral("fleet"), fleetSummary(nodes)}};
    QJsonObject frontend;
    for (const HaproxyStatRow &r : in.rows)
        if (r.proxy == QLatin1String("turno") && r.server == QLatin1String("FRONTEND"))
            frontend = QJsonObject{{QStringLiteral("reqPerSec"), r.requestRate},
                                   {QStringLiteral("requests"), r.requestsTotal},
                                   {QStringLiteral("sessions"), r.currentSessions},
                                   {QStringLiteral("responses5xx"), r.responses5xx}};
    // What clients got, after HAProxy's retries and redispatch, over the collector's last
    // window of the exporter: the nodes' 5xx that a retry hid are not in it.
    const BalancerFigures &b = in.balancer;
    if (b.hasWindow() && std::isfinite(b.frontend5xxPerSecond))
        frontend.insert(QStringLiteral("responses5xxPerSec"), std::round(b.frontend5xxPerSecond * 1000) / 1000);
    frontend.insert(QStringLiteral("errorRatio"), b.frontendErrorRatio ? QJsonValue(*b.frontendErrorRatio) : QJsonValue());
    // Percentiles of %Ta (queue, connect, server and transfer: the balancer hop included) from
    // HAProxy's request log over the same window; the exporter has averages only.
    QJsonValue p99;
    if (in.frontendLog) {
        const BalancerLogWindow &w = *in.frontendLog;
        if (w.hasWindow())
            frontend.insert(QStringLiteral("loggedRequests"), double(w.requests));
        if (w.hasWindow() && std::isfinite(w.p99Ms)) {
            p99 = w.p99Ms;
            frontend.insert(QStringLiteral("p50Ms"), w.p50Ms);
        }
    } else {
        frontend.insert(QStringLiteral("p99Note"), in.frontendLogError.isEmpty()
                                                       ? QStringLiteral("frontend p99 needs the balancer's log")
                                                       : QStringLiteral("frontend p99 needs the balancer's log (%1)").arg(in.frontendLogError));
    }
    frontend.insert(QStringLiteral("p99Ms"), p99);
    out.insert(QStringLiteral("frontend"), frontend);
    QJsonObject fleet = out.value(QStringLiteral("fleet")).toObject();
    fleet.insert(QStringLiteral("frontendErrorRatio"), frontend.value(QStringLiteral("errorRatio")));
    fleet.insert(QStringLiteral("frontendP99Ms"), p99);
    out.insert(QStringLiteral("fleet"), fleet);
    if (!in.balancerError.isEmpty())
        out.insert(QStringLiteral("balancerError"), in.balancerError);
    if (l.node(l.redisPrimary))
        out.insert(QStringLiteral("redisPrimary"), l.redisPrimary);
    return out;
}

}  // namespace turno
