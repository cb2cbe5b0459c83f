#include "scrape/prometheus_api.h"

#include "common/duration.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QUrlQuery>
#include <charconv>
#include <cmath>
#include <limits>

namespace turno {

namespace {

// The envelope every API answer has: {"status":"success","data":...} or an error.
Result<QJsonObject> dataOf(const QByteArray &body, int httpStatus)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &pe);
    if (!doc.isObject()) {
        if (httpStatus != 200)
            return Error{QStringLiteral("HTTP %1: %2").arg(httpStatus).arg(QString::fromUtf8(body.left(200)).trimmed())};
        return Error{QStringLiteral("not a Prometheus API answer (%1 at offset %2)").arg(pe.errorString()).arg(pe.offset)};
    }
    const QJsonObject o = doc.object();
    if (o.value(QStringLiteral("status")).toString() != QLatin1String("success"))
        return Error{QStringLiteral("Prometheus refused the query (%1): %2")
                         .arg(o.value(QStringLiteral("errorType")).toString(QStringLiteral("error")),
                              o.value(QStringLiteral("error")).toString())};
    return o.value(QStringLiteral("data")).toObject();
}

QMap<QString, QString> labelsOf(const QJsonObject &metric)
{
    QMap<QString, QString> out;
    for (auto it = metric.begin(); it != metric.end(); ++it)
        out.insert(it.key(), it.value().toString());
    return out;
}

}  // namespace

PrometheusApi::PrometheusApi(QUrl base, QObject *parent)
    : QObject(parent), m_base(std::move(base)), m_net(new QNetworkAccessManager(this))
{
}

double PrometheusApi::parseValue(const QString &text)
{
    if (text == QLatin1String("NaN"))
        return std::numeric_limits<double>::quiet_NaN();
    if (text == QLatin1String("+Inf"))
        return std::numeric_limits<double>::infinity();
    if (text == QLatin1String("-Inf"))
        return -std::numeric_limits<double>::infinity();
    // Sample values are short ASCII numbers ("12.5", "1e+06"): std::from_chars on a
    // stack copy, several times cheaper than QString::toDouble at 200 targets a second.
    char buf[64];
    const qsizetype n = text.size();
    if (n == 0 || n >= qsizetype(sizeof buf))
        return std::numeric_limits<double>::quiet_NaN();
    for (qsizetype i = 0; i < n; ++i) {
        const char16_t c = text.at(i).unicode();
        if (c > 0x7f)
            return std::numeric_limits<double>::quiet_NaN();
        buf[i] = char(c);
    }
    const char *begin = buf[0] == '+' ? buf + 1 : buf;  // from_chars takes no leading '+'
    double v = 0;
    const auto [end, ec] = std::from_chars(begin, buf + n, v);
    return ec == std::errc() && end == buf + n ? v : std::numeric_limits<double>::quiet_NaN();
}

qint64 PrometheusApi::boundedStep(qint64 fromMs, qint64 toMs, qint64 stepMs)
{
    const qint64 span = std::max<qint64>(0, toMs - fromMs);
    const qint64 least = (span + kMaxPointsPerSeries - 2) / (kMaxPointsPerSeries - 1);
    return std::max({stepMs, least, qint64(1)});
}

Result<QList<PromSample>> PrometheusApi::parseVector(const QByteArray &body, int httpStatus)
{
    const Result<QJsonObject> data = dataOf(body, httpStatus);
    if (!data.ok())
        return Error{data.error()};
    const QString type = data.value().value(QStringLiteral("resultType")).toString();
    if (type != QLatin1String("vector") && type != QLatin1String("scalar"))
        return Error{QStringLiteral("expected an instant vector, Prometheus answered a %1").arg(type)};
    QList<PromSample> out;
    const QJsonValue result = data.value().value(QStringLiteral("result"));
    auto sampleOf = [](const QJsonArray &pair, const QJsonObject &metric) {
        PromSample s;
        s.labels = labelsOf(metric);
        s.timestampMs = qint64(std::llround(pair.at(0).toDouble() * 1000.0));
        s.value = parseValue(pair.at(1).toString());
        return s;
    };
    if (type == QLatin1String("scalar")) {
        out << sampleOf(result.toArray(), {});
        return out;
    }
    for (const QJsonValue &v : result.toArray()) {
        const QJsonObject o = v.toObject();
        out << sampleOf(o.value(QStringLiteral("value")).toArray(), o.value(QStringLiteral("metric")).toObject());
    }
    return out;
}

Result<QList<PromSeries>> PrometheusApi::parseMatrix(const QByteArray &body, int httpStatus)
{
    const Result<QJsonObject> data = dataOf(body, httpStatus);
    if (!data.ok())
        return Error{data.error()};
    if (data.value().value(QStringLiteral("resultType")).toString() != QLatin1String("matrix"))
        return Error{QStringLiteral("expected a range vector, Prometheus answered a %1")
                         .arg(data.value().value(QStringLiteral("resultType")).toString())};
    QList<PromSeries> out;
    for (const QJsonValue &v : data.value().value(QStringLiteral("result")).toArray()) {
        const QJsonObject o = v.toObject();
        PromSeries s;
        s.labels = labelsOf(o.value(QStringLiteral("metric")).toObject());
        for (const QJsonValue &p : o.value(QStringLiteral("values")).toArray()) {
            const QJsonArray pair = p.toArray();
            s.points.append({qint64(std::llround(pair.at(0).toDouble() * 1000.0)), parseValue(pair.at(1).toString())});
        }
        out << s;
    }
    return out;
}

void PrometheusApi::get(const QString &path, const QList<std::pair<QString, QString>> &params,
                        std::function<void(QByteArray, int, QString)> done)
{
    QUrl url = m_base;
    QString basePath = url.path();
    while (basePath.endsWith(QLatin1Char('/')))
        basePath.chop(1);
    url.setPath(basePath + path);
    QUrlQuery q;
    for (const auto &[k, v] : params)
        q.addQueryItem(k, QString::fromLatin1(QUrl::toPercentEncoding(v)));
    url.setQuery(q);
    QNetworkRequest req(url);
    req.setTransferTimeout(m_timeoutMs);
    QNetworkReply *reply = m_net->get(req);
    const int timeoutMs = m_timeoutMs;
    const QUrl base = m_base;
    connect(reply, &QNetworkReply::finished, this, [reply, done, timeoutMs, base] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        QString transport;
        if (status == 0) {
            transport = reply->error() == QNetworkReply::OperationCanceledError || reply->error() == QNetworkReply::TimeoutError
                            ? QStringLiteral("Prometheus at %1 did not answer within %2 s").arg(base.toString()).arg(timeoutMs / 1000.0)
                            : QStringLiteral("Prometheus at %1 does not answer (%2)").arg(base.toString(), reply->errorString());
        }
        done(reply->readAll(), status, transport);
    });
}

void PrometheusApi::query(const QString &promql, std::function<void(Result<QList<PromSample>>)> done)
{
    get(QStringLiteral("/api/v1/query"), {{QStringLiteral("query"), promql}}, [done](QByteArray body, int status, QString transport) {
        if (!transport.isEmpty())
            return done(Error{transport});
        done(parseVector(body, status));
    });
}

void PrometheusApi::queryRange(const QString &promql, qint64 fromMs, qint64 toMs, qint64 stepMs,
                               std::function<void(Result<QList<PromSeries>>)> done)
{
    const qint64 step = boundedStep(fromMs, toMs, stepMs);
    get(QStringLiteral("/api/v1/query_range"),
        {{QStringLiteral("query"), promql},
         {QStringLiteral("start"), QString::number(double(fromMs) / 1000.0, 'f', 3)},
         {QStringLiteral("end"), QString::number(double(toMs) / 1000.0, 'f', 3)},
         {QStringLiteral("step"), QString::number(double(step) / 1000.0, 'f', 3)}},
        [done](QByteArray body, int status, QString transport) {
            if (!transport.isEmpty())
                return done(Error{transport});
            done(parseMatrix(body, status));
        });
}

qint64 PrometheusApi::parseDurationMs(const QString &text)
{
    return turno::parseDurationMs(text, DurationSyntax::prometheus());
}

void PrometheusApi::activeTargets(std::function<void(Result<QJsonArray>)> done)
{
    get(QStringLiteral("/api/v1/targets"), {{QStringLiteral("state"), QStringLiteral("active")}},
        [done](QByteArray body, int status, QString transport) {
            if (!transport.isEmpty())
                return done(Error{transport});
            const Result<QJsonObject> data = dataOf(body, status);
            if (!data.ok())
                return done(Error{data.error()});
            done(data.value().value(QStringLiteral("activeTargets")).toArray());
        });
}

void PrometheusApi::labelValues(const QString &label, std::function<void(Result<QStringList>)> done)
{
    get(QStringLiteral("/api/v1/label/%1/values").arg(label), {}, [done](QByteArray body, int status, QString transport) {
        if (!transport.isEmpty())
            return done(Error{transport});
        const QJsonDocument doc = QJsonDocument::fromJson(body);
        if (doc.object().value(QStringLiteral("status")).toString() != QLatin1String("success"))
            return done(Error{QStringLiteral("HTTP %1: %2").arg(status).arg(QString::fromUtf8(body.left(200)))});
        QStringList out;
        for (const QJsonValue &v : doc.object().value(QStringLiteral("data")).toArray())
            out << v.toString();
        done(out);
    });
}

}  // namespace turno
