// Helpers shared by the tests: free loopback ports, paths from the build, and
// child processes that are always stopped by PID when the test ends.
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <sys/types.h>

namespace turno::test {

// A TCP port on 127.0.0.1 that nothing listens on right now.
quint16 freePort();

// Environment variables set by tests/CMakeLists.txt (fails the test if unset).
QString envPath(const char *name);

// Full path of a program the set-up script installs; empty if it is missing.
QString findProgram(const QString &name);

// A child process in its own process group, killed (SIGTERM, then SIGKILL)
// by PID when this object is destroyed.
class ChildProcess {
public:
    ChildProcess() = default;
    ~ChildProcess();
    ChildProcess(const ChildProcess &) = delete;
    ChildProcess &operator=(const ChildProcess &) = delete;

    // Starts program with args; stdout+stderr go to logFile. Returns false with why.
    bool start(const QString &program, const QStringList &args, const QString &logFile,
               const QStringList &extraEnv = {}, QString *why = nullptr);
    // Waits until a TCP connect to 127.0.0.1:port succeeds (probing, no fixed sleep).
    bool waitForPort(quint16 port, int timeoutMs = 10000) const;
    bool running() const;
    void terminate(int timeoutMs = 5000);
    void kill9();
    // Waits for exit; returns exit status (or -signal), or INT_MIN on timeout.
    int waitExit(int timeoutMs);
    pid_t pid() const { return m_pid; }
    QString log() const;

private:
    pid_t m_pid = -1;
    int m_status = 0;
    bool m_reaped = false;
    QString m_logFile;
};

// One blocking HTTP/1.1 exchange on a fresh connection (for tests only); a
// chunked body is decoded.
struct HttpReply {
    int status = 0;
    QByteArray headers;
    QByteArray body;
};
HttpReply httpGet(quint16 port, const QByteArray &rawRequest, int timeoutMs = 5000);

// A program run to its end (turnoctl in most tests): exit code (-1 after a
// timeout, then killed), stdout and stderr. extraEnv: NAME=VALUE entries added.
struct ProgramRun {
    int code = -1;
    QByteArray out, err;
};
ProgramRun runProgram(const QString &program, const QStringList &args, int timeoutMs = 90000,
                      const QStringList &extraEnv = {});

// `turnoctl status --json --run-dir runDir` with this thread's event loop
// turning meanwhile (QTest::qWait), for a supervisor that answers from this
// thread (the console of a GUI test); runProgram would block it. The answer,
// empty when none came within timeoutMs.
QJsonObject statusWhileSpinning(const QString &runDir, int timeoutMs = 10000);

// Send raw bytes, read everything until the peer closes or timeout.
QByteArray rawExchange(quint16 port, const QByteArray &bytes, int timeoutMs = 5000);

}  // namespace turno::test
