#include "proc_sample.h"

#include <QByteArray>
#include <QFile>
#include <QList>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <unistd.h>

namespace turno {

namespace {

Error unreadable(qint64 pid, const QString &file, const QString &why)
{
    return Error{QStringLiteral("cannot read /proc/%1/%2: %3; is process %1 still running, and is it yours?").arg(pid).arg(file, why)};
}

Result<QByteArray> readProcFile(qint64 pid, const char *name)
{
    QFile f(QStringLiteral("/proc/%1/%2").arg(pid).arg(QLatin1String(name)));
    if (!f.open(QIODevice::ReadOnly))
        return unreadable(pid, QLatin1String(name), f.errorString());
    QByteArray data = f.readAll();
    if (data.isEmpty())
        return unreadable(pid, QLatin1String(name), QStringLiteral("empty (the process is exiting)"));
    return data;
}

}  // namespace

Result<ProcSample> ProcSample::read(qint64 pid)
{
    if (pid <= 0)
        return Error{QStringLiteral("no process id given (%1)").arg(pid)};
    ProcSample s;

    const Result<QByteArray> stat = readProcFile(pid, "stat");
    if (!stat)
        return Error{stat.error()};
    // Fields after the command name, which may itself hold spaces and ')'.
    const QByteArray &line = stat.value();
    const QList<QByteArray> f = line.mid(line.lastIndexOf(')') + 2).split(' ');
    if (f.size() < 13)
        return unreadable(pid, QStringLiteral("stat"), QStringLiteral("%1 fields, expected at least 15").arg(f.size() + 2));
    s.cpuTicks = f[11].toLongLong() + f[12].toLongLong();

    const Result<QByteArray> status = readProcFile(pid, "status");
    if (!status)
        return Error{status.error()};
    for (const QByteArray &l : status.value().split('\n'))
        if (l.startsWith("VmRSS:"))
            s.rssKiB = l.mid(6).simplified().split(' ').value(0).toLongLong();
    // A zombie has no VmRSS line: its memory is gone with it.
    if (s.rssKiB <= 0)
        return unreadable(pid, QStringLiteral("status"), QStringLiteral("no VmRSS (the process has exited)"));

    const QByteArray fdDir = QStringLiteral("/proc/%1/fd").arg(pid).toLocal8Bit();
    DIR *d = ::opendir(fdDir.constData());
    if (!d)
        return unreadable(pid, QStringLiteral("fd"), QString::fromLocal8Bit(std::strerror(errno)));
    while (const dirent *e = ::readdir(d))
        if (e->d_name[0] != '.')
            ++s.fds;
    ::closedir(d);
    return s;
}

long ProcSample::ticksPerSecond()
{
    static const long ticks = ::sysconf(_SC_CLK_TCK);
    return ticks;
}

}  // namespace turno
