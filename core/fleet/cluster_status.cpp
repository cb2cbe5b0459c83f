#include "fleet/cluster_status.h"

#include "fleet/managed_process.h"

#include <QHash>
#include <QJsonArray>
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
                    {QStringLiteral("nodes"), nodes}};
    for (const HaproxyStatRow &r : in.rows)
        if (r.proxy == QLatin1String("turno") && r.server == QLatin1String("FRONTEND"))
            out.insert(QStringLiteral("frontend"), QJsonObject{{QStringLiteral("reqPerSec"), r.requestRate},
                                                               {QStringLiteral("requests"), r.requestsTotal},
                                                               {QStringLiteral("sessions"), r.currentSessions},
                                                               {QStringLiteral("responses5xx"), r.responses5xx}});
    if (!in.balancerError.isEmpty())
        out.insert(QStringLiteral("balancerError"), in.balancerError);
    if (l.node(l.redisPrimary))
        out.insert(QStringLiteral("redisPrimary"), l.redisPrimary);
    return out;
}

}  // namespace turno
