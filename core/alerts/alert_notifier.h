// AlertNotifier: tells the outside world about firing and resolved alerts:
// an HTTP POST in Alertmanager's JSON shape (/api/v2/alerts) and/or a command
// run with the alert in its environment. Silenced alerts stay quiet.
#pragma once

#include "alerts/alert_engine.h"

#include <QObject>
#include <QString>
#include <QStringList>

class QNetworkAccessManager;

namespace turno {

class AlertNotifier : public QObject {
    Q_OBJECT
public:
    explicit AlertNotifier(QObject *parent = nullptr);
    void setWebhook(const QString &url) { m_webhook = url; }
    // program + arguments; run as is (no shell) with TURNO_ALERT_* variables.
    void setCommand(const QStringList &command) { m_command = command; }
    // Connect AlertEngine::transition here.
    void onTransition(const turno::AlertTransition &t);
    // The Alertmanager body for one alert (a JSON array with one object).
    static QByteArray alertmanagerPayload(const AlertTransition &t);

signals:
    void delivered(const QString &alertId, const QString &channel);
    void failed(const QString &alertId, const QString &channel, const QString &why);

private:
    QNetworkAccessManager *m_net = nullptr;
    QString m_webhook;
    QStringList m_command;
};

}  // namespace turno
