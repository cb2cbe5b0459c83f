// ControlClient: how turnoctl (and a second console) reach the process that
// supervises a cluster, through the control socket in its run directory.
#pragma once

#include "common/result.h"

#include <QJsonObject>
#include <QObject>
#include <QString>
#include <functional>

namespace turno {

class ControlClient : public QObject {
    Q_OBJECT
public:
    explicit ControlClient(QString runDir, QObject *parent = nullptr);

    // Where a client looks: --run-dir, else $TURNO_RUN_DIR, else the default
    // run directory of the named cluster (FleetSupervisor::defaultRunDir).
    static QString resolveRunDir(const QString &runDirOption, const QString &clusterName);

    // One request, one reply ({"ok":true,"result":...} or an error naming what to do).
    void request(const QJsonObject &req, std::function<void(Result<QJsonObject>)> done, int timeoutMs = 10000);
    // Blocking form for the CLI (never from a GUI thread).
    Result<QJsonObject> requestSync(const QJsonObject &req, int timeoutMs = 10000);

    QString runDir() const { return m_runDir; }

private:
    static Result<QJsonObject> decode(const QByteArray &line, const QString &socketPath);
    QString m_runDir;
};

}  // namespace turno
