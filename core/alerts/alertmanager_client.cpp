#include "alerts/alertmanager_client.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QTimer>
#include <QUrl>
#include <memory>

namespace turno {

namespace {

QString iso(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms).toUTC().toString(Qt::ISODateWithMs);
}

qint64 msOf(const QJsonValue &v)
{
    return QDateTime::fromString(v.toString(), Qt::ISODateWithMs).toMSecsSinceEpoch();
}

}  // namespace

AlertmanagerClient::AlertmanagerClient(QObject *parent)
    : QObject(parent), m_net(new QNetworkAccessManager(this)), m_resend(new QTimer(this))
{
    connect(m_resend, &QTimer::timeout, this, &AlertmanagerClient::resendFiring);
    m_resend->setInterval(m_resendMs);
}

void AlertmanagerClient::setUrls(const QStringList &urls)
{
    m_urls = urls;
    m_targets.clear();
    for (const QString &u : urls)
        m_targets << Target{alertsEndpoint(u)};
    if (m_targets.isEmpty())
        m_resend->stop();
    else if (!m_firing.isEmpty() && !m_resend->isActive())
        m_resend->start();
}

void AlertmanagerClient::setResendIntervalMs(int ms)
{
    m_resendMs = std::max(100, ms);
    m_resend->setInterval(m_resendMs);
}

QString AlertmanagerClient::alertsEndpoint(const QString &url)
{
    QUrl u(url, QUrl::StrictMode);
    if (!u.isValid() || u.host().isEmpty() || (u.scheme() != QLatin1String("http") && u.scheme() != QLatin1String("https")))
        return {};
    QString path = u.path();
    if (!path.endsWith(QLatin1String("/api/v2/alerts"))) {
        while (path.endsWith(QLatin1Char('/')))
            path.chop(1);
        path += QStringLiteral("/api/v2/alerts");
    }
    u.setPath(path);
    return u.toString();
}

QJsonObject AlertmanagerClient::alertJson(const Alert &alert, const QString &cluster, qint64 endsAtMs)
{
    QJsonObject labels;
    for (auto it = alert.labels.begin(); it != alert.labels.end(); ++it)
        labels.insert(it.key(), it.value());
    labels.insert(QStringLiteral("alertname"), alert.rule);
    labels.insert(QStringLiteral("node"), alert.node);
    labels.insert(QStringLiteral("severity"), alert.severity);
    if (!cluster.isEmpty())
        labels.insert(QStringLiteral("cluster"), cluster);
    QJsonObject a{{QStringLiteral("labels"), labels},
                  {QStringLiteral("annotations"),
                   QJsonObject{{QStringLiteral("summary"), alert.summary}, {QStringLiteral("value"), QString::number(alert.value)}}},
                  {QStringLiteral("startsAt"), iso(alert.firingSinceMs >= 0 ? alert.firingSinceMs : QDateTime::currentMSecsSinceEpoch())},
                  {QStringLiteral("generatorURL"), QStringLiteral("turno-ops://alerts/") + alert.rule}};
    if (endsAtMs > 0)
        a.insert(QStringLiteral("endsAt"), iso(endsAtMs));
    return a;
}

QStringList AlertmanagerClient::firingIds() const
{
    QStringList ids;
    for (auto it = m_firing.begin(); it != m_firing.end(); ++it)
        if (!silenced(it->alert))
            ids << it.key();
    return ids;
}

void AlertmanagerClient::onTransition(const AlertTransition &t)
{
    if (t.to != Alert::State::Firing && t.to != Alert::State::Resolved)
        return;
    QJsonArray batch;
    if (t.to == Alert::State::Firing) {
        // Kept while silenced in the console too: the silence may end before the alert does.
        Firing &f = m_firing[t.alert.id];
        f.alert = t.alert;
        if (!m_targets.isEmpty() && !m_resend->isActive())
            m_resend->start();
        // Silenced in the console: Alertmanager hears nothing of it (its own silences are Alertmanager's).
        if (silenced(t.alert))
            return;
        f.announced = true;
        batch << alertJson(t.alert, m_cluster, t.atMs + 4LL * m_resendMs);
    } else {
        const auto it = m_firing.constFind(t.alert.id);
        if (it == m_firing.constEnd())
            return;
        const bool announced = it->announced;
        m_firing.erase(it);
        if (m_firing.isEmpty())
            m_resend->stop();
        // Told it fires, Alertmanager hears that it ended (silenced since or not): the truth,
        // sooner than its endsAt would say it.
        if (!announced)
            return;
        batch << alertJson(t.alert, m_cluster, t.atMs);
    }
    const QByteArray body = QJsonDocument(batch).toJson(QJsonDocument::Compact);
    for (int i = 0; i < m_targets.size(); ++i)
        post(i, body, int(batch.size()), 1);
}

void AlertmanagerClient::resendFiring()
{
    if (m_firing.isEmpty() || m_targets.isEmpty())
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QJsonArray batch;
    for (Firing &f : m_firing) {
        // Silenced since it started firing: it is left out, not sent resolved. Alertmanager
        // then resolves it by itself once the endsAt of its last send passes (four re-send
        // intervals at most), as it does for any alert Prometheus stops sending. An
        // Alertmanager user reads "resolved" as "the condition ended": an endsAt of now
        // would record a recovery that did not happen, and a silence shorter than the
        // lease (a minute to look at it) would turn into a resolve and a new firing, which
        // pages again; left out, it carries on where it was when the silence ends.
        if (silenced(f.alert))
            continue;
        f.announced = true;
        batch << alertJson(f.alert, m_cluster, now + 4LL * m_resendMs);
    }
    if (batch.isEmpty())
        return;
    const QByteArray body = QJsonDocument(batch).toJson(QJsonDocument::Compact);
    for (int i = 0; i < m_targets.size(); ++i)
        post(i, body, int(batch.size()), 1);
}

void AlertmanagerClient::post(int target, const QByteArray &body, int alerts, int attempt)
{
    const QString endpoint = m_targets.value(target).endpoint;
    if (endpoint.isEmpty())
        return;
    QNetworkRequest req{QUrl(endpoint)};
    req.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    req.setTransferTimeout(5000);
    QNetworkReply *reply = m_net->post(req, body);
    const QStringList urlsThen = m_urls;
    connect(reply, &QNetworkReply::finished, this, [this, reply, target, body, alerts, attempt, endpoint, urlsThen] {
        reply->deleteLater();
        // The rules were reloaded with other URLs meanwhile: this answer is about a target that is gone.
        if (urlsThen != m_urls || target >= m_targets.size())
            return;
        Target &t = m_targets[target];
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (reply->error() == QNetworkReply::NoError && status / 100 == 2) {
            t.sent += 1;
            t.failuresInARow = 0;
            t.lastError.clear();
            t.lastOkMs = QDateTime::currentMSecsSinceEpoch();
            emit delivered(endpoint, alerts);
            return;
        }
        const QString why = status > 0 ? QStringLiteral("HTTP %1: %2").arg(status).arg(QString::fromUtf8(reply->readAll().left(200)).trimmed())
                                       : reply->errorString();
        t.failuresInARow += 1;
        t.lastError = why;
        // A 4xx is Alertmanager refusing the body: sending it again changes nothing.
        const bool givingUp = attempt >= kMaxAttempts || (status >= 400 && status < 500);
        emit failed(endpoint, why, attempt, givingUp);
        if (!givingUp) {
            QTimer::singleShot(1000 << (attempt - 1), this, [this, target, body, alerts, attempt] {
                post(target, body, alerts, attempt + 1);
            });
        }
    });
}

bool AlertmanagerClient::matches(const QJsonArray &matchers, const QMap<QString, QString> &labels)
{
    if (matchers.isEmpty())
        return false;
    for (const QJsonValue &v : matchers) {
        const QJsonObject m = v.toObject();
        const QString value = labels.value(m.value(QStringLiteral("name")).toString());
        const QString want = m.value(QStringLiteral("value")).toString();
        bool hit = false;
        if (m.value(QStringLiteral("isRegex")).toBool()) {
            const QRegularExpression re(QRegularExpression::anchoredPattern(want));
            hit = re.isValid() && re.match(value).hasMatch();
        } else {
            hit = value == want;
        }
        // isEqual false: the matcher is != or !~ (Alertmanager 0.22 and later).
        if (hit != m.value(QStringLiteral("isEqual")).toBool(true))
            return false;
    }
    return true;
}

void AlertmanagerClient::fetchSilences(const QList<Alert> &alerts,
                                       std::function<void(QList<AlertmanagerSilence>, QStringList)> done)
{
    struct Pending {
        int left = 0;
        QList<AlertmanagerSilence> silences;
        QStringList errors;
    };
    auto pending = std::make_shared<Pending>();
    pending->left = int(m_targets.size());
    if (pending->left == 0)
        return done({}, {});
    // Labels exactly as sent, so a matcher written for the notifications selects here too.
    QList<std::pair<QString, QMap<QString, QString>>> sent;
    for (const Alert &a : alerts) {
        QMap<QString, QString> labels;
        const QJsonObject l = alertJson(a, m_cluster, 0).value(QStringLiteral("labels")).toObject();
        for (auto it = l.begin(); it != l.end(); ++it)
            labels.insert(it.key(), it.value().toString());
        sent.append({a.id, labels});
    }
    const QString cluster = m_cluster;
    for (const Target &t : std::as_const(m_targets)) {
        QString url = t.endpoint;
        url.replace(QRegularExpression(QStringLiteral("/api/v2/alerts$")), QStringLiteral("/api/v2/silences"));
        QNetworkRequest req{QUrl(url)};
        req.setTransferTimeout(3000);
        QNetworkReply *reply = m_net->get(req);
        connect(reply, &QNetworkReply::finished, this, [reply, url, pending, sent, cluster, done] {
            reply->deleteLater();
            const QJsonDocument doc = QJsonDocument::fromJson(reply->readAll());
            if (reply->error() != QNetworkReply::NoError || !doc.isArray()) {
                pending->errors << QStringLiteral("%1: %2").arg(url, reply->error() != QNetworkReply::NoError
                                                                         ? reply->errorString()
                                                                         : QStringLiteral("not a JSON array of silences"));
            } else {
                for (const QJsonValue &v : doc.array()) {
                    const QJsonObject o = v.toObject();
                    const QString state = o.value(QStringLiteral("status")).toObject().value(QStringLiteral("state")).toString();
                    if (state == QLatin1String("expired"))
                        continue;
                    const QJsonArray matchers = o.value(QStringLiteral("matchers")).toArray();
                    AlertmanagerSilence s;
                    s.id = o.value(QStringLiteral("id")).toString();
                    s.url = url;
                    s.state = state;
                    s.createdBy = o.value(QStringLiteral("createdBy")).toString();
                    s.comment = o.value(QStringLiteral("comment")).toString();
                    s.startsAtMs = msOf(o.value(QStringLiteral("startsAt")));
                    s.endsAtMs = msOf(o.value(QStringLiteral("endsAt")));
                    QStringList text;
                    bool namesCluster = false;
                    for (const QJsonValue &mv : matchers) {
                        const QJsonObject m = mv.toObject();
                        const bool eq = m.value(QStringLiteral("isEqual")).toBool(true);
                        const bool re = m.value(QStringLiteral("isRegex")).toBool();
                        text << QStringLiteral("%1%2\"%3\"")
                                    .arg(m.value(QStringLiteral("name")).toString(),
                                         re ? (eq ? QStringLiteral("=~") : QStringLiteral("!~")) : (eq ? QStringLiteral("=") : QStringLiteral("!=")),
                                         m.value(QStringLiteral("value")).toString());
                        namesCluster = namesCluster || (m.value(QStringLiteral("name")).toString() == QLatin1String("cluster") &&
                                                        matches(QJsonArray{m}, {{QStringLiteral("cluster"), cluster}}));
                    }
                    s.matchers = text.join(QStringLiteral(", "));
                    for (const auto &[id, labels] : sent)
                        if (matches(matchers, labels))
                            s.matchedAlerts << id;
                    // An HA pair shares its silences: one row per silence.
                    bool seen = false;
                    for (const AlertmanagerSilence &other : std::as_const(pending->silences))
                        seen = seen || other.id == s.id;
                    if (!seen && (namesCluster || !s.matchedAlerts.isEmpty()))
                        pending->silences << s;
                }
            }
            if (--pending->left == 0)
                done(pending->silences, pending->errors);
        });
    }
}

QJsonArray AlertmanagerClient::statusJson() const
{
    QJsonArray out;
    for (const Target &t : m_targets)
        out << QJsonObject{{QStringLiteral("url"), t.endpoint},
                           {QStringLiteral("sent"), t.sent},
                           {QStringLiteral("failuresInARow"), t.failuresInARow},
                           {QStringLiteral("lastError"), t.lastError},
                           {QStringLiteral("lastOkMs"), double(t.lastOkMs)}};
    return out;
}

}  // namespace turno
