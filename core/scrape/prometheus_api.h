// PrometheusApi: the read side of Prometheus's HTTP API (/api/v1/query,
// /api/v1/query_range, label values), as Grafana reads it. Every failure says
// what and where: Prometheus down, a timeout, a refused query with
// Prometheus's own errorType and message.
#pragma once

#include "common/result.h"

#include <QJsonArray>
#include <QList>
#include <QMap>
#include <QObject>
#include <QString>
#include <QUrl>
#include <functional>

class QNetworkAccessManager;

namespace turno {

struct PromSample {
    QMap<QString, QString> labels;
    qint64 timestampMs = 0;
    double value = 0;
};

struct PromSeries {
    QMap<QString, QString> labels;
    QList<std::pair<qint64, double>> points;  // ms, value
};

class PrometheusApi : public QObject {
    Q_OBJECT
public:
    // Prometheus refuses a range query of more points than this per series.
    static constexpr int kMaxPointsPerSeries = 11000;

    explicit PrometheusApi(QUrl base, QObject *parent = nullptr);
    QUrl base() const { return m_base; }
    void setTimeoutMs(int ms) { m_timeoutMs = ms; }

    void query(const QString &promql, std::function<void(Result<QList<PromSample>>)> done);
    // stepMs is raised so the range has at most kMaxPointsPerSeries points.
    void queryRange(const QString &promql, qint64 fromMs, qint64 toMs, qint64 stepMs,
                    std::function<void(Result<QList<PromSeries>>)> done);
    void labelValues(const QString &label, std::function<void(Result<QStringList>)> done);
    // /api/v1/targets?state=active: each target's labels, health and scrapeInterval.
    void activeTargets(std::function<void(Result<QJsonArray>)> done);
    // Prometheus durations: "15s", "1m30s", "500ms", "1h"; -1 when malformed.
    static qint64 parseDurationMs(const QString &text);

    // The parsers, on a reply body and its HTTP status (0: no HTTP answer).
    static Result<QList<PromSample>> parseVector(const QByteArray &body, int httpStatus);
    static Result<QList<PromSeries>> parseMatrix(const QByteArray &body, int httpStatus);
    // "NaN", "+Inf", "-Inf" and numbers, as Prometheus writes sample values.
    static double parseValue(const QString &text);
    // The smallest step (ms) that keeps [fromMs, toMs] within the point limit.
    static qint64 boundedStep(qint64 fromMs, qint64 toMs, qint64 stepMs);

private:
    void get(const QString &path, const QList<std::pair<QString, QString>> &params,
             std::function<void(QByteArray body, int status, QString transportError)> done);

    QUrl m_base;
    QNetworkAccessManager *m_net;
    int m_timeoutMs = 5000;
};

}  // namespace turno
