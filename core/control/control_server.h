// ControlServer: the supervising process's local control API, a UNIX socket
// (mode 0600) in the cluster's run directory speaking line-delimited JSON.
#pragma once

#include "common/result.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QMap>
#include <QObject>
#include <QString>
#include <functional>

class QLocalServer;
class QLocalSocket;

namespace turno {

class FleetSupervisor;

class ControlServer : public QObject {
    Q_OBJECT
public:
    explicit ControlServer(FleetSupervisor *supervisor, QObject *parent = nullptr);
    ~ControlServer() override;

    static QString socketPath(const QString &runDir);

    // Refuses when another live supervisor already answers on the socket; a
    // stale socket file (its owner died) is replaced.
    Result<void> listen(const QString &runDir);
    QString path() const { return m_path; }
    // Stops listening and removes the socket file; open connections still get their answers.
    void close();

    // Further commands served next to the built-in fleet ones (alerts, silences,
    // failover...): the handler answers once through reply, now or later. A
    // Result error becomes {"ok":false,"error":...}.
    using Reply = std::function<void(Result<QJsonValue>)>;
    using Handler = std::function<void(const QJsonObject &request, Reply reply)>;
    void addCommand(const QString &name, Handler handler);
    // A top-level field of the `status` reply that another part owns (e.g. "failover"):
    // read from it at each status request, so only its owner writes it.
    using StatusPart = std::function<QJsonValue()>;
    void addStatusPart(const QString &key, StatusPart part);

signals:
    // A client asked for `down` and the cluster has stopped; the reply is already written.
    void downCompleted();

private:
    void onConnection();
    void onLine(QLocalSocket *socket, const QByteArray &line);
    void reply(QLocalSocket *socket, const QJsonObject &answer);

    FleetSupervisor *m_supervisor;
    QLocalServer *m_server = nullptr;
    QString m_path;
    QMap<QString, Handler> m_commands;
    QMap<QString, StatusPart> m_statusParts;
};

}  // namespace turno
