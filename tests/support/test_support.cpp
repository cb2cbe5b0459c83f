#include "test_support.h"

#include <QDir>
#include <QJsonDocument>
#include <QProcess>
#include <QProcessEnvironment>
#include <QFileInfo>
#include <QStandardPaths>
#include <QTest>
#include <QThread>
#include <QElapsedTimer>
#include <arpa/inet.h>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace turno::test {

quint16 freePort()
{
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

QString envPath(const char *name)
{
    const QByteArray v = qgetenv(name);
    if (v.isEmpty())
        qFatal("test environment variable %s is not set (run the test through ctest)", name);
    return QString::fromLocal8Bit(v);
}

QString findProgram(const QString &name)
{
    QString p = QStandardPaths::findExecutable(name);
    if (p.isEmpty())
        p = QStandardPaths::findExecutable(name, {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/bin"), QStringLiteral("/sbin")});
    return p;
}

ChildProcess::~ChildProcess()
{
    terminate(3000);
}

bool ChildProcess::start(const QString &program, const QStringList &args, const QString &logFile,
                         const QStringList &extraEnv, QString *why)
{
    m_logFile = logFile;
    QList<QByteArray> argStore;
    argStore << program.toLocal8Bit();
    for (const QString &a : args)
        argStore << a.toLocal8Bit();
    std::vector<char *> argv;
    for (QByteArray &a : argStore)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    QList<QByteArray> envStore;
    for (const QString &e : extraEnv)
        envStore << e.toLocal8Bit();
    const QByteArray logPath = logFile.toLocal8Bit();

    const pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) {
        if (why)
            *why = QStringLiteral("fork failed: %1").arg(QString::fromLocal8Bit(strerror(errno)));
        return false;
    }
    if (pid == 0) {
        // The test's signal handlers (QTest installs some) must not run in
        // the child if it is signalled before exec.
        for (int sig : {SIGTERM, SIGINT, SIGQUIT, SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL})
            ::signal(sig, SIG_DFL);
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent)
            ::_exit(127);
        int fd = ::open(logPath.constData(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            ::dup2(fd, 1);
            ::dup2(fd, 2);
            ::close(fd);
        }
        for (QByteArray &e : envStore)
            ::putenv(e.data());
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    m_pid = pid;
    m_reaped = false;
    return true;
}

bool ChildProcess::running() const
{
    if (m_pid <= 0 || m_reaped)
        return false;
    int st = 0;
    pid_t r = ::waitpid(m_pid, &st, WNOHANG);
    if (r == m_pid) {
        auto *self = const_cast<ChildProcess *>(this);
        self->m_status = st;
        self->m_reaped = true;
        return false;
    }
    return true;
}

bool ChildProcess::waitForPort(quint16 port, int timeoutMs) const
{
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < timeoutMs) {
        if (!running())
            return false;
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(port);
        const int rc = ::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a);
        ::close(fd);
        if (rc == 0)
            return true;
        QThread::msleep(10);
    }
    return false;
}

int ChildProcess::waitExit(int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    while (running()) {
        if (t.elapsed() > timeoutMs)
            return INT_MIN;
        QThread::msleep(5);
    }
    if (m_pid <= 0)
        return INT_MIN;
    if (WIFEXITED(m_status))
        return WEXITSTATUS(m_status);
    if (WIFSIGNALED(m_status))
        return -WTERMSIG(m_status);
    return INT_MIN;
}

void ChildProcess::terminate(int timeoutMs)
{
    if (!running())
        return;
    ::kill(m_pid, SIGTERM);
    if (waitExit(timeoutMs) == INT_MIN) {
        ::kill(-m_pid, SIGKILL);
        ::kill(m_pid, SIGKILL);
        waitExit(2000);
    }
}

void ChildProcess::kill9()
{
    if (!running())
        return;
    ::kill(m_pid, SIGKILL);
    waitExit(2000);
}

QString ChildProcess::log() const
{
    QFile f(m_logFile);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QString::fromLocal8Bit(f.readAll());
}

static int connectLoopback(quint16 port)
{
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

namespace {
QByteArray exchange(quint16 port, const QByteArray &bytes, int timeoutMs, bool halfClose);
}

QByteArray rawExchange(quint16 port, const QByteArray &bytes, int timeoutMs)
{
    return exchange(port, bytes, timeoutMs, true);
}

namespace {
QByteArray exchange(quint16 port, const QByteArray &bytes, int timeoutMs, bool halfClose)
{
    int fd = connectLoopback(port);
    if (fd < 0)
        return {};
    qsizetype off = 0;
    while (off < bytes.size()) {
        ssize_t n = ::send(fd, bytes.constData() + off, size_t(bytes.size() - off), MSG_NOSIGNAL);
        if (n <= 0)
            break;
        off += n;
    }
    if (halfClose)
        ::shutdown(fd, SHUT_WR);
    QByteArray out;
    QElapsedTimer t;
    t.start();
    char buf[65536];
    while (t.elapsed() < timeoutMs) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, int(timeoutMs - t.elapsed())) <= 0)
            break;
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0)
            break;
        out.append(buf, n);
    }
    ::close(fd);
    return out;
}

}  // namespace

HttpReply httpGet(quint16 port, const QByteArray &rawRequest, int timeoutMs)
{
    HttpReply r;
    // A request that asks the server to close frames itself: no half-close, which some servers
    // (Go's net/http: Prometheus) take for a client gone away and cancel the request.
    const bool closes = rawRequest.toLower().contains("\r\nconnection: close\r\n");
    const QByteArray all = exchange(port, rawRequest, timeoutMs, !closes);
    const qsizetype hdrEnd = all.indexOf("\r\n\r\n");
    if (hdrEnd < 0)
        return r;
    r.headers = all.left(hdrEnd);
    r.body = all.mid(hdrEnd + 4);
    if (r.headers.toLower().contains("transfer-encoding: chunked")) {
        // size-line CRLF data CRLF ... 0 CRLF CRLF
        QByteArray decoded;
        qsizetype pos = 0;
        while (pos < r.body.size()) {
            const qsizetype eol = r.body.indexOf("\r\n", pos);
            if (eol < 0)
                break;
            bool ok = false;
            const qsizetype size = r.body.mid(pos, eol - pos).split(';').first().trimmed().toLongLong(&ok, 16);
            if (!ok || size == 0)
                break;
            decoded += r.body.mid(eol + 2, size);
            pos = eol + 2 + size + 2;
        }
        r.body = decoded;
    }
    const QList<QByteArray> first = r.headers.split('\n').first().split(' ');
    if (first.size() >= 2)
        r.status = first[1].toInt();
    return r;
}

ProgramRun runProgram(const QString &program, const QStringList &args, int timeoutMs, const QStringList &extraEnv)
{
    QProcess p;
    if (!extraEnv.isEmpty()) {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const QString &kv : extraEnv)
            env.insert(kv.section(QLatin1Char('='), 0, 0), kv.section(QLatin1Char('='), 1));
        p.setProcessEnvironment(env);
    }
    p.start(program, args);
    ProgramRun r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        return r;
    }
    r.code = p.exitCode();
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

QJsonObject statusWhileSpinning(const QString &runDir, int timeoutMs)
{
    QProcess p;
    p.start(envPath("TURNOCTL_BIN"), {QStringLiteral("status"), QStringLiteral("--json"), QStringLiteral("--run-dir"), runDir});
    QElapsedTimer t;
    t.start();
    while (p.state() != QProcess::NotRunning && t.elapsed() < timeoutMs)
        QTest::qWait(5);
    if (p.state() != QProcess::NotRunning) {
        p.kill();
        p.waitForFinished();
        return {};
    }
    return QJsonDocument::fromJson(p.readAllStandardOutput()).object();
}

}  // namespace turno::test
