// ManagedProcess: one child of the supervisor, in its own process group and
// killed by the kernel if the supervisor dies; its output goes straight to a log
// file, so a child outlives a hand-over of its supervisor (adopt()) unharmed.
#pragma once

#include <QByteArray>
#include <QFile>
#include <QObject>
#include <QProcess>
#include <QStringList>

class QTimer;

namespace turno {

class ManagedProcess : public QObject {
    Q_OBJECT
public:
    static constexpr qsizetype kOutputLimit = 64 * 1024;

    ManagedProcess(QString name, QString program, QStringList args, QString logFile, QObject *parent = nullptr);
    ~ManagedProcess() override;

    void setExtraEnvironment(const QStringList &env) { m_extraEnv = env; }
    void setWorkingDirectory(const QString &dir) { m_workDir = dir; }
    // Takes effect at the next start() (a restart regenerates the command line).
    void setCommand(const QString &program, const QStringList &args)
    {
        m_program = program;
        m_args = args;
    }

    // Starts the program; the result arrives as started() or failedToStart(why).
    void start();
    // Takes over pid, a running child of this process that an earlier image of it
    // (before an exec, see SupervisorHandover) started: its exit is watched through
    // a pidfd from now on. Fails when pid is not a running child of this process.
    bool adopt(qint64 pid, QString *why);
    bool adopted() const { return m_adoptedPid > 0; }
    // SIGTERM (or sig) to the whole process group, SIGKILL after graceMs.
    void stop(int graceMs, int sig = 15);
    // Signal to the whole process group (used by tests and for SIGKILL).
    void signalGroup(int sig);

    bool running() const;
    qint64 pid() const { return m_pid; }
    QString name() const { return m_name; }
    QString program() const { return m_program; }
    QStringList arguments() const { return m_args; }
    QString logFile() const { return m_logFile; }
    // The newest output (at most kOutputLimit bytes of the log file's end).
    QByteArray output() const;
    QByteArray outputTail(int lines) const;

signals:
    void started(qint64 pid);
    void failedToStart(const QString &why);
    // exitCode, or the negative signal number when killed by a signal.
    void exited(int status, bool expected);

private:
    void onFinished(int code, QProcess::ExitStatus status);
    // An adopted child's pidfd became readable (or the fallback poll ran): reap it if it exited.
    void reapAdopted();
    void logLine(const QString &line);
    void reportExit(int reported, const QString &how);

    QString m_name;
    QString m_program;
    QStringList m_args;
    QString m_logFile;
    QString m_workDir;
    QStringList m_extraEnv;
    QProcess *m_process = nullptr;
    QFile m_log;
    qint64 m_pid = 0;
    qint64 m_adoptedPid = 0;
    int m_pidfd = -1;
    QObject *m_adoptWatch = nullptr;  // the pidfd's notifier or the poll timer
    bool m_stopping = false;
    QTimer *m_killTimer = nullptr;
};

}  // namespace turno
