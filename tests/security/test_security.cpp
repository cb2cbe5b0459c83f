// Security checks on a real fleet and a real console:
// - every listener of the fleet (and of its supervisor) binds 127.0.0.1;
// - a Redis password planted through the environment never shows in any
//   process's command line, in the logs, in the event database or in the
//   console's settings file; the files that must hold it are mode 0600; a
//   password file other users can read is refused;
// - debug endpoints answer 401 without the bearer token, Redis refuses a
//   client without the password, the control and HAProxy admin sockets are 0600;
// - a hostile metrics target (a 100 MB body, a million series, a gzip bomb)
//   fails the console's scrapes while the console's peak memory stays <= 200 MB.
#include "../fleet/fleet_test_util.h"
#include "attach_dialog.h"
#include "control/control_client.h"
#include "test_support.h"

#include <QApplication>
#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QScopeGuard>
#include <QSettings>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <signal.h>
#include <thread>
#include <zlib.h>

using namespace fleettest;
using turno::test::envPath;

namespace {

QByteArray plantedSecret()
{
    return "pl4nted-" + QByteArray::number(QRandomGenerator::system()->generate64(), 16);
}

bool writePrivate(const QString &path, const QByteArray &data, QFile::Permissions perms)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(data) != data.size())
        return false;
    f.close();
    return f.setPermissions(perms);
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// Every process's command line that contains needle: "pid: cmdline".
QStringList cmdlinesContaining(const QByteArray &needle)
{
    QStringList hits;
    for (const QString &pid : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs)) {
        bool numeric = false;
        pid.toInt(&numeric);
        if (!numeric)
            continue;
        QByteArray cmd = readAll(QStringLiteral("/proc/%1/cmdline").arg(pid));
        if (cmd.contains(needle))
            hits << pid + QStringLiteral(": ") + QString::fromUtf8(cmd.replace('\0', ' '));
    }
    return hits;
}

// The TCP sockets a process listens on, as "ADDR:PORT" (IPv4 "127.0.0.1:7017", IPv6 "[hex]:port").
QStringList listeners(qint64 pid)
{
    QSet<QByteArray> inodes;
    QDir fds(QStringLiteral("/proc/%1/fd").arg(pid));
    for (const QString &fd : fds.entryList(QDir::System | QDir::Files | QDir::NoDotAndDotDot)) {
        const QString target = QFile::symLinkTarget(fds.filePath(fd));
        if (target.contains(QLatin1String("socket:[")))
            inodes << target.section(QLatin1Char('['), 1).chopped(1).toUtf8();
    }
    QStringList out;
    for (const char *table : {"tcp", "tcp6"}) {
        const QList<QByteArray> lines = readAll(QStringLiteral("/proc/%1/net/%2").arg(pid).arg(QLatin1String(table))).split('\n');
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QList<QByteArray> f = lines[i].simplified().split(' ');
            if (f.size() < 10 || f[3] != "0A" || !inodes.contains(f[9]))  // 0A: LISTEN
                continue;
            const QByteArray addr = f[1].left(f[1].indexOf(':'));
            const int port = f[1].mid(f[1].indexOf(':') + 1).toInt(nullptr, 16);
            if (addr.size() == 8) {
                const quint32 a = addr.toUInt(nullptr, 16);  // little-endian as the kernel prints it
                out << QStringLiteral("%1.%2.%3.%4:%5").arg(a & 0xff).arg((a >> 8) & 0xff).arg((a >> 16) & 0xff).arg(a >> 24).arg(port);
            } else {
                out << QStringLiteral("[%1]:%2").arg(QString::fromLatin1(addr)).arg(port);
            }
        }
    }
    return out;
}

// A metrics target that answers every scrape with something hostile, in turn:
// a 100 MB body, a million distinct series (7 MB), a gzip bomb (100 MB
// inflated from ~100 KB). /readyz answers 200 so it looks like a node.
class HostileTarget {
public:
    ~HostileTarget() { stop(); }

    bool start()
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(m_fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 || ::listen(m_fd, 64) != 0)
            return false;
        socklen_t len = sizeof a;
        ::getsockname(m_fd, reinterpret_cast<sockaddr *>(&a), &len);
        m_port = ntohs(a.sin_port);
        m_bomb = gzipBomb(100 << 20);
        m_thread = std::thread([this] { loop(); });
        return true;
    }

    void stop()
    {
        if (!m_thread.joinable())
            return;
        m_stop = true;
        ::shutdown(m_fd, SHUT_RDWR);
        m_thread.join();
        ::close(m_fd);
    }

    quint16 port() const { return m_port; }
    int scrapes() const { return m_scrapes.load(); }
    qsizetype bombSize() const { return m_bomb.size(); }

private:
    static QByteArray gzipBomb(size_t inflated)
    {
        z_stream z{};
        deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
        const QByteArray line(1 << 20, 'a');
        QByteArray out;
        char buf[1 << 16];
        for (size_t done = 0; done < inflated; done += size_t(line.size())) {
            z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(line.constData()));
            z.avail_in = uInt(line.size());
            const int flush = done + size_t(line.size()) >= inflated ? Z_FINISH : Z_NO_FLUSH;
            do {
                z.next_out = reinterpret_cast<Bytef *>(buf);
                z.avail_out = sizeof buf;
                deflate(&z, flush);
                out.append(buf, qsizetype(sizeof buf - z.avail_out));
            } while (z.avail_out == 0);
        }
        deflateEnd(&z);
        return out;
    }

    static bool sendAll(int fd, const char *p, size_t n)
    {
        while (n) {
            const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
            if (w <= 0)
                return false;
            p += w;
            n -= size_t(w);
        }
        return true;
    }

    void serve(int c)
    {
        QByteArray req;
        char buf[4096];
        while (!req.contains("\r\n\r\n")) {
            const ssize_t n = ::recv(c, buf, sizeof buf, 0);
            if (n <= 0)
                return;
            req.append(buf, n);
        }
        if (!req.startsWith("GET /metrics")) {
            const char ok[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 17\r\nConnection: close\r\n\r\n{\"status\":\"ok\"}\n";
            sendAll(c, ok, sizeof ok - 1);
            return;
        }
        const int kind = m_scrapes++ % 3;
        if (kind == 0) {
            // 100 MB of well-formed samples; the scraper must stop reading at its body limit.
            const size_t total = size_t(100) << 20;
            const QByteArray head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: " +
                                    QByteArray::number(qulonglong(total)) + "\r\nConnection: close\r\n\r\n";
            if (!sendAll(c, head.constData(), size_t(head.size())))
                return;
            QByteArray chunk;
            while (chunk.size() < (1 << 20))
                chunk += "hostile_big_total{pad=\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"} 1\n";
            chunk.truncate(1 << 20);
            chunk[chunk.size() - 1] = '\n';
            for (size_t sent = 0; sent < total && !m_stop; sent += size_t(chunk.size()))
                if (!sendAll(c, chunk.constData(), size_t(chunk.size())))
                    return;
        } else if (kind == 1) {
            // A million distinct series in 7 MB (under the body limit): the sample limit must stop it.
            const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
            if (!sendAll(c, head, sizeof head - 1))
                return;
            QByteArray block;
            for (int i = 0; i < 1000000 && !m_stop; ++i) {
                block += 's' + QByteArray::number(i, 36) + " 1\n";
                if (block.size() > 60000 || i == 999999) {
                    const QByteArray chunk = QByteArray::number(block.size(), 16) + "\r\n" + block + "\r\n";
                    if (!sendAll(c, chunk.constData(), size_t(chunk.size())))
                        return;
                    block.clear();
                }
            }
            sendAll(c, "0\r\n\r\n", 5);
        } else {
            const QByteArray head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Encoding: gzip\r\nContent-Length: " +
                                    QByteArray::number(m_bomb.size()) + "\r\nConnection: close\r\n\r\n";
            if (sendAll(c, head.constData(), size_t(head.size())))
                sendAll(c, m_bomb.constData(), size_t(m_bomb.size()));
        }
    }

    void loop()
    {
        while (!m_stop) {
            const int c = ::accept4(m_fd, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0)
                break;
            timeval tv{5, 0};
            ::setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
            ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            serve(c);
            ::close(c);
        }
    }

    int m_fd = -1;
    quint16 m_port = 0;
    QByteArray m_bomb;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_scrapes{0};
};

qint64 statusKb(qint64 pid, const char *field)
{
    for (const QByteArray &line : readAll(QStringLiteral("/proc/%1/status").arg(pid)).split('\n'))
        if (line.startsWith(field))
            return line.mid(qsizetype(strlen(field))).simplified().split(' ').value(0).toLongLong();
    return -1;
}

}  // namespace

class TestSecurity : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir{QStringLiteral("/tmp/turno-security-XXXXXX")};

    QString writeProfile(const QJsonObject &password, quint16 balancer)
    {
        QJsonObject p = QJsonDocument::fromJson(readAll(envPath("TURNO_SOURCE_DIR") + QStringLiteral("/resources/profiles/default.json"))).object();
        QJsonObject b = p.value(QStringLiteral("balancer")).toObject();
        b.insert(QStringLiteral("listen"), QStringLiteral("127.0.0.1:%1").arg(balancer));
        p.insert(QStringLiteral("balancer"), b);
        QJsonObject s = p.value(QStringLiteral("server")).toObject();
        s.insert(QStringLiteral("binary"), envPath("TURNO_SERVER_BIN"));
        s.insert(QStringLiteral("debugToken"), true);  // debug endpoints on, so their guard is what is tested
        p.insert(QStringLiteral("server"), s);
        QJsonObject r = p.value(QStringLiteral("redis")).toObject();
        r.insert(QStringLiteral("password"), password);
        p.insert(QStringLiteral("redis"), r);
        const QString path = m_dir.filePath(QStringLiteral("profile-%1.json").arg(balancer));
        writePrivate(path, QJsonDocument(p).toJson(), QFile::ReadOwner | QFile::WriteOwner);
        return path;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_dir.filePath(QStringLiteral("settings")));
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_dir.filePath(QStringLiteral("settings")));
    }

    void fleetKeepsItsSecretAndItsListenersLocal()
    {
        const QByteArray secret = plantedSecret();
        const QString runDir = m_dir.filePath(QStringLiteral("run"));
        const QString db = m_dir.filePath(QStringLiteral("events.db"));
        const quint16 balancer = turno::test::freePort();
        const QString profile = writeProfile({{QStringLiteral("source"), QStringLiteral("env")},
                                              {QStringLiteral("env"), QStringLiteral("TURNO_SECURITY_TEST_PASSWORD")}},
                                             balancer);
        QProcess up;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("TURNO_SECURITY_TEST_PASSWORD"), QString::fromUtf8(secret));
        up.setProcessEnvironment(env);
        up.start(envPath("TURNOCTL_BIN"), {QStringLiteral("up"), QStringLiteral("--detach"), QStringLiteral("--profile"), profile,
                                            QStringLiteral("--run-dir"), runDir, QStringLiteral("--db"), db});
        QVERIFY(up.waitForFinished(90000));
        QVERIFY2(up.exitCode() == 0, up.readAllStandardError().constData());
        const QString upOutput = QString::fromUtf8(up.readAllStandardOutput() + up.readAllStandardError());

        const QJsonObject status = QJsonDocument::fromJson(turnoctl({QStringLiteral("status"), QStringLiteral("--json"),
                                                                     QStringLiteral("--run-dir"), runDir}).out).object();
        const auto ping = turno::ControlClient(runDir).requestSync(QJsonObject{{QStringLiteral("cmd"), QStringLiteral("ping")}});
        QVERIFY2(ping.ok(), qPrintable(ping.error()));
        QList<qint64> pids{ping.value().value(QStringLiteral("result")).toObject().value(QStringLiteral("pid")).toInteger()};
        QJsonObject anyNode;
        for (const QJsonValue &v : status.value(QStringLiteral("nodes")).toArray()) {
            pids << v.toObject().value(QStringLiteral("pid")).toInteger();
            if (v.toObject().value(QStringLiteral("kind")).toString() == QLatin1String("turno"))
                anyNode = v.toObject();
        }
        auto down = qScopeGuard([&] {
            turnoctl({QStringLiteral("down"), QStringLiteral("--run-dir"), runDir}, 30000);
            for (qint64 pid : pids)
                if (pidAlive(pid))
                    ::kill(pid_t(pid), SIGKILL);
        });
        QVERIFY(pids.size() >= 10);
        // Some traffic, so the logs have something in them.
        for (int i = 0; i < 20; ++i)
            QCOMPARE(HttpClient(balancer).get("/turno/security").status, 200);

        // Listeners: 127.0.0.1 only, in every process of the fleet and its supervisor.
        int listening = 0;
        for (qint64 pid : pids) {
            for (const QString &l : listeners(pid)) {
                ++listening;
                QVERIFY2(l.startsWith(QLatin1String("127.0.0.1:")),
                         qPrintable(QStringLiteral("pid %1 (%2) listens on %3").arg(pid)
                                        .arg(QString::fromUtf8(readAll(QStringLiteral("/proc/%1/comm").arg(pid))).trimmed(), l)));
            }
        }
        qInfo("%d listening sockets in %lld processes, all on 127.0.0.1", listening, qint64(pids.size()));
        QVERIFY(listening >= 10);

        // The planted password: nowhere in argv, logs, events; 0600 where it must be.
        QVERIFY2(cmdlinesContaining(secret).isEmpty(), qPrintable(cmdlinesContaining(secret).join(QLatin1Char('\n'))));
        QVERIFY(!upOutput.contains(QString::fromUtf8(secret)));
        // By its old name, which still names redis-1.
        const TurnoctlRun logs = turnoctl({QStringLiteral("logs"), QStringLiteral("--run-dir"), runDir, QStringLiteral("redis-primary")});
        QVERIFY2(logs.code == 0, logs.err.constData());
        QVERIFY(!logs.out.contains(secret) && !logs.err.contains(secret));
        QStringList holders;
        int logsRead = 0;
        QDirIterator it(runDir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString file = it.next();
            if (file.endsWith(QLatin1String(".sock")))
                continue;
            if (file.endsWith(QLatin1String(".log"))) {
                ++logsRead;
                QVERIFY2(!readAll(file).contains(secret), qPrintable(file + QStringLiteral(" holds the password")));
            } else if (readAll(file).contains(secret)) {
                holders << QFileInfo(file).fileName();
                QVERIFY2((QFileInfo(file).permissions() & (QFile::ReadGroup | QFile::ReadOther | QFile::WriteGroup | QFile::WriteOther)) ==
                             QFile::Permissions(),
                         qPrintable(file + QStringLiteral(" holds the password and others may read it")));
            }
        }
        qInfo("the password is held only by (all 0600): %s; %d logs checked", qPrintable(holders.join(QStringLiteral(", "))), logsRead);
        QVERIFY(logsRead >= 10);
        for (const QString &h : std::as_const(holders))
            QVERIFY2(h == QLatin1String("redis.pass") || h == QLatin1String("redis.conf") || h == QLatin1String("sentinel.conf"),
                     qPrintable(h + QStringLiteral(" should not hold the password")));
        QVERIFY(!readAll(db).contains(secret));
        QVERIFY(!readAll(db + QStringLiteral("-wal")).contains(secret));

        // Admin surfaces: 0600 sockets; Redis wants the password.
        for (const QString &sock : {QStringLiteral("control.sock"), QStringLiteral("haproxy.sock")})
            QCOMPARE(QFileInfo(runDir + QLatin1Char('/') + sock).permissions() & (QFile::ReadGroup | QFile::ReadOther | QFile::WriteGroup | QFile::WriteOther),
                     QFile::Permissions());
        quint16 redisPort = 0;
        for (const QJsonValue &v : status.value(QStringLiteral("nodes")).toArray())
            if (v.toObject().value(QStringLiteral("node")).toString() == QLatin1String("redis-1"))
                redisPort = quint16(v.toObject().value(QStringLiteral("address")).toString().section(QLatin1Char(':'), 1).toUInt());
        QVERIFY(redisPort);
        QTcpSocket r;
        r.connectToHost(QStringLiteral("127.0.0.1"), redisPort);
        QVERIFY(r.waitForConnected(2000));
        r.write("*2\r\n$4\r\nINCR\r\n$11\r\nturno:probe\r\n");
        QVERIFY(r.waitForReadyRead(2000));
        QVERIFY2(r.readAll().startsWith("-NOAUTH"), "Redis answered a client without the password");

        // Debug endpoints (off unless server.debugToken, 404 then): 401 without the
        // token or with a wrong one, served with it.
        const quint16 nodePort = quint16(anyNode.value(QStringLiteral("address")).toString().section(QLatin1Char(':'), 1).toUInt());
        QVERIFY(nodePort);
        const turno::test::HttpReply none = turno::test::httpGet(nodePort, "GET /debug/burn-cpu?ms=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        QCOMPARE(none.status, 401);
        QVERIFY(none.headers.toLower().contains("www-authenticate: bearer"));
        const turno::test::HttpReply wrong = turno::test::httpGet(
            nodePort, "GET /debug/burn-cpu?ms=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer not-the-token\r\nConnection: close\r\n\r\n");
        QCOMPARE(wrong.status, 401);
        const QByteArray token = readAll(runDir + QStringLiteral("/debug.token")).trimmed();
        QVERIFY(!token.isEmpty());
        const turno::test::HttpReply right = turno::test::httpGet(
            nodePort, "GET /debug/burn-cpu?ms=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\nConnection: close\r\n\r\n");
        QCOMPARE(right.status, 200);
    }

    void passwordFileOthersCanReadIsRefused()
    {
        const QString file = m_dir.filePath(QStringLiteral("loose.pass"));
        QVERIFY(writePrivate(file, plantedSecret() + '\n', QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther));
        const QString profile = writeProfile({{QStringLiteral("source"), QStringLiteral("file")}, {QStringLiteral("file"), file}},
                                             turno::test::freePort());
        const TurnoctlRun up = turnoctl({QStringLiteral("up"), QStringLiteral("--profile"), profile, QStringLiteral("--run-dir"),
                                         m_dir.filePath(QStringLiteral("run-loose"))}, 30000);
        QVERIFY2(up.code != 0 && up.err.contains("chmod 600") && up.err.contains(file.toUtf8()), up.err.constData());
        const TurnoctlRun attach = turnoctl({QStringLiteral("attach"), QStringLiteral("--redis"), QStringLiteral("127.0.0.1:1"),
                                             QStringLiteral("--password-file"), file}, 30000);
        QVERIFY2(attach.code != 0 && attach.err.contains("chmod 600"), attach.err.constData());
        QProcess server;
        server.start(envPath("TURNO_SERVER_BIN"), {QStringLiteral("--store"), QStringLiteral("redis"), QStringLiteral("--redis-password-file"), file});
        QVERIFY(server.waitForFinished(10000));
        QCOMPARE(server.exitCode(), 2);
        QVERIFY(!server.readAll().contains(readAll(file).trimmed()));
    }

    void attachDialogKeepsNoPassword()
    {
        const QByteArray secret = plantedSecret();
        const QString file = m_dir.filePath(QStringLiteral("attach.pass"));
        QVERIFY(writePrivate(file, secret + '\n', QFile::ReadOwner | QFile::WriteOwner));
        {
            turno::console::AttachDialog d;
            d.setCluster(QStringLiteral("security"));
            d.setNodeUrls({QStringLiteral("http://127.0.0.1:7017")});
            d.setRedis(QStringLiteral("127.0.0.1:6379"));
            d.setPassword(turno::console::AttachDialog::PasswordSource::File, file);
            const auto t = d.target();
            QVERIFY2(t.ok(), qPrintable(t.error()));
            QCOMPARE(t.value().redisPassword, QString::fromUtf8(secret));
            turno::console::AttachDialog::remember(d);
            QSettings().sync();
        }
        int files = 0;
        QDirIterator it(m_dir.filePath(QStringLiteral("settings")), QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString f = it.next();
            ++files;
            const QByteArray content = readAll(f);
            QVERIFY2(!content.contains(secret), qPrintable(f + QStringLiteral(" holds the password")));
            QVERIFY2(content.contains(file.toUtf8()), qPrintable(f + QStringLiteral(" does not remember where the password comes from")));
        }
        QCOMPARE(files, 1);

        QFile::setPermissions(file, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadOther);
        turno::console::AttachDialog loose;
        loose.setNodeUrls({QStringLiteral("http://127.0.0.1:7017")});
        loose.setPassword(turno::console::AttachDialog::PasswordSource::File, file);
        const auto refused = loose.target();
        QVERIFY(!refused.ok());
        QVERIFY2(refused.error().contains(QLatin1String("chmod 600")), qPrintable(refused.error()));
    }

    void hostileMetricsTargetFailsTheScrapeNotTheConsole()
    {
        HostileTarget target;
        QVERIFY(target.start());
        const QString url = QStringLiteral("http://127.0.0.1:%1").arg(target.port());

        // The scrape fails as designed, saying why.
        for (int i = 0; i < 3; ++i) {
            const TurnoctlRun check = turnoctl({QStringLiteral("metrics"), QStringLiteral("dump"), url + QStringLiteral("/metrics")}, 60000);
            qInfo("turnoctl metrics dump (scrape %d): exit %d: %s", i, check.code, (check.out + check.err).simplified().left(300).constData());
            QVERIFY2(check.code != 0 && !check.err.trimmed().isEmpty(), (check.out + check.err).constData());
        }

        // The console watching it: scrapes every second for 15 s, memory bounded.
        QProcess console;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dir.filePath(QStringLiteral("console-config")));
        // In the sanitizer build, ASan's quarantine would keep every freed 10 MB
        // scrape buffer (up to 256 MB) out of reuse: the memory bound is about the
        // console, not about ASan's bookkeeping. No effect on a plain build.
        env.insert(QStringLiteral("ASAN_OPTIONS"), env.value(QStringLiteral("ASAN_OPTIONS")) +
                                                       QStringLiteral(":quarantine_size_mb=1:thread_local_quarantine_size_kb=64"));
        console.setProcessEnvironment(env);
        const int before = target.scrapes();
        console.start(QFileInfo(envPath("TURNOCTL_BIN")).absolutePath() + QStringLiteral("/turno-console"),
                      {QStringLiteral("--attach-node"), url, QStringLiteral("--screenshot"), m_dir.filePath(QStringLiteral("hostile.png")),
                       QStringLiteral("--after"), QStringLiteral("15")});
        QVERIFY(console.waitForStarted(10000));
        qint64 peakKb = 0;
        QElapsedTimer t;
        t.start();
        while (console.state() != QProcess::NotRunning && t.elapsed() < 60000) {
            peakKb = std::max(peakKb, statusKb(console.processId(), "VmHWM:"));
            console.waitForFinished(200);
        }
        const QByteArray out = console.readAllStandardError();
        const int scrapes = target.scrapes() - before;
        qInfo("console against a hostile target: %d hostile scrapes in %.1f s (100 MB body, 1M series, %lld-byte gzip bomb), "
              "peak RSS %lld MB (limit 200 MB)",
              scrapes, double(t.elapsed()) / 1000.0, qint64(target.bombSize()), peakKb / 1024);
        QCOMPARE(console.exitStatus(), QProcess::NormalExit);
        QVERIFY2(console.exitCode() == 0, out.constData());
        QVERIFY2(scrapes >= 6, out.constData());
        QVERIFY(peakKb > 0);
        QVERIFY2(peakKb <= 200 * 1024, qPrintable(QStringLiteral("peak RSS %1 kB").arg(peakKb)));
    }
};

QTEST_MAIN(TestSecurity)
#include "test_security.moc"
