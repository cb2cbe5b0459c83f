// HaproxyRuntime: talks to HAProxy's runtime API (stats socket) to read server
// state and to drain, enable, weigh, add and remove servers without a reload.
#pragma once

#include "common/result.h"
#include "fleet/node_state.h"

#include <QList>
#include <QObject>
#include <QString>
#include <functional>

namespace turno {

// One row of `show stat` (a proxy's FRONTEND/BACKEND line or a server).
struct HaproxyStatRow {
    QString proxy;        // pxname
    QString server;       // svname (FRONTEND, BACKEND or the server name)
    QString status;       // UP, DOWN, DRAIN, MAINT, "UP 1/2", OPEN, no check, ...
    int weight = 0;
    int currentSessions = 0;
    qint64 totalSessions = 0;
    qint64 lbTotal = 0;   // times the server was picked by the balancer
    int sessionRate = 0;  // per second, last second
    qint64 responses5xx = 0;
    qint64 responseErrors = 0;  // eresp
    qint64 connectionErrors = 0; // econ
    qint64 retries = 0;   // wretr
    qint64 redispatches = 0;
    bool backup = false;
    QString address;
    QString checkStatus;
    int responseTimeMs = 0; // rtime, average over the last 1024 requests
    int requestRate = 0;    // req_rate: HTTP requests per second (frontends)
    qint64 requestsTotal = 0; // req_tot (frontends)

    // The state an operator cares about (from the status column).
    BalancerState state() const { return balancerStateFromStatus(status); }
    // UP, DOWN, DRAIN, MAINT or the raw status.
    QString stateName() const;
};

// One server line of `show servers state`.
struct HaproxyServerState {
    QString backend;
    QString server;
    QString address;
    int operationalState = 0;  // srv_op_state: 0 stopped, 1 starting, 2 running, 3 stopping
    int adminState = 0;        // srv_admin_state bit field: 0x01 forced maint, 0x08 forced drain ...
    int userWeight = 0;
    quint16 port = 0;
};

class HaproxyRuntime : public QObject {
    Q_OBJECT
public:
    using Reply = std::function<void(Result<QByteArray>)>;

    explicit HaproxyRuntime(QString socketPath, QObject *parent = nullptr);
    // A request still out is dropped unanswered: its done() would run into an owner
    // half destroyed (the socket's destructor aborts it, which signals "disconnected").
    ~HaproxyRuntime() override;
    QString socketPath() const { return m_socketPath; }

    // Sends one command line (several may be joined with ';') without blocking;
    // done receives the raw reply, or an error naming the socket.
    void send(const QString &command, Reply done, int timeoutMs = 2000);
    // Blocking form for the CLI and tests (never from a GUI thread).
    Result<QByteArray> sendSync(const QString &command, int timeoutMs = 2000);

    // Action helpers: done gets an error when HAProxy answers with a complaint.
    void drain(const QString &backend, const QString &server, std::function<void(Result<void>)> done);
    void enable(const QString &backend, const QString &server, std::function<void(Result<void>)> done);
    void disable(const QString &backend, const QString &server, std::function<void(Result<void>)> done);
    void setWeight(const QString &backend, const QString &server, int weight, std::function<void(Result<void>)> done);
    // HAProxy 2.6 dynamic servers: added in maint with checks, then health + traffic enabled.
    void addServer(const QString &backend, const QString &server, const QString &address, int weight, bool backup,
                   const QString &checkOptions, std::function<void(Result<void>)> done);
    // Puts the server in maint, kills its sessions, then deletes it.
    void removeServer(const QString &backend, const QString &server, std::function<void(Result<void>)> done);

    static Result<QList<HaproxyStatRow>> parseShowStat(const QByteArray &csv);
    static Result<QList<HaproxyServerState>> parseServersState(const QByteArray &text);
    // HAProxy answers an action with an empty line on success; anything else is its complaint.
    static Result<void> actionResult(const QString &command, const Result<QByteArray> &reply);

private:
    void action(const QString &command, std::function<void(Result<void>)> done);
    QString m_socketPath;
};

}  // namespace turno
