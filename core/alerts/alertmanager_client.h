// AlertmanagerClient: the fleet's alerts as a real Alertmanager expects them,
// sent to every URL of the rules file's notify.alertmanager (a highly available
// pair gets each alert twice and deduplicates by itself). A firing alert is
// re-sent every resend interval with endsAt four intervals ahead, as Prometheus
// does: Alertmanager resolves an alert that stops arriving. An alert silenced in
// the console is left out of every send while the silence lasts. A URL that does not
// answer is retried with backoff and reported (failed()), the others are not
// held up. It also reads the Alertmanagers' silences that match this cluster.
#pragma once

#include "alerts/alert_engine.h"

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QStringList>
#include <functional>

class QNetworkAccessManager;
class QTimer;

namespace turno {

// One silence as Alertmanager's /api/v2/silences has it.
struct AlertmanagerSilence {
    QString id;
    QString url;        // the Alertmanager it came from
    QString state;      // active, pending, expired
    QString matchers;   // e.g. alertname="NodeDown", node=~"primary-.*"
    QString createdBy;
    QString comment;
    qint64 startsAtMs = 0;
    qint64 endsAtMs = 0;
    QStringList matchedAlerts;  // ids of this cluster's alerts it covers now
};

class AlertmanagerClient : public QObject {
    Q_OBJECT
public:
    static constexpr int kDefaultResendMs = 30000;
    static constexpr int kMaxAttempts = 4;  // per batch and URL: 1 s, 2 s, 4 s apart

    explicit AlertmanagerClient(QObject *parent = nullptr);

    // Base URLs (http://host:9093) or full ones (…/api/v2/alerts).
    void setUrls(const QStringList &urls);
    QStringList urls() const { return m_urls; }
    // The "cluster" label of every alert sent.
    void setCluster(const QString &cluster) { m_cluster = cluster; }
    void setResendIntervalMs(int ms);
    int resendIntervalMs() const { return m_resendMs; }

    // Whether the console silences an alert now; asked at every send, the first
    // and each re-send, as silences come and go while an alert fires. Unset: the
    // alert's silenced flag as its last transition had it.
    void setSilencedNow(std::function<bool(const Alert &)> silenced) { m_silencedNow = std::move(silenced); }

    // Connect AlertEngine::transition here: firing alerts are sent and kept
    // re-sending (unless silenced); resolved ones that Alertmanager was told of
    // are sent once with their endsAt and dropped.
    void onTransition(const turno::AlertTransition &t);
    // The alerts currently re-sent (ids): firing and not silenced.
    QStringList firingIds() const;

    // One alert in the /api/v2/alerts shape: labels alertname, node, severity,
    // cluster (and the rule's), annotations summary and value, startsAt,
    // endsAt (the resolve time, or validUntilMs for a firing one), generatorURL.
    static QJsonObject alertJson(const Alert &alert, const QString &cluster, qint64 endsAtMs);
    // "http://h:9093" -> "http://h:9093/api/v2/alerts"; "" when not an http(s) URL.
    static QString alertsEndpoint(const QString &url);

    // Every URL's silences; done gets those that match one of alerts (by labels)
    // or name this cluster, and an error per URL that did not answer.
    void fetchSilences(const QList<Alert> &alerts, std::function<void(QList<AlertmanagerSilence>, QStringList)> done);
    // Whether matchers (Alertmanager's JSON array) select labels.
    static bool matches(const QJsonArray &matchers, const QMap<QString, QString> &labels);

    // Per URL: sent batches, failures in a row, the last error and success time.
    QJsonArray statusJson() const;

signals:
    void delivered(const QString &url, int alerts);
    void failed(const QString &url, const QString &why, int attempt, bool givingUp);

private:
    struct Target {
        QString endpoint;
        int sent = 0;
        int failuresInARow = 0;
        QString lastError;
        qint64 lastOkMs = -1;
    };
    struct Firing {
        Alert alert;
        bool announced = false;  // sent as firing at least once: Alertmanager may hold it
    };
    bool silenced(const Alert &a) const { return m_silencedNow ? m_silencedNow(a) : a.silenced; }
    void resendFiring();
    void post(int target, const QByteArray &body, int alerts, int attempt);

    QNetworkAccessManager *m_net;
    QTimer *m_resend;
    QStringList m_urls;
    QList<Target> m_targets;
    QString m_cluster = QStringLiteral("local");
    int m_resendMs = kDefaultResendMs;
    QHash<QString, Firing> m_firing;  // by id, silenced ones too
    std::function<bool(const Alert &)> m_silencedNow;
};

}  // namespace turno
