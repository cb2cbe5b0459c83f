// ClusterStatus: the status JSON of a supervised cluster (`turnoctl status
// --json`, the control API's `status`), built from what its owners know: the
// layout and node states (supervisor), HAProxy's `show stat` rows, and the
// collector's figures. A pure function: parts owned elsewhere (failover) are
// added by the control API, never written into the supervisor.
#pragma once

#include "fleet/cluster_layout.h"
#include "fleet/haproxy_runtime.h"
#include "metrics/balancer_figures.h"
#include "metrics/node_figures.h"
#include "scrape/balancer_log_receiver.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <functional>
#include <optional>

namespace turno {

struct ClusterStatusInput {
    ClusterLayout layout;
    QString state;   // the supervisor's state name: starting, ready, ...
    qint64 readyMs = -1;
    QList<HaproxyStatRow> rows;   // empty when HAProxy did not answer
    QString balancerError;        // why there are no rows
    // The collector's last figures of a turno node (all NaN when none).
    std::function<NodeFigures(const QString &node)> figures;
    // HAProxy's exporter over the collector's last window (frontend 5xx: what clients got).
    BalancerFigures balancer;
    // HAProxy's request log over the same window; none when the balancer's log is not received.
    std::optional<BalancerLogWindow> frontendLog;
    QString frontendLogError;  // why not, when known
};

class ClusterStatus {
public:
    static QJsonObject build(const ClusterStatusInput &in);
    // status's "fleet": the whole fleet's figures over the same window as the nodes'
    // (the Overview shows these): reqPerSec summed over turno nodes, p99Ms the worst
    // node's (null without traffic), errorRatio 5xx over all answers weighted by each
    // node's rate (null without traffic), cpuPercent summed over every process (100 =
    // one core), and how many turno nodes serve (balancer "up") and processes run.
    // build() adds frontendErrorRatio and frontendP99Ms: status's "frontend" figures.
    static QJsonObject fleetSummary(const QJsonArray &nodes);
};

}  // namespace turno
