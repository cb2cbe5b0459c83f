// PrometheusAttach: a fleet seen through a real Prometheus instead of scraping
// it: the turno nodes of one job, their req/s, p50/p99, CPU, RSS and 5xx share
// from instant queries, and their history from range queries (the same PromQL
// `turnoctl export prometheus-rules` writes). The rate window follows the
// job's scrape interval (four of them, as Grafana's $__rate_interval).
#pragma once

#include "common/result.h"

#include <QList>
#include <QMap>
#include <QObject>
#include <QString>
#include <QUrl>
#include <functional>
#include <limits>
#include <optional>

class QTimer;

namespace turno {

class PrometheusApi;

class PrometheusAttach : public QObject {
    Q_OBJECT
public:
    static constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();

    struct Node {
        QString name;      // the target's "node" label, else its instance
        QString instance;  // host:port
        QString pool;      // the target's "pool" label (turnoctl export prometheus sets it), else empty
        bool up = false;
        double rps = kUnknown;
        double p50Ms = kUnknown;
        double p99Ms = kUnknown;
        double cpuPercent = kUnknown;
        double rssBytes = kUnknown;
        std::optional<double> errorRatio;  // none without requests in the window
    };
    struct Snapshot {
        qint64 timestampMs = 0;
        QList<Node> nodes;
        int rateWindowS = 0;
    };
    // metric (requests_per_second, p99_seconds, ...) -> node -> points (ms, value)
    using History = QMap<QString, QMap<QString, QList<std::pair<qint64, double>>>>;

    PrometheusAttach(QUrl url, QString job, QObject *parent = nullptr);
    QUrl url() const;
    QString job() const { return m_job; }
    void setTimeoutMs(int ms);

    // Every intervalMs: snapshot(), or problem() (and the last snapshot stays).
    void start(int intervalMs);
    void stop();
    // One look: every figure of every node of the job, or what went wrong.
    void refresh(std::function<void(Result<Snapshot>)> done);
    // The same figures over [fromMs, toMs] every stepMs (raised to Prometheus's point limit).
    void history(qint64 fromMs, qint64 toMs, qint64 stepMs, std::function<void(Result<History>)> done);

    // The PromQL of each figure (metric name as the alert rules call it) for job over a window.
    static QMap<QString, QString> queries(const QString &job, int rateWindowS);
    // A target's name in the tables: its node label, else its instance.
    static QString nodeName(const QMap<QString, QString> &labels);

signals:
    void snapshot(const turno::PrometheusAttach::Snapshot &snapshot);
    void problem(const QString &message);
    void recovered();

private:
    void tick();
    // The job's scrape interval from up's samples of the last minute; then the rate window.
    void discoverWindow(std::function<void(Result<int>)> done);

    PrometheusApi *m_api;
    QString m_job;
    QTimer *m_timer;
    int m_rateWindowS = 0;
    qint64 m_scrapeIntervalMs = 0;
    bool m_inFlight = false;
    bool m_failing = false;
};

}  // namespace turno
