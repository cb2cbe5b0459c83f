#include "control/control_client.h"

#include "control/control_server.h"
#include "fleet/fleet_supervisor.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QLocalSocket>
#include <QTimer>

namespace turno {

ControlClient::ControlClient(QString runDir, QObject *parent) : QObject(parent), m_runDir(std::move(runDir)) {}

QString ControlClient::resolveRunDir(const QString &runDirOption, const QString &clusterName)
{
    if (!runDirOption.isEmpty())
        return runDirOption;
    const QString env = qEnvironmentVariable("TURNO_RUN_DIR");
    if (!env.isEmpty())
        return env;
    return FleetSupervisor::defaultRunDir(clusterName.isEmpty() ? QStringLiteral("local") : clusterName);
}

Result<QJsonObject> ControlClient::decode(const QByteArray &line, const QString &socketPath)
{
    QJsonParseError pe{};
    const QJsonDocument doc = QJsonDocument::fromJson(line, &pe);
    if (!doc.isObject())
        return Error{QStringLiteral("garbled reply from the supervisor at %1: %2").arg(socketPath, pe.errorString())};
    const QJsonObject o = doc.object();
    if (!o.value(QStringLiteral("ok")).toBool())
        return Error{o.value(QStringLiteral("error")).toString(QStringLiteral("the supervisor refused without a reason"))};
    return o;
}

void ControlClient::request(const QJsonObject &req, std::function<void(Result<QJsonObject>)> done, int timeoutMs)
{
    const QString path = ControlServer::socketPath(m_runDir);
    auto *s = new QLocalSocket(this);
    auto *timer = new QTimer(s);
    auto finished = std::make_shared<bool>(false);
    auto finish = [s, done, finished](Result<QJsonObject> r) {
        if (*finished)
            return;
        *finished = true;
        s->disconnect();
        s->abort();
        s->deleteLater();
        done(std::move(r));
    };
    connect(timer, &QTimer::timeout, s, [finish, path, timeoutMs] {
        finish(Error{QStringLiteral("the supervisor at %1 did not answer within %2 ms").arg(path).arg(timeoutMs)});
    });
    connect(s, &QLocalSocket::connected, s, [s, req] { s->write(QJsonDocument(req).toJson(QJsonDocument::Compact) + '\n'); });
    connect(s, &QLocalSocket::readyRead, s, [s, finish, path] {
        if (s->canReadLine())
            finish(decode(s->readLine(), path));
    });
    connect(s, &QLocalSocket::errorOccurred, s, [finish, path, this](QLocalSocket::LocalSocketError) {
        finish(Error{QStringLiteral("no cluster supervisor answers at %1; start one with `turnoctl up` or pass --run-dir")
                         .arg(path)});
    });
    timer->start(timeoutMs);
    s->connectToServer(path);
}

Result<QJsonObject> ControlClient::requestSync(const QJsonObject &req, int timeoutMs)
{
    const QString path = ControlServer::socketPath(m_runDir);
    if (!QFile::exists(path))
        return Error{QStringLiteral("no cluster is running at %1 (no control socket); start one with `turnoctl up`, or "
                                    "pass --run-dir / --cluster of the running one")
                         .arg(m_runDir)};
    QLocalSocket s;
    s.connectToServer(path);
    if (!s.waitForConnected(2000))
        return Error{QStringLiteral("the control socket %1 exists but nobody answers (%2); the supervisor died: "
                                    "remove the run directory or start again with `turnoctl up`")
                         .arg(path, s.errorString())};
    s.write(QJsonDocument(req).toJson(QJsonDocument::Compact) + '\n');
    s.waitForBytesWritten(timeoutMs);
    QElapsedTimer t;
    t.start();
    while (!s.canReadLine()) {
        if (t.elapsed() >= timeoutMs)
            return Error{QStringLiteral("the supervisor at %1 did not answer within %2 ms").arg(path).arg(timeoutMs)};
        if (!s.waitForReadyRead(int(timeoutMs - t.elapsed())) && s.state() != QLocalSocket::ConnectedState && !s.canReadLine())
            return Error{QStringLiteral("the supervisor at %1 closed the connection without answering").arg(path)};
    }
    return decode(s.readLine(), path);
}

}  // namespace turno
