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

void PrometheusAttach::refresh(std::function<void(Result<Snapshot>)> done)
{
    discoverWindow([this, done](Result<int> window) {
        if (!window.ok())
            return done(Error{window.error()});
        const QMap<QString, QString> q = queries(m_job, window.value());
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
                done(s);
            });
        }
    });
}

void PrometheusAttach::history(qint64 fromMs, qint64 toMs, qint64 stepMs, std::function<void(Result<History>)> done)
{
    discoverWindow([this, fromMs, toMs, stepMs, done](Result<int> window) {
        if (!window.ok())
            return done(Error{window.error()});
        const QMap<QString, QString> q = queries(m_job, window.value());
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
            m_api->queryRange(it.value(), fromMs, toMs, step, [pending, metric, done](Result<QList<PromSeries>> r) {
                if (!r.ok() && pending->error.isEmpty())
                    pending->error = QStringLiteral("%1: %2").arg(metric, r.error());
                if (r.ok())
                    for (const PromSeries &s : r.value())
                        pending->history[metric][nodeName(s.labels)] = s.points;
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
