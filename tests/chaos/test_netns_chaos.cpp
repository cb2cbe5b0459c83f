// Multi-host chaos: three "hosts" in network namespaces of their own, joined
// through a router namespace (veth pairs, 10.213.0.0/16), under load from the
// project's load generator (LoadEngine, one per turno node, every number it is
// handed checked against one ledger over all nodes):
//   host A  10.213.1.2  Redis primary (at the start) + turno node-a
//   host B  10.213.2.2  Redis replica              + turno node-b
//   host C  10.213.3.2  three Sentinels            + turno node-c, whose Redis
//                        link runs through a FaultProxy in this process
// Every node is in sync durability (WAIT 1). The faults, in order, each in a
// phase of its own: delay and loss on node-c's Redis link; kill -9 of the
// replica, of a node, of a sentinel; host A cut off (its link down) while
// Sentinel promotes B, with a client inside A that must get nothing but errors;
// kill -9 of the primary of the moment. Per fault: duplicates (must be 0),
// burned numbers (counter advance - numbers answered), failed requests, time
// to recover. At the end every counter must be at or above every number answered.
//
// Short form (CTest label chaos, ~2 minutes): one round.
// Long form: TURNO_CHAOS_ROUNDS=N (see docs/chaos.md); TURNO_CHAOS_REPORT=FILE
// writes the per-fault table as JSON.
#include "fault_proxy.h"
#include "load/load_config.h"
#include "load/load_engine.h"
#include "load/turno_ledger.h"
#include "test_support.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtTest>

#include <map>
#include <memory>
#include <mutex>
#include <signal.h>
#include <thread>
#include <time.h>
#include <unistd.h>

using namespace turno;
using turno::test::ChildProcess;
using turno::test::Toxics;

namespace {

uint64_t monoNs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1'000'000'000ULL + uint64_t(ts.tv_nsec);
}

void sleepMs(int ms)
{
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

QString ipTool()
{
    return QStandardPaths::findExecutable(QStringLiteral("ip"), {QStringLiteral("/usr/sbin"), QStringLiteral("/sbin"),
                                                                  QStringLiteral("/usr/bin"), QStringLiteral("/bin")});
}

// Runs a short command; returns its stdout, or a null array with why on failure.
QByteArray runTool(const QString &program, const QStringList &args, QString *why, int timeoutMs = 10000)
{
    QProcess p;
    p.start(program, args);
    if (!p.waitForFinished(timeoutMs) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        if (why)
            *why = QStringLiteral("%1 %2: exit %3: %4").arg(program, args.join(QLatin1Char(' '))).arg(p.exitCode())
                       .arg(QString::fromUtf8(p.readAllStandardError()).trimmed());
        p.kill();
        p.waitForFinished(1000);
        return {};
    }
    QByteArray out = p.readAllStandardOutput();
    if (out.isNull())
        out = QByteArray("");
    return out;
}

// One HTTP GET on a fresh connection to host:port; the status, or 0.
int httpStatus(const QString &host, quint16 port, const QByteArray &path, int timeoutMs = 1000)
{
    QTcpSocket s;
    s.connectToHost(host, port);
    if (!s.waitForConnected(timeoutMs))
        return 0;
    s.write("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    QByteArray got;
    QElapsedTimer t;
    t.start();
    while (!got.contains("\r\n") && t.elapsed() < timeoutMs && s.waitForReadyRead(int(timeoutMs - t.elapsed())))
        got += s.readAll();
    const QList<QByteArray> parts = got.left(got.indexOf('\r')).split(' ');
    return parts.size() >= 2 ? parts[1].toInt() : 0;
}

// The namespaces, links and addresses; removed again by down() (and by the
// next run, should a crashed run leave them behind).
class NetnsLab {
public:
    static constexpr int kHosts = 3;

    explicit NetnsLab(QString tag) : m_tag(std::move(tag)), m_ip(ipTool()) {}
    ~NetnsLab() { down(); }

    QString ns(int host) const { return m_tag + QLatin1Char('-') + QChar(QLatin1Char('a' + host - 1)); }
    QString router() const { return m_tag + QStringLiteral("-rt"); }
    static QString address(int host) { return QStringLiteral("10.213.%1.2").arg(host); }
    static QString rootAddress() { return QStringLiteral("10.213.250.1"); }
    QString ipPath() const { return m_ip; }

    bool up(QString *why)
    {
        if (m_ip.isEmpty()) {
            *why = QStringLiteral("the ip tool (iproute2) is not installed; run scripts/setup.sh");
            return false;
        }
        removeStale();
        const QString rt = router();
        QList<QStringList> steps{{QStringLiteral("netns"), QStringLiteral("add"), rt},
                                 {QStringLiteral("-n"), rt, QStringLiteral("link"), QStringLiteral("set"), QStringLiteral("lo"), QStringLiteral("up")},
                                 {QStringLiteral("netns"), QStringLiteral("exec"), rt, QStringLiteral("sysctl"), QStringLiteral("-qw"), QStringLiteral("net.ipv4.ip_forward=1")}};
        for (int h = 1; h <= kHosts; ++h) {
            const QString n = ns(h), r = QStringLiteral("r%1").arg(h);
            steps << QStringList{QStringLiteral("netns"), QStringLiteral("add"), n}
                  << QStringList{QStringLiteral("-n"), rt, QStringLiteral("link"), QStringLiteral("add"), r, QStringLiteral("type"), QStringLiteral("veth"),
                                 QStringLiteral("peer"), QStringLiteral("name"), QStringLiteral("eth0"), QStringLiteral("netns"), n}
                  << QStringList{QStringLiteral("-n"), rt, QStringLiteral("addr"), QStringLiteral("add"), QStringLiteral("10.213.%1.1/24").arg(h), QStringLiteral("dev"), r}
                  << QStringList{QStringLiteral("-n"), rt, QStringLiteral("link"), QStringLiteral("set"), r, QStringLiteral("up")}
                  << QStringList{QStringLiteral("-n"), n, QStringLiteral("link"), QStringLiteral("set"), QStringLiteral("lo"), QStringLiteral("up")}
                  << QStringList{QStringLiteral("-n"), n, QStringLiteral("addr"), QStringLiteral("add"), address(h) + QStringLiteral("/24"), QStringLiteral("dev"), QStringLiteral("eth0")}
                  << QStringList{QStringLiteral("-n"), n, QStringLiteral("link"), QStringLiteral("set"), QStringLiteral("eth0"), QStringLiteral("up")}
                  << QStringList{QStringLiteral("-n"), n, QStringLiteral("route"), QStringLiteral("add"), QStringLiteral("default"), QStringLiteral("via"), QStringLiteral("10.213.%1.1").arg(h)};
        }
        // This process (the harness) reaches every host through the router.
        steps << QStringList{QStringLiteral("link"), QStringLiteral("add"), m_tag, QStringLiteral("type"), QStringLiteral("veth"), QStringLiteral("peer"),
                             QStringLiteral("name"), QStringLiteral("up0"), QStringLiteral("netns"), rt}
              << QStringList{QStringLiteral("addr"), QStringLiteral("add"), rootAddress() + QStringLiteral("/24"), QStringLiteral("dev"), m_tag}
              << QStringList{QStringLiteral("link"), QStringLiteral("set"), m_tag, QStringLiteral("up")}
              << QStringList{QStringLiteral("-n"), rt, QStringLiteral("addr"), QStringLiteral("add"), QStringLiteral("10.213.250.2/24"), QStringLiteral("dev"), QStringLiteral("up0")}
              << QStringList{QStringLiteral("-n"), rt, QStringLiteral("link"), QStringLiteral("set"), QStringLiteral("up0"), QStringLiteral("up")}
              << QStringList{QStringLiteral("route"), QStringLiteral("add"), QStringLiteral("10.213.0.0/16"), QStringLiteral("via"), QStringLiteral("10.213.250.2")};
        m_up = true;
        for (const QStringList &s : steps)
            if (runTool(m_ip, s, why).isNull())
                return false;
        return true;
    }

    void down()
    {
        if (!m_up)
            return;
        m_up = false;
        runTool(m_ip, {QStringLiteral("link"), QStringLiteral("del"), m_tag}, nullptr);
        for (int h = 1; h <= kHosts; ++h)
            runTool(m_ip, {QStringLiteral("netns"), QStringLiteral("del"), ns(h)}, nullptr);
        runTool(m_ip, {QStringLiteral("netns"), QStringLiteral("del"), router()}, nullptr);
    }

    // Cuts host h off (its link at the router down) or joins it again.
    bool setLink(int host, bool up, QString *why)
    {
        return !runTool(m_ip, {QStringLiteral("-n"), router(), QStringLiteral("link"), QStringLiteral("set"), QStringLiteral("r%1").arg(host),
                               up ? QStringLiteral("up") : QStringLiteral("down")}, why).isNull();
    }

private:
    // Namespaces of an earlier run that died before its clean-up (its pid is gone).
    void removeStale()
    {
        const QByteArray list = runTool(m_ip, {QStringLiteral("netns"), QStringLiteral("list")}, nullptr);
        for (const QByteArray &line : list.split('\n')) {
            const QString name = QString::fromUtf8(line.split(' ').value(0));
            if (!name.startsWith(QLatin1String("tcx")))
                continue;
            const QString pid = name.mid(3).section(QLatin1Char('-'), 0, 0);
            if (QFile::exists(QStringLiteral("/proc/") + pid) && pid != QString::number(::getpid()))
                continue;
            runTool(m_ip, {QStringLiteral("link"), QStringLiteral("del"), name.section(QLatin1Char('-'), 0, 0)}, nullptr);
            runTool(m_ip, {QStringLiteral("netns"), QStringLiteral("del"), name}, nullptr);
        }
    }

    QString m_tag;
    QString m_ip;
    bool m_up = false;
};

// One fault's figures.
struct FaultResult {
    QString fault;
    uint64_t sent = 0;
    uint64_t answered = 0;     // numbers handed out
    uint64_t failed = 0;       // requests that got no number (an error status, a timeout, a broken connection)
    uint64_t duplicates = 0;   // numbers handed out twice (over every node, every phase so far)
    int64_t burned = 0;        // counter advance in Redis - numbers handed out
    int64_t recoverMs = -1;    // from the repair (or the fault, when the fleet repairs itself) until every node answers again
    QString note;
    QString perNode;  // numbers/requests per node
    QString windows;  // numbers per node before the fault | until the repair | after it

    QJsonObject toJson() const
    {
        return {{QStringLiteral("fault"), fault},          {QStringLiteral("requests"), double(sent)},
                {QStringLiteral("numbers"), double(answered)}, {QStringLiteral("failed"), double(failed)},
                {QStringLiteral("duplicates"), double(duplicates)}, {QStringLiteral("burned"), double(burned)},
                {QStringLiteral("recover_ms"), double(recoverMs)}, {QStringLiteral("note"), note},
                {QStringLiteral("per_node"), perNode}, {QStringLiteral("numbers_before_during_after"), windows}};
    }
};

}  // namespace

class TestNetnsChaos : public QObject {
    Q_OBJECT

    static constexpr uint32_t kIds = 8;
    static constexpr int kNodes = 3;  // node-a on host A, node-b on B, node-c on C

    std::unique_ptr<NetnsLab> m_lab;
    QTemporaryDir m_dir;
    QString m_prefix;
    // Redis: index 1 on host A, 2 on host B. The primary moves.
    std::map<int, std::unique_ptr<ChildProcess>> m_redis;
    std::unique_ptr<ChildProcess> m_sentinels[3];
    std::unique_ptr<ChildProcess> m_nodes[kNodes];
    turno::test::FaultProxy m_proxy;
    QString m_redisCli;

    std::mutex m_mutex;
    TurnoLedger m_ledger{kIds};
    uint64_t m_duplicates = 0;
    std::vector<uint64_t> m_okTimes[kNodes];
    std::vector<FaultResult> m_results;

    QString sentinelList() const
    {
        const QString h = NetnsLab::address(3);
        return QStringLiteral("%1:26379,%1:26380,%1:26381").arg(h);
    }

    QString nodeHost(int node) const { return NetnsLab::address(node + 1); }

    QStringList inNs(int host, const QString &program, const QStringList &args) const
    {
        return QStringList{QStringLiteral("netns"), QStringLiteral("exec"), m_lab->ns(host), program} + args;
    }

    bool startRedis(int host, const QString &replicaOf, QString *why)
    {
        const QString dir = m_dir.filePath(QStringLiteral("redis-%1").arg(host));
        QDir().mkpath(dir);
        QByteArray conf = "bind " + NetnsLab::address(host).toUtf8() + "\nport 6379\nprotected-mode no\n"
                          "dir " + dir.toUtf8() + "\ndaemonize no\nsave \"\"\nappendonly no\n"
                          "repl-diskless-sync no\nmin-replicas-to-write 1\nmin-replicas-max-lag 2\n";
        if (!replicaOf.isEmpty())
            conf += "replicaof " + replicaOf.toUtf8() + " 6379\n";
        QFile f(dir + QStringLiteral("/redis.conf"));
        if (!f.open(QIODevice::WriteOnly) || f.write(conf) != conf.size()) {
            *why = QStringLiteral("cannot write %1").arg(f.fileName());
            return false;
        }
        f.close();
        auto p = std::make_unique<ChildProcess>();
        if (!p->start(m_lab->ipPath(), inNs(host, turno::test::findProgram(QStringLiteral("redis-server")), {f.fileName()}),
                      dir + QStringLiteral("/redis.log"), {}, why))
            return false;
        m_redis[host] = std::move(p);
        return waitRedis(NetnsLab::address(host), 6379, why);
    }

    bool startSentinel(int i, QString *why)
    {
        const QString dir = m_dir.filePath(QStringLiteral("sentinel-%1").arg(i));
        QDir().mkpath(dir);
        const int port = 26379 + i;
        const QByteArray conf = "bind " + NetnsLab::address(3).toUtf8() + "\nport " + QByteArray::number(port) +
                                "\nprotected-mode no\ndir " + dir.toUtf8() + "\ndaemonize no\n"
                                "sentinel monitor turno " + currentPrimaryForConf().toUtf8() + " 6379 2\n"
                                "sentinel down-after-milliseconds turno 1000\n"
                                "sentinel failover-timeout turno 6000\n";
        QFile f(dir + QStringLiteral("/sentinel.conf"));
        if (!f.exists()) {
            if (!f.open(QIODevice::WriteOnly) || f.write(conf) != conf.size()) {
                *why = QStringLiteral("cannot write %1").arg(f.fileName());
                return false;
            }
            f.close();
        }
        auto p = std::make_unique<ChildProcess>();
        if (!p->start(m_lab->ipPath(), inNs(3, turno::test::findProgram(QStringLiteral("redis-sentinel")), {f.fileName()}),
                      dir + QStringLiteral("/sentinel.log"), {}, why))
            return false;
        m_sentinels[i] = std::move(p);
        return waitRedis(NetnsLab::address(3), quint16(port), why);
    }

    QString currentPrimaryForConf() const { return NetnsLab::address(1); }

    bool startNode(int node, QString *why)
    {
        const int host = node + 1;
        QStringList args{QStringLiteral("--listen"), nodeHost(node) + QStringLiteral(":7017"),
                         QStringLiteral("--store"), QStringLiteral("redis"),
                         QStringLiteral("--durability"), QStringLiteral("sync"),
                         QStringLiteral("--wait-timeout-ms"), QStringLiteral("200"),
                         QStringLiteral("--retry-window-ms"), QStringLiteral("1000"),
                         QStringLiteral("--threads"), QStringLiteral("1"),
                         QStringLiteral("--node-name"), QStringLiteral("node-%1").arg(QChar(QLatin1Char('a' + node)))};
        if (node == 2) {
            // node-c: no Sentinel; its Redis link goes through the fault proxy here.
            args << QStringLiteral("--redis") << NetnsLab::rootAddress() + QStringLiteral(":%1").arg(m_proxy.port());
        } else {
            args << QStringLiteral("--sentinel") << sentinelList() << QStringLiteral("--master") << QStringLiteral("turno");
        }
        auto p = std::make_unique<ChildProcess>();
        if (!p->start(m_lab->ipPath(), inNs(host, turno::test::envPath("TURNO_SERVER_BIN"), args),
                      m_dir.filePath(QStringLiteral("node-%1.log").arg(node)), {}, why))
            return false;
        m_nodes[node] = std::move(p);
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 15000) {
            if (httpStatus(nodeHost(node), 7017, "/readyz") == 200)
                return true;
            sleepMs(100);
        }
        *why = QStringLiteral("node %1 not ready within 15 s: %2").arg(node).arg(m_nodes[node]->log().right(2000));
        return false;
    }

    bool waitRedis(const QString &host, quint16 port, QString *why)
    {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 10000) {
            if (redis(host, port, {QStringLiteral("PING")}).trimmed() == "PONG")
                return true;
            sleepMs(50);
        }
        *why = QStringLiteral("redis at %1:%2 did not answer PING within 10 s").arg(host).arg(port);
        return false;
    }

    QByteArray redis(const QString &host, quint16 port, const QStringList &command, int timeoutMs = 3000)
    {
        return runTool(m_redisCli, QStringList{QStringLiteral("-h"), host, QStringLiteral("-p"), QString::number(port),
                                               QStringLiteral("--raw")} + command, nullptr, timeoutMs);
    }

    // The primary as the Sentinels name it (a majority of those that answer), as host 1 or 2; 0 if unknown.
    int sentinelPrimary()
    {
        std::map<int, int> votes;
        for (int i = 0; i < 3; ++i) {
            const QList<QByteArray> a = redis(NetnsLab::address(3), quint16(26379 + i),
                                              {QStringLiteral("SENTINEL"), QStringLiteral("get-master-addr-by-name"), QStringLiteral("turno")},
                                              1000).split('\n');
            for (int h = 1; h <= 2; ++h)
                if (a.value(0).trimmed() == NetnsLab::address(h).toUtf8())
                    ++votes[h];
        }
        for (auto [h, n] : votes)
            if (n >= 2)
                return h;
        return 0;
    }

    // The Redis that reports role:master with a replica online; 0 if none yet.
    int actualPrimary()
    {
        for (int h = 1; h <= 2; ++h) {
            const QByteArray info = redis(NetnsLab::address(h), 6379, {QStringLiteral("INFO"), QStringLiteral("replication")}, 1000);
            if (info.contains("role:master") && info.contains("connected_slaves:1") && info.contains("state=online"))
                return h;
        }
        return 0;
    }

    // Waits until the data tier is whole again: one primary with its replica
    // online, and the Sentinels agreeing on it.
    int waitSettled(int timeoutMs = 30000)
    {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < timeoutMs) {
            const int p = actualPrimary();
            if (p && sentinelPrimary() == p)
                return p;
            sleepMs(200);
        }
        return 0;
    }

    std::vector<uint64_t> counters(int primary)
    {
        QStringList cmd{QStringLiteral("MGET")};
        for (uint32_t k = 0; k < kIds; ++k)
            cmd << QStringLiteral("turno:") + QString::fromStdString(loadIdName(m_prefix.toStdString(), k, kIds));
        const QList<QByteArray> lines = redis(NetnsLab::address(primary), 6379, cmd).split('\n');
        std::vector<uint64_t> v(kIds, 0);
        for (uint32_t k = 0; k < kIds && k < uint32_t(lines.size()); ++k)
            v[k] = lines[int(k)].trimmed().toULongLong();
        return v;
    }

    // Runs load on every node for seconds while inject() does the fault;
    // inject returns the CLOCK_MONOTONIC time recovery is measured from.
    FaultResult phase(const QString &fault, double seconds, const std::function<uint64_t()> &inject)
    {
        FaultResult r;
        r.fault = fault;
        const int primaryBefore = waitSettled();
        if (!primaryBefore) {
            r.note = QStringLiteral("the data tier was not settled before the fault");
            return r;
        }
        const std::vector<uint64_t> before = counters(primaryBefore);
        uint64_t dupBefore;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            dupBefore = m_duplicates;
            for (auto &v : m_okTimes)
                v.clear();
        }
        std::vector<LoadReport> reports(kNodes);
        std::vector<std::thread> threads;
        for (int n = 0; n < kNodes; ++n) {
            LoadConfig c;
            c.host = nodeHost(n).toStdString();
            c.port = 7017;
            c.hostHeader = c.host + ":7017";
            c.allowRemote = true;
            c.connections = 4;
            c.threads = 1;
            c.rate = 150;
            c.durationSeconds = seconds;
            c.requestTimeoutSeconds = 2.0;
            c.pattern = IdPattern::Uniform;
            c.idCount = kIds;
            c.idPrefix = m_prefix.toStdString();
            c.answerObserver = [this, n](uint32_t id, uint64_t turno, uint64_t ns) {
                std::lock_guard<std::mutex> lock(m_mutex);
                if (!m_ledger.record(id, turno))
                    ++m_duplicates;
                m_okTimes[n].push_back(ns);
            };
            threads.emplace_back([c, &reports, n] { reports[size_t(n)] = LoadEngine::run(c); });
        }
        sleepMs(1500);
        const uint64_t injectedNs = monoNs();
        const uint64_t from = inject();
        for (auto &t : threads)
            t.join();
        QStringList perNode;
        for (int n = 0; n < kNodes; ++n) {
            const LoadReport &rep = reports[size_t(n)];
            r.sent += rep.sent;
            r.answered += rep.ok;
            r.failed += rep.sent - std::min(rep.sent, rep.ok);
            perNode << QStringLiteral("node-%1 %2/%3 ok").arg(QChar(QLatin1Char('a' + n))).arg(rep.ok).arg(rep.sent);
            if (!rep.failure.isEmpty())
                perNode << rep.failure;
        }
        r.perNode = perNode.join(QStringLiteral(", "));
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            r.duplicates = m_duplicates - dupBefore;
            int64_t worst = 0;
            for (int n = 0; n < kNodes; ++n) {
                auto it = std::lower_bound(m_okTimes[n].begin(), m_okTimes[n].end(), from);
                if (from == 0 || it == m_okTimes[n].end()) {
                    worst = -1;
                    r.note += QStringLiteral("node %1 never answered a number after the repair; ").arg(n);
                    break;
                }
                worst = std::max<int64_t>(worst, int64_t((*it - from) / 1'000'000ULL));
            }
            r.recoverMs = worst;
            QStringList windows;
            for (int n = 0; n < kNodes; ++n) {
                const auto &v = m_okTimes[n];
                const auto a = std::lower_bound(v.begin(), v.end(), injectedNs);
                const auto b = std::lower_bound(v.begin(), v.end(), from ? from : UINT64_MAX);
                windows << QStringLiteral("node-%1 %2|%3|%4").arg(QChar(QLatin1Char('a' + n))).arg(a - v.begin()).arg(b - a).arg(v.end() - b);
            }
            r.windows = windows.join(QStringLiteral(", "));
        }
        const int primaryAfter = waitSettled();
        if (!primaryAfter) {
            r.note += QStringLiteral("the data tier did not settle after the fault");
            return r;
        }
        const std::vector<uint64_t> after = counters(primaryAfter);
        int64_t advance = 0;
        for (uint32_t k = 0; k < kIds; ++k)
            advance += int64_t(after[k]) - int64_t(before[k]);
        r.burned = advance - int64_t(r.answered);
        if (primaryAfter != primaryBefore)
            r.note += QStringLiteral("primary moved from host %1 to host %2; ").arg(primaryBefore).arg(primaryAfter);
        qInfo("FAULT %-44s requests %6llu numbers %6llu failed %5llu duplicates %llu burned %4lld recover %5lld ms %s(%s)",
              qPrintable(r.fault), (unsigned long long)r.sent, (unsigned long long)r.answered, (unsigned long long)r.failed,
              (unsigned long long)r.duplicates, (long long)r.burned, (long long)r.recoverMs, qPrintable(r.note), qPrintable(r.perNode));
        qInfo("      numbers before the fault | during it | after the repair: %s", qPrintable(r.windows));
        return r;
    }

    // kill -9 of one process, restarted after restartAfterMs by start().
    uint64_t killAndRestart(ChildProcess &p, int restartAfterMs, const std::function<bool(QString *)> &start, QString *why)
    {
        p.kill9();
        p.waitExit(3000);
        sleepMs(restartAfterMs);
        if (!start(why))
            return 0;
        return monoNs();
    }

    void checkResult(const FaultResult &r)
    {
        if (r.recoverMs < 0 && qEnvironmentVariableIsSet("TURNO_CHAOS_PAUSE_ON_FAIL"))
            sleepMs(qEnvironmentVariableIntValue("TURNO_CHAOS_PAUSE_ON_FAIL") * 1000);
        m_results.push_back(r);
        QVERIFY2(r.note.indexOf(QLatin1String("never")) < 0 && r.note.indexOf(QLatin1String("settle")) < 0, qPrintable(r.fault + QStringLiteral(": ") + r.note));
        QCOMPARE(r.duplicates, uint64_t(0));
        QVERIFY2(r.recoverMs >= 0, qPrintable(r.fault));
        QVERIFY2(r.answered > 0, qPrintable(r.fault));
        QVERIFY2(r.burned >= 0, qPrintable(r.fault + QStringLiteral(": the counters advanced less than the numbers handed out")));
    }

#define CHECK_FAULT(expr)                   \
    do {                                    \
        checkResult(expr);                  \
        if (QTest::currentTestFailed())     \
            return;                         \
    } while (false)

private slots:
    void initTestCase()
    {
        if (::geteuid() != 0)
            QSKIP("network namespaces need root (CI runs as root)");
        m_redisCli = turno::test::findProgram(QStringLiteral("redis-cli"));
        QVERIFY2(!m_redisCli.isEmpty() && !turno::test::findProgram(QStringLiteral("redis-sentinel")).isEmpty(),
                 "redis-server/redis-sentinel/redis-cli missing; run scripts/setup.sh");
        QVERIFY(m_dir.isValid());
        m_dir.setAutoRemove(qEnvironmentVariableIsEmpty("TURNO_KEEP_CHAOS_DIR"));
        m_lab = std::make_unique<NetnsLab>(QStringLiteral("tcx%1").arg(::getpid()));
        QString why;
        QVERIFY2(m_lab->up(&why), qPrintable(why));
        m_prefix = QStringLiteral("netns%1").arg(QRandomGenerator::global()->generate() % 1000000);

        QVERIFY2(startRedis(1, {}, &why), qPrintable(why));
        QVERIFY2(startRedis(2, NetnsLab::address(1), &why), qPrintable(why));
        for (int i = 0; i < 3; ++i)
            QVERIFY2(startSentinel(i, &why), qPrintable(why));
        std::string err;
        QVERIFY2(m_proxy.start(NetnsLab::rootAddress().toStdString(), 0, NetnsLab::address(1).toStdString(), 6379, &err), err.c_str());
        QVERIFY2(waitSettled(), "primary on host A with its replica and the Sentinels did not come together");
        for (int n = 0; n < kNodes; ++n)
            QVERIFY2(startNode(n, &why), qPrintable(why));
    }

    void cleanupTestCase()
    {
        for (auto &n : m_nodes)
            n.reset();
        m_proxy.stop();
        for (auto &s : m_sentinels)
            s.reset();
        m_redis.clear();
        if (m_lab)
            m_lab->down();
        QJsonArray a;
        for (const FaultResult &r : m_results)
            a.append(r.toJson());
        const QString report = qEnvironmentVariable("TURNO_CHAOS_REPORT");
        if (!report.isEmpty()) {
            QFile f(report);
            if (f.open(QIODevice::WriteOnly))
                f.write(QJsonDocument(QJsonObject{{QStringLiteral("faults"), a}}).toJson());
        }
    }

    void faults()
    {
        const int rounds = std::max(1, qEnvironmentVariableIntValue("TURNO_CHAOS_ROUNDS"));
        QString why;
        for (int round = 1; round <= rounds; ++round) {
            qInfo("round %d of %d", round, rounds);
            // node-c enters through the proxy, which points at the primary of the moment.
            const int primary = waitSettled();
            QVERIFY(primary);
            if (round > 1) {
                m_nodes[2].reset();
                m_proxy.stop();
                std::string err;
                QVERIFY2(m_proxy.start(NetnsLab::rootAddress().toStdString(), 0, NetnsLab::address(primary).toStdString(), 6379, &err),
                         err.c_str());
                QVERIFY2(startNode(2, &why), qPrintable(why));
            }

            CHECK_FAULT(phase(QStringLiteral("delay 40±20 ms + 5% loss on node-c's Redis link"), 9, [&] {
                Toxics t;
                t.latencyMs = 40;
                t.jitterMs = 20;
                t.lossRate = 0.05;
                m_proxy.setToxics(t);
                sleepMs(4000);
                m_proxy.clearToxics();
                return monoNs();
            }));
            QVERIFY(m_proxy.chunksLost() > 0);

            CHECK_FAULT(phase(QStringLiteral("connection resets (2%) on node-c's Redis link"), 7, [&] {
                Toxics t;
                t.resetRate = 0.02;
                m_proxy.setToxics(t);
                sleepMs(3000);
                m_proxy.clearToxics();
                return monoNs();
            }));

            const int replica = 3 - waitSettled();
            CHECK_FAULT(phase(QStringLiteral("kill -9 redis replica (host %1), restart").arg(QChar(QLatin1Char('A' + replica - 1))), 9, [&] {
                const int p = 3 - replica;
                const uint64_t t = killAndRestart(*m_redis[replica], 2000, [&](QString *w) {
                    return startRedis(replica, NetnsLab::address(p), w);
                }, &why);
                if (!t)
                    qWarning("%s", qPrintable(why));
                return t;
            }));

            CHECK_FAULT(phase(QStringLiteral("kill -9 turno node-b, restart"), 7, [&] {
                const uint64_t t = killAndRestart(*m_nodes[1], 1000, [&](QString *w) { return startNode(1, w); }, &why);
                if (!t)
                    qWarning("%s", qPrintable(why));
                return t;
            }));

            CHECK_FAULT(phase(QStringLiteral("kill -9 sentinel-1, restart"), 6, [&] {
                const uint64_t t = killAndRestart(*m_sentinels[1], 1000, [&](QString *w) { return startSentinel(1, w); }, &why);
                if (!t)
                    qWarning("%s", qPrintable(why));
                return t;
            }));

            // The partition: the primary's host (with its turno node) is cut off
            // while Sentinel promotes the replica. A client inside the isolated
            // host asks its node all along: every answer must be an error.
            const int isolated = waitSettled();
            QVERIFY(isolated);
            QJsonObject isolatedBench;
            CHECK_FAULT(phase(QStringLiteral("partition: host %1 (primary + node) cut off 9 s").arg(QChar(QLatin1Char('A' + isolated - 1))), 40, [&] {
                QString w;
                if (!m_lab->setLink(isolated, false, &w))
                    qWarning("%s", qPrintable(w));
                QProcess bench;
                bench.start(m_lab->ipPath(), inNs(isolated, turno::test::envPath("TURNOCTL_BIN"),
                                                  {QStringLiteral("bench"), QStringLiteral("http://%1:7017").arg(NetnsLab::address(isolated)),
                                                   QStringLiteral("--allow-remote"), QStringLiteral("--duration"), QStringLiteral("8"),
                                                   QStringLiteral("--rate"), QStringLiteral("100"), QStringLiteral("--connections"), QStringLiteral("2"),
                                                   QStringLiteral("--threads"), QStringLiteral("1"), QStringLiteral("--timeout"), QStringLiteral("2"),
                                                   QStringLiteral("--ids"), QString::number(kIds), QStringLiteral("--id-prefix"), m_prefix,
                                                   QStringLiteral("--json"), QStringLiteral("--quiet")}));
                bench.waitForFinished(30000);
                isolatedBench = QJsonDocument::fromJson(bench.readAllStandardOutput()).object();
                if (isolatedBench.isEmpty())
                    qWarning("isolated-side bench: %s", bench.readAllStandardError().constData());
                sleepMs(500);
                if (!m_lab->setLink(isolated, true, &w))
                    qWarning("%s", qPrintable(w));
                return monoNs();
            }));
            qInfo("proxy: %llu connections, %llu resets", (unsigned long long)m_proxy.connections(), (unsigned long long)m_proxy.resets());
            qInfo("isolated side (client inside host %d, 8 s): %lld requests, %lld answers, %lld numbers, statuses %s",
                  isolated, isolatedBench.value(QStringLiteral("requests")).toInteger(), isolatedBench.value(QStringLiteral("answers")).toInteger(),
                  isolatedBench.value(QStringLiteral("ok")).toInteger(),
                  QJsonDocument(isolatedBench.value(QStringLiteral("statuses")).toObject()).toJson(QJsonDocument::Compact).constData());
            QVERIFY2(isolatedBench.value(QStringLiteral("requests")).toInteger() > 0, "the isolated-side client sent nothing");
            QCOMPARE(isolatedBench.value(QStringLiteral("ok")).toInteger(), qint64(0));
            QVERIFY2(waitSettled() == 3 - isolated, "the replica was not promoted during the partition");

            const int victim = waitSettled();
            CHECK_FAULT(phase(QStringLiteral("kill -9 redis primary (host %1), Sentinel promotes").arg(QChar(QLatin1Char('A' + victim - 1))), 12, [&] {
                m_redis[victim]->kill9();
                m_redis[victim]->waitExit(3000);
                const uint64_t killed = monoNs();
                // Back after the promotion, as the supervisor brings a lost primary back: an empty replica of the new one.
                QElapsedTimer t;
                t.start();
                while (t.elapsed() < 15000 && sentinelPrimary() != 3 - victim)
                    sleepMs(100);
                if (!startRedis(victim, NetnsLab::address(3 - victim), &why))
                    qWarning("%s", qPrintable(why));
                return killed;
            }));
        }

        // Every counter at or above every number handed out.
        const int primary = waitSettled();
        QVERIFY(primary);
        const std::vector<uint64_t> stored = counters(primary);
        for (uint32_t k = 0; k < kIds; ++k) {
            std::lock_guard<std::mutex> lock(m_mutex);
            QVERIFY2(stored[k] >= m_ledger.highest(k),
                     qPrintable(QStringLiteral("id %1: stored %2 < issued %3").arg(k).arg(stored[k]).arg(m_ledger.highest(k))));
        }
        QCOMPARE(m_duplicates, uint64_t(0));
    }
};

QTEST_GUILESS_MAIN(TestNetnsChaos)
#include "test_netns_chaos.moc"
