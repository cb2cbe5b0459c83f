// ControlServer: the supervising process's local control API, a UNIX socket
// (mode 0600) in the cluster's run directory speaking line-delimited JSON.
#pragma once

#include "common/result.h"

#include <QJsonObject>
#include <QObject>
#include <QString>

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
};

}  // namespace turno
