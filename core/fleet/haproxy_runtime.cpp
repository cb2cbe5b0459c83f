#include "fleet/haproxy_runtime.h"

#include "common/once_with_timeout.h"

#include <QElapsedTimer>
#include <QHash>
#include <QLocalSocket>
#include <QPointer>
#include <QTimer>

namespace turno {

namespace {

// Splits one CSV line of `show stat` (HAProxy never quotes these fields).
QList<QByteArray> fields(const QByteArray &line)
{
    return line.split(',');
}

}  // namespace

QString HaproxyStatRow::stateName() const
{
    const QString name = balancerStateName(state());
    return name.isEmpty() ? status : name;
}

HaproxyRuntime::HaproxyRuntime(QString socketPath, QObject *parent)
    : QObject(parent), m_socketPath(std::move(socketPath))
{
}

HaproxyRuntime::~HaproxyRuntime()
{
    for (QLocalSocket *socket : findChildren<QLocalSocket *>(Qt::FindDirectChildrenOnly))
        socket->disconnect();
}

void HaproxyRuntime::send(const QString &command, Reply done, int timeoutMs)
{
    auto *socket = new QLocalSocket(this);
    auto buffer = std::make_shared<QByteArray>();
    const QString path = m_socketPath;
    auto finish = onceWithTimeout<Result<QByteArray>>(
        socket, timeoutMs,
        [path, command, timeoutMs] {
            return Result<QByteArray>(Error{QStringLiteral("HAProxy stats socket %1 did not answer \"%2\" within %3 ms; is haproxy running?")
                                                .arg(path, command).arg(timeoutMs)});
        },
        [socket, done](Result<QByteArray> r) {
            socket->disconnect();
            socket->abort();
            socket->deleteLater();
            done(std::move(r));
        });
    connect(socket, &QLocalSocket::connected, socket, [socket, command] { socket->write(command.toUtf8() + '\n'); });
    connect(socket, &QLocalSocket::readyRead, socket, [socket, buffer] { *buffer += socket->readAll(); });
    connect(socket, &QLocalSocket::disconnected, socket, [socket, buffer, finish] {
        *buffer += socket->readAll();
        finish(*buffer);
    });
    connect(socket, &QLocalSocket::errorOccurred, socket, [this, socket, buffer, finish](QLocalSocket::LocalSocketError e) {
        if (e == QLocalSocket::PeerClosedError) {
            *buffer += socket->readAll();
            finish(*buffer);
            return;
        }
        finish(Error{QStringLiteral("cannot talk to HAProxy at %1: %2; is haproxy running?").arg(m_socketPath, socket->errorString())});
    });
    socket->connectToServer(m_socketPath);
}

Result<QByteArray> HaproxyRuntime::sendSync(const QString &command, int timeoutMs)
{
    QLocalSocket socket;
    socket.connectToServer(m_socketPath);
    if (!socket.waitForConnected(timeoutMs))
        return Error{QStringLiteral("cannot connect to HAProxy's stats socket %1: %2; is haproxy running?")
                         .arg(m_socketPath, socket.errorString())};
    socket.write(command.toUtf8() + '\n');
    socket.waitForBytesWritten(timeoutMs);
    QByteArray out;
    QElapsedTimer t;
    t.start();
    while (socket.state() == QLocalSocket::ConnectedState && t.elapsed() < timeoutMs) {
        socket.waitForReadyRead(int(std::max<qint64>(1, timeoutMs - t.elapsed())));
        out += socket.readAll();
    }
    out += socket.readAll();
    if (socket.state() == QLocalSocket::ConnectedState)
        return Error{QStringLiteral("HAProxy stats socket %1 did not finish answering \"%2\" within %3 ms")
                         .arg(m_socketPath, command).arg(timeoutMs)};
    return out;
}

Result<void> HaproxyRuntime::actionResult(const QString &command, const Result<QByteArray> &reply)
{
    if (!reply.ok())
        return Error{reply.error()};
    const QString text = QString::fromUtf8(reply.value()).trimmed();
    if (text.isEmpty() || text.startsWith(QLatin1String("New server registered")) ||
        text.startsWith(QLatin1String("Server deleted")))
        return {};
    return Error{QStringLiteral("HAProxy refused \"%1\": %2").arg(command, text)};
}

void HaproxyRuntime::action(const QString &command, std::function<void(Result<void>)> done)
{
    send(command, [command, done](Result<QByteArray> r) { done(actionResult(command, r)); });
}

void HaproxyRuntime::drain(const QString &backend, const QString &server, std::function<void(Result<void>)> done)
{
    action(QStringLiteral("set server %1/%2 state drain").arg(backend, server), std::move(done));
}

void HaproxyRuntime::enable(const QString &backend, const QString &server, std::function<void(Result<void>)> done)
{
    action(QStringLiteral("set server %1/%2 state ready").arg(backend, server), std::move(done));
}

void HaproxyRuntime::disable(const QString &backend, const QString &server, std::function<void(Result<void>)> done)
{
    action(QStringLiteral("set server %1/%2 state maint").arg(backend, server), std::move(done));
}

void HaproxyRuntime::setWeight(const QString &backend, const QString &server, int weight,
                               std::function<void(Result<void>)> done)
{
    action(QStringLiteral("set weight %1/%2 %3").arg(backend, server).arg(weight), std::move(done));
}

void HaproxyRuntime::addServer(const QString &backend, const QString &server, const QString &address, int weight,
                               bool backup, const QString &checkOptions, std::function<void(Result<void>)> done)
{
    const QString add = QStringLiteral("add server %1/%2 %3 weight %4%5 %6")
                            .arg(backend, server, address)
                            .arg(weight)
                            .arg(backup ? QStringLiteral(" backup") : QString(), checkOptions)
                            .trimmed();
    action(add, [this, backend, server, done](Result<void> r) {
        if (!r.ok()) {
            done(r);
            return;
        }
        // A dynamic server starts in maint; checks first so it only gets traffic once healthy.
        action(QStringLiteral("enable health %1/%2").arg(backend, server), [this, backend, server, done](Result<void> h) {
            if (!h.ok()) {
                done(h);
                return;
            }
            action(QStringLiteral("enable server %1/%2").arg(backend, server), done);
        });
    });
}

void HaproxyRuntime::removeServer(const QString &backend, const QString &server, std::function<void(Result<void>)> done)
{
    const QString id = backend + QLatin1Char('/') + server;
    action(QStringLiteral("disable server %1").arg(id), [this, id, done](Result<void> r) {
        if (!r.ok()) {
            done(r);
            return;
        }
        send(QStringLiteral("shutdown sessions server %1").arg(id), [this, id, done](Result<QByteArray>) {
            action(QStringLiteral("del server %1").arg(id), done);
        });
    });
}

Result<QList<HaproxyStatRow>> HaproxyRuntime::parseShowStat(const QByteArray &csv)
{
    const QList<QByteArray> lines = csv.split('\n');
    if (lines.isEmpty() || !lines.first().startsWith("# "))
        return Error{QStringLiteral("not HAProxy `show stat` output: the first line should be the \"# pxname,svname,...\" header")};
    QHash<QByteArray, int> col;
    const QList<QByteArray> header = fields(lines.first().mid(2));
    for (int i = 0; i < header.size(); ++i)
        col.insert(header[i].trimmed(), i);
    for (const char *needed : {"pxname", "svname", "status", "scur"})
        if (!col.contains(needed))
            return Error{QStringLiteral("HAProxy `show stat` header has no \"%1\" column").arg(QLatin1String(needed))};
    QList<HaproxyStatRow> rows;
    for (int n = 1; n < lines.size(); ++n) {
        const QByteArray &line = lines[n];
        if (line.trimmed().isEmpty() || line.startsWith('#'))
            continue;
        const QList<QByteArray> f = fields(line);
        auto text = [&](const char *name) -> QString {
            const int i = col.value(name, -1);
            return i >= 0 && i < f.size() ? QString::fromUtf8(f[i]) : QString();
        };
        auto num = [&](const char *name) -> qint64 { return text(name).toLongLong(); };
        HaproxyStatRow r;
        r.proxy = text("pxname");
        r.server = text("svname");
        r.status = text("status");
        r.weight = int(num("weight"));
        r.currentSessions = int(num("scur"));
        r.totalSessions = num("stot");
        r.lbTotal = num("lbtot");
        r.sessionRate = int(num("rate"));
        r.responses5xx = num("hrsp_5xx");
        r.responseErrors = num("eresp");
        r.connectionErrors = num("econ");
        r.retries = num("wretr");
        r.redispatches = num("wredis");
        r.backup = num("bck") > 0;
        r.address = text("addr");
        r.checkStatus = text("check_status");
        r.responseTimeMs = int(num("rtime"));
        r.requestRate = int(num("req_rate"));
        r.requestsTotal = num("req_tot");
        rows << r;
    }
    return rows;
}

Result<QList<HaproxyServerState>> HaproxyRuntime::parseServersState(const QByteArray &text)
{
    const QList<QByteArray> lines = text.split('\n');
    if (lines.isEmpty() || !lines.first().trimmed().startsWith('1'))
        return Error{QStringLiteral("not HAProxy `show servers state` output: expected format version 1 on the first line")};
    QHash<QByteArray, int> col;
    QList<HaproxyServerState> out;
    for (int n = 1; n < lines.size(); ++n) {
        const QByteArray line = lines[n].trimmed();
        if (line.isEmpty())
            continue;
        if (line.startsWith("# ")) {
            const QList<QByteArray> names = line.mid(2).split(' ');
            for (int i = 0; i < names.size(); ++i)
                col.insert(names[i], i);
            continue;
        }
        const QList<QByteArray> f = line.split(' ');
        auto get = [&](const char *name) -> QByteArray {
            const int i = col.value(name, -1);
            return i >= 0 && i < f.size() ? f[i] : QByteArray();
        };
        HaproxyServerState s;
        s.backend = QString::fromUtf8(get("be_name"));
        s.server = QString::fromUtf8(get("srv_name"));
        s.address = QString::fromUtf8(get("srv_addr"));
        s.operationalState = get("srv_op_state").toInt();
        s.adminState = get("srv_admin_state").toInt();
        s.userWeight = get("srv_uweight").toInt();
        s.port = quint16(get("srv_port").toUInt());
        out << s;
    }
    return out;
}

}  // namespace turno
