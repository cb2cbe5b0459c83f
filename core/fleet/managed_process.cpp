#include "fleet/managed_process.h"

#include <QDateTime>
#include <QProcessEnvironment>
#include <QSocketNotifier>
#include <QTimer>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace turno {

ManagedProcess::ManagedProcess(QString name, QString program, QStringList args, QString logFile, QObject *parent)
    : QObject(parent), m_name(std::move(name)), m_program(std::move(program)), m_args(std::move(args)),
      m_logFile(std::move(logFile))
{
    m_killTimer = new QTimer(this);
    m_killTimer->setSingleShot(true);
    connect(m_killTimer, &QTimer::timeout, this, [this] { signalGroup(SIGKILL); });
}

ManagedProcess::~ManagedProcess()
{
    // Never leave a child behind, even when the owner is torn down abruptly;
    // nobody is listening any more, so no exit is reported.
    if (running() && m_process) {
        m_process->disconnect(this);
        signalGroup(SIGKILL);
        m_process->waitForFinished(2000);
    } else if (running()) {
        signalGroup(SIGKILL);
        for (int i = 0; i < 200 && ::waitpid(pid_t(m_adoptedPid), nullptr, WNOHANG | __WALL) == 0; ++i)
            ::usleep(10000);
    }
    if (m_pidfd >= 0)
        ::close(m_pidfd);
}

void ManagedProcess::start()
{
    if (running())
        return;
    m_stopping = false;
    if (m_process) {
        m_process->disconnect(this);
        m_process->deleteLater();
    }
    m_process = new QProcess(this);
    m_process->setProgram(m_program);
    m_process->setArguments(m_args);
    // Straight into the log (O_APPEND, as the supervisor's own lines): no pipe to
    // this process that would break, with SIGPIPE in the child, when it hands over.
    m_process->setStandardInputFile(QProcess::nullDevice());
    m_process->setStandardOutputFile(m_logFile, QIODevice::Append);
    m_process->setStandardErrorFile(m_logFile, QIODevice::Append);
    if (!m_workDir.isEmpty())
        m_process->setWorkingDirectory(m_workDir);
    if (!m_extraEnv.isEmpty()) {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const QString &kv : m_extraEnv) {
            const qsizetype eq = kv.indexOf(QLatin1Char('='));
            env.insert(kv.left(eq), kv.mid(eq + 1));
        }
        m_process->setProcessEnvironment(env);
    }
    const pid_t supervisor = ::getpid();
    // Runs in the child between fork and exec: own process group (so a stop
    // reaches helpers it forks) and SIGKILL when the supervisor dies, even by
    // SIGKILL. If the supervisor already died before prctl, give up at once.
    m_process->setChildProcessModifier([supervisor] {
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != supervisor)
            ::_exit(127);
        ::signal(SIGPIPE, SIG_DFL);
        // Files the fleet writes (Redis and Sentinel rewrite configs that hold the
        // password, AOF, HAProxy's state) are its owner's only.
        ::umask(077);
    });

    if (!m_log.isOpen()) {
        m_log.setFileName(m_logFile);
        m_log.open(QIODevice::WriteOnly | QIODevice::Append);
    }
    m_log.write(QStringLiteral("=== %1 starting: %2 %3\n")
                    .arg(QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs), m_program, m_args.join(QLatin1Char(' ')))
                    .toLocal8Bit());
    m_log.flush();

    connect(m_process, &QProcess::finished, this, &ManagedProcess::onFinished);
    connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart) {
            const QString why = QStringLiteral("%1: cannot start %2: %3").arg(m_name, m_program, m_process->errorString());
            m_log.write(why.toLocal8Bit() + '\n');
            m_log.flush();
            m_pid = 0;
            emit failedToStart(why);
        }
    });
    connect(m_process, &QProcess::started, this, [this] {
        m_pid = m_process->processId();
        emit started(m_pid);
    });
    m_process->start();
}

void ManagedProcess::signalGroup(int sig)
{
    // started() may not have been delivered yet; the pid is known as soon as start() returned.
    if (m_pid <= 0 && m_process)
        m_pid = m_process->processId();
    if (m_pid > 0 && running()) {
        // The group may not exist yet if the child has not reached setpgid.
        if (::kill(-pid_t(m_pid), sig) != 0)
            ::kill(pid_t(m_pid), sig);
    }
}

void ManagedProcess::stop(int graceMs, int sig)
{
    if (!running())
        return;
    m_stopping = true;
    signalGroup(sig);
    m_killTimer->start(graceMs);
}

bool ManagedProcess::running() const
{
    if (m_adoptedPid > 0)
        return true;
    return m_process && m_process->state() != QProcess::NotRunning;
}

bool ManagedProcess::adopt(qint64 pid, QString *why)
{
    if (running()) {
        *why = QStringLiteral("%1 already runs as pid %2").arg(m_name).arg(m_pid);
        return false;
    }
    // 0: a child of ours that has not exited; -1 (ECHILD): not our child at all.
    siginfo_t info;
    std::memset(&info, 0, sizeof info);
    if (::waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT | __WALL) != 0) {
        *why = QStringLiteral("%1 (pid %2) is not a child of this process (%3): only the process that started a "
                              "cluster can hand it over")
                   .arg(m_name).arg(pid).arg(QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    if (info.si_pid != 0) {
        *why = QStringLiteral("%1 (pid %2) has already exited").arg(m_name).arg(pid);
        return false;
    }
    m_adoptedPid = pid;
    m_pid = pid;
    m_stopping = false;
    if (!m_log.isOpen()) {
        m_log.setFileName(m_logFile);
        m_log.open(QIODevice::WriteOnly | QIODevice::Append);
    }
    logLine(QStringLiteral("=== %1 adopted (pid %2) by a new supervisor image").arg(m_name).arg(pid));
    // A pidfd is readable once the process exits; without one (old kernels), poll.
    m_pidfd = int(::syscall(SYS_pidfd_open, pid_t(pid), 0));
    if (m_pidfd >= 0) {
        auto *n = new QSocketNotifier(m_pidfd, QSocketNotifier::Read, this);
        connect(n, &QSocketNotifier::activated, this, &ManagedProcess::reapAdopted);
        m_adoptWatch = n;
    } else {
        auto *t = new QTimer(this);
        connect(t, &QTimer::timeout, this, &ManagedProcess::reapAdopted);
        t->start(100);
        m_adoptWatch = t;
    }
    return true;
}

void ManagedProcess::reapAdopted()
{
    int status = 0;
    const pid_t r = ::waitpid(pid_t(m_adoptedPid), &status, WNOHANG | __WALL);
    if (r == 0)
        return;
    delete m_adoptWatch;
    m_adoptWatch = nullptr;
    if (m_pidfd >= 0)
        ::close(m_pidfd);
    m_pidfd = -1;
    m_adoptedPid = 0;
    m_killTimer->stop();
    if (m_pid > 0)
        ::kill(-pid_t(m_pid), SIGKILL);
    if (r < 0)  // reaped elsewhere: the status is lost
        return reportExit(-SIGKILL, QStringLiteral("exit status unknown"));
    if (WIFSIGNALED(status))
        return reportExit(-WTERMSIG(status), QStringLiteral("killed by signal %1").arg(WTERMSIG(status)));
    reportExit(WEXITSTATUS(status), QStringLiteral("exit code %1").arg(WEXITSTATUS(status)));
}

void ManagedProcess::logLine(const QString &line)
{
    m_log.write(line.toLocal8Bit() + '\n');
    m_log.flush();
}

void ManagedProcess::reportExit(int reported, const QString &how)
{
    logLine(QStringLiteral("=== %1 exited (%2)").arg(m_name, how));
    const bool expected = m_stopping;
    m_stopping = false;
    m_pid = 0;
    emit exited(reported, expected);
}

QByteArray ManagedProcess::output() const
{
    QFile log(m_logFile);
    if (!log.open(QIODevice::ReadOnly))
        return {};
    if (log.size() > kOutputLimit)
        log.seek(log.size() - kOutputLimit);
    return log.readAll();
}

QByteArray ManagedProcess::outputTail(int lines) const
{
    const QByteArray out = output();
    qsizetype pos = out.size();
    if (pos > 0 && out.endsWith('\n'))
        --pos;
    for (int i = 0; i < lines && pos > 0; ++i) {
        pos = out.lastIndexOf('\n', pos - 1);
        if (pos < 0) {
            pos = 0;
            break;
        }
    }
    return out.mid(pos > 0 ? pos + 1 : 0);
}

void ManagedProcess::onFinished(int code, QProcess::ExitStatus status)
{
    m_killTimer->stop();
    // Helpers the child forked (e.g. a Redis save) share its group: take them too.
    if (m_pid > 0)
        ::kill(-pid_t(m_pid), SIGKILL);
    // For a crash Qt reports the signal number as the exit code.
    const int reported = status == QProcess::CrashExit ? -m_process->exitCode() : code;
    reportExit(reported, status == QProcess::CrashExit ? QStringLiteral("killed by signal %1").arg(-reported)
                                                       : QStringLiteral("exit code %1").arg(code));
}

}  // namespace turno
