#include "fleet/managed_process.h"

#include <QDateTime>
#include <QProcessEnvironment>
#include <QTimer>
#include <csignal>
#include <sys/prctl.h>
#include <sys/stat.h>
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
    if (running()) {
        m_process->disconnect(this);
        signalGroup(SIGKILL);
        m_process->waitForFinished(2000);
    }
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
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_process->setStandardInputFile(QProcess::nullDevice());
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

    connect(m_process, &QProcess::readyRead, this, &ManagedProcess::onReadyRead);
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
    return m_process && m_process->state() != QProcess::NotRunning;
}

QByteArray ManagedProcess::outputTail(int lines) const
{
    qsizetype pos = m_output.size();
    if (pos > 0 && m_output.endsWith('\n'))
        --pos;
    for (int i = 0; i < lines && pos > 0; ++i) {
        pos = m_output.lastIndexOf('\n', pos - 1);
        if (pos < 0) {
            pos = 0;
            break;
        }
    }
    return m_output.mid(pos > 0 ? pos + 1 : 0);
}

void ManagedProcess::onReadyRead()
{
    const QByteArray data = m_process->readAll();
    m_log.write(data);
    m_log.flush();
    m_output += data;
    if (m_output.size() > kOutputLimit)
        m_output.remove(0, m_output.size() - kOutputLimit);
}

void ManagedProcess::onFinished(int code, QProcess::ExitStatus status)
{
    onReadyRead();
    m_killTimer->stop();
    // Helpers the child forked (e.g. a Redis save) share its group: take them too.
    if (m_pid > 0)
        ::kill(-pid_t(m_pid), SIGKILL);
    // For a crash Qt reports the signal number as the exit code.
    const int reported = status == QProcess::CrashExit ? -m_process->exitCode() : code;
    m_log.write(QStringLiteral("=== %1 exited (%2)\n")
                    .arg(m_name, status == QProcess::CrashExit ? QStringLiteral("killed by signal %1").arg(-reported)
                                                               : QStringLiteral("exit code %1").arg(code))
                    .toLocal8Bit());
    m_log.flush();
    const bool expected = m_stopping;
    m_stopping = false;
    m_pid = 0;
    emit exited(reported, expected);
}

}  // namespace turno
