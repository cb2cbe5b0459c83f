#include "alerts/alert_notifier.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>

namespace turno {

AlertNotifier::AlertNotifier(QObject *parent) : QObject(parent), m_net(new QNetworkAccessManager(this)) {}

QByteArray AlertNotifier::alertmanagerPayload(const AlertTransition &t)
{
    auto iso = [](qint64 ms) { return QDateTime::fromMSecsSinceEpoch(ms).toUTC().toString(Qt::ISODateWithMs); };
    QJsonObject labels;
    for (auto it = t.alert.labels.begin(); it != t.alert.labels.end(); ++it)
        labels.insert(it.key(), it.value());
    labels.insert(QStringLiteral("node"), t.alert.node);
    QJsonObject annotations{{QStringLiteral("summary"), t.alert.summary},
                            {QStringLiteral("value"), QString::number(t.alert.value)}};
    QJsonObject a{{QStringLiteral("labels"), labels},
                  {QStringLiteral("annotations"), annotations},
                  {QStringLiteral("startsAt"), iso(t.alert.firingSinceMs >= 0 ? t.alert.firingSinceMs : t.atMs)},
                  {QStringLiteral("generatorURL"), QStringLiteral("turno-ops://alerts/") + t.alert.rule}};
    if (t.to == Alert::State::Resolved)
        a.insert(QStringLiteral("endsAt"), iso(t.atMs));
    return QJsonDocument(QJsonArray{a}).toJson(QJsonDocument::Compact);
}

void AlertNotifier::onTransition(const AlertTransition &t)
{
    if (t.to != Alert::State::Firing && t.to != Alert::State::Resolved)
        return;
    if (t.alert.silenced)
        return;
    const QString id = t.alert.id;
    if (!m_webhook.isEmpty()) {
        QNetworkRequest req{QUrl(m_webhook)};
        req.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
        req.setTransferTimeout(5000);
        QNetworkReply *reply = m_net->post(req, alertmanagerPayload(t));
        connect(reply, &QNetworkReply::finished, this, [this, reply, id] {
            reply->deleteLater();
            if (reply->error() == QNetworkReply::NoError)
                emit delivered(id, QStringLiteral("webhook"));
            else
                emit failed(id, QStringLiteral("webhook"), reply->errorString());
        });
    }
    if (!m_command.isEmpty()) {
        auto *p = new QProcess(this);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("TURNO_ALERT_NAME"), t.alert.rule);
        env.insert(QStringLiteral("TURNO_ALERT_STATE"), Alert::stateName(t.to));
        env.insert(QStringLiteral("TURNO_ALERT_SEVERITY"), t.alert.severity);
        env.insert(QStringLiteral("TURNO_ALERT_NODE"), t.alert.node);
        env.insert(QStringLiteral("TURNO_ALERT_VALUE"), QString::number(t.alert.value));
        env.insert(QStringLiteral("TURNO_ALERT_SUMMARY"), t.alert.summary);
        p->setProcessEnvironment(env);
        p->setProcessChannelMode(QProcess::ForwardedChannels);
        connect(p, &QProcess::finished, this, [this, p, id](int code, QProcess::ExitStatus st) {
            p->deleteLater();
            if (st == QProcess::NormalExit && code == 0)
                emit delivered(id, QStringLiteral("command"));
            else
                emit failed(id, QStringLiteral("command"), QStringLiteral("exit code %1").arg(code));
        });
        connect(p, &QProcess::errorOccurred, this, [this, p, id](QProcess::ProcessError) {
            if (p->state() == QProcess::NotRunning) {
                emit failed(id, QStringLiteral("command"), p->errorString());
                p->deleteLater();
            }
        });
        p->start(m_command.first(), m_command.mid(1));
    }
}

}  // namespace turno
