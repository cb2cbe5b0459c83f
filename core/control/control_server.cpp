#include "control/control_server.h"

#include "fleet/fleet_supervisor.h"
#include "fleet/managed_process.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocalServer>
#include <QLocalSocket>
#include <QPointer>

namespace turno {

ControlServer::ControlServer(FleetSupervisor *supervisor, QObject *parent)
    : QObject(parent), m_supervisor(supervisor)
{
}

ControlServer::~ControlServer()
{
    close();
}

void ControlServer::close()
{
    if (m_server && m_server->isListening()) {
        m_server->close();
        QFile::remove(m_path);
    }
}

QString ControlServer::socketPath(const QString &runDir)
{
    return runDir + QStringLiteral("/control.sock");
}

Result<void> ControlServer::listen(const QString &runDir)
{
    m_path = socketPath(runDir);
    if (QFile::exists(m_path)) {
        QLocalSocket probe;
        probe.connectToServer(m_path);
        if (probe.waitForConnected(500))
            return Error{QStringLiteral("a supervisor already serves %1; stop that cluster first (turnoctl down --run-dir %2) "
                                        "or use another --run-dir")
                             .arg(m_path, runDir)};
        QFile::remove(m_path);  // stale: its owner died
    }
    m_server = new QLocalServer(this);
    m_server->setSocketOptions(QLocalServer::UserAccessOption);
    if (!m_server->listen(m_path))
        return Error{QStringLiteral("cannot listen on the control socket %1: %2").arg(m_path, m_server->errorString())};
    QFile::setPermissions(m_path, QFile::ReadOwner | QFile::WriteOwner);
    connect(m_server, &QLocalServer::newConnection, this, &ControlServer::onConnection);
    return {};
}

void ControlServer::onConnection()
{
    while (QLocalSocket *s = m_server->nextPendingConnection()) {
        connect(s, &QLocalSocket::disconnected, s, &QObject::deleteLater);
        connect(s, &QLocalSocket::readyRead, this, [this, s] {
            while (s->canReadLine())
                onLine(s, s->readLine().trimmed());
            if (s->bytesAvailable() > 1024 * 1024)
                s->abort();
        });
    }
}

void ControlServer::reply(QLocalSocket *socket, const QJsonObject &answer)
{
    if (!socket || socket->state() != QLocalSocket::ConnectedState)
        return;
    socket->write(QJsonDocument(answer).toJson(QJsonDocument::Compact) + '\n');
    socket->flush();
}

void ControlServer::onLine(QLocalSocket *socket, const QByteArray &line)
{
    if (line.isEmpty())
        return;
    QPointer<QLocalSocket> s(socket);
    auto ok = [this, s](const QJsonValue &result) {
        reply(s, QJsonObject{{QStringLiteral("ok"), true}, {QStringLiteral("result"), result}});
    };
    auto err = [this, s](const QString &message) {
        reply(s, QJsonObject{{QStringLiteral("ok"), false}, {QStringLiteral("error"), message}});
    };
    auto outcome = [ok, err](Result<void> r) {
        if (r.ok())
            ok(QJsonValue(true));
        else
            err(r.error());
    };
    QJsonParseError pe{};
    const QJsonDocument doc = QJsonDocument::fromJson(line, &pe);
    if (!doc.isObject())
        return err(QStringLiteral("request is not a JSON object: %1").arg(pe.errorString()));
    const QJsonObject req = doc.object();
    const QString cmd = req.value(QStringLiteral("cmd")).toString();
    // As typed: an old name of a Redis node is its alias.
    const QString nodeName = ClusterLayout::resolveNodeName(req.value(QStringLiteral("node")).toString());

    if (cmd == QLatin1String("ping")) {
        return ok(QJsonObject{{QStringLiteral("pid"), QCoreApplication::applicationPid()},
                              // turno-console or turnoctl: which one supervises (a hand-over changes it, not the pid).
                              {QStringLiteral("program"), QFileInfo(QCoreApplication::applicationFilePath()).fileName()},
                              {QStringLiteral("cluster"), m_supervisor->profile().name},
                              {QStringLiteral("state"), m_supervisor->stateName()},
                              {QStringLiteral("readyMs"), m_supervisor->readyMs()}});
    }
    if (cmd == QLatin1String("status")) {
        QPointer<ControlServer> self(this);
        return m_supervisor->status([self, ok](QJsonObject st) {
            if (self)
                for (auto it = self->m_statusParts.cbegin(); it != self->m_statusParts.cend(); ++it)
                    if (const QJsonValue v = it.value()(); !v.isUndefined())
                        st.insert(it.key(), v);
            ok(st);
        });
    }
    if (cmd == QLatin1String("down")) {
        connect(m_supervisor, &FleetSupervisor::stopped, this, [this, ok](qint64 ms) {
            // Gone before the answer: a client that sees `down` succeed finds no cluster here.
            close();
            ok(QJsonObject{{QStringLiteral("stoppedMs"), ms}});
            emit downCompleted();
        }, Qt::SingleShotConnection);
        m_supervisor->stop();
        return;
    }
    if (cmd == QLatin1String("drain"))
        return m_supervisor->drain(nodeName, outcome);
    if (cmd == QLatin1String("enable"))
        return m_supervisor->enable(nodeName, outcome);
    if (cmd == QLatin1String("weight"))
        return m_supervisor->setWeight(nodeName, req.value(QStringLiteral("weight")).toInt(-1), outcome);
    if (cmd == QLatin1String("scale"))
        return m_supervisor->scale(req.value(QStringLiteral("pool")).toString(), req.value(QStringLiteral("count")).toInt(-1), outcome);
    if (cmd == QLatin1String("balance"))
        return m_supervisor->setAlgorithm(req.value(QStringLiteral("algorithm")).toString(), outcome);
    if (cmd == QLatin1String("logs")) {
        ManagedProcess *p = m_supervisor->process(nodeName);
        if (!p) {
            QStringList names;
            for (const FleetNode *n : m_supervisor->nodes())
                names << n->name;
            return err(QStringLiteral("no process named \"%1\"; processes: %2").arg(nodeName, names.join(QStringLiteral(", "))));
        }
        const int lines = req.value(QStringLiteral("lines")).toInt(100);
        return ok(QJsonObject{{QStringLiteral("node"), nodeName},
                              {QStringLiteral("logFile"), p->logFile()},
                              {QStringLiteral("output"), QString::fromLocal8Bit(p->outputTail(lines))}});
    }
    if (const auto it = m_commands.constFind(cmd); it != m_commands.constEnd()) {
        return it.value()(req, [ok, err](Result<QJsonValue> r) {
            if (r.ok())
                ok(r.value());
            else
                err(r.error());
        });
    }
    QStringList known{QStringLiteral("ping"), QStringLiteral("status"), QStringLiteral("down"), QStringLiteral("drain"),
                      QStringLiteral("enable"), QStringLiteral("weight"), QStringLiteral("scale"), QStringLiteral("balance"),
                      QStringLiteral("logs")};
    known += m_commands.keys();
    err(QStringLiteral("unknown command \"%1\"; known: %2").arg(cmd, known.join(QStringLiteral(", "))));
}

void ControlServer::addStatusPart(const QString &key, StatusPart part)
{
    m_statusParts.insert(key, std::move(part));
}

void ControlServer::addCommand(const QString &name, Handler handler)
{
    m_commands.insert(name, std::move(handler));
}

}  // namespace turno
