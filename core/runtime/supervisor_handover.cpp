#include "runtime/supervisor_handover.h"

#include "fleet/run_files.h"
#include "fleet/fleet_supervisor.h"
#include "runtime/fleet_monitor.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QStandardPaths>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <vector>

namespace turno {

Result<QString> SupervisorHandover::writeState(const QJsonObject &state)
{
    const QString path = statePath(state.value(QStringLiteral("runDir")).toString());
    QString why;
    if (!RunFiles::write(path, QJsonDocument(state).toJson(), &why))
        return Error{why};
    QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner);
    return path;
}

Result<QJsonObject> SupervisorHandover::readState(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("cannot read the hand-over state %1: %2").arg(path, f.errorString())};
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject())
        return Error{QStringLiteral("%1 at offset %2: %3").arg(path).arg(pe.offset).arg(pe.errorString())};
    return doc.object();
}

QString SupervisorHandover::findTurnoctl()
{
    const QString appDir = QCoreApplication::applicationDirPath();
    for (const QString &c : {appDir + QStringLiteral("/turnoctl"), appDir + QStringLiteral("/../app/turnoctl"),
                             appDir + QStringLiteral("/../../app/turnoctl")})
        if (QFileInfo(c).isExecutable())
            return QFileInfo(c).canonicalFilePath();
    return QStandardPaths::findExecutable(QStringLiteral("turnoctl"));
}

Error SupervisorHandover::execInto(const QString &program, const QStringList &args)
{
    if (DIR *d = ::opendir("/proc/self/fd")) {
        const int own = ::dirfd(d);
        while (const dirent *e = ::readdir(d)) {
            const int fd = std::atoi(e->d_name);
            if (fd > 2 && fd != own)
                ::fcntl(fd, F_SETFD, ::fcntl(fd, F_GETFD) | FD_CLOEXEC);
        }
        ::closedir(d);
    }
    const QByteArray prog = QFile::encodeName(program);
    std::vector<QByteArray> storage{prog};
    for (const QString &a : args)
        storage.push_back(a.toLocal8Bit());
    std::vector<char *> argv;
    for (QByteArray &s : storage)
        argv.push_back(s.data());
    argv.push_back(nullptr);
    ::execv(prog.constData(), argv.data());
    return Error{QStringLiteral("cannot run %1: %2").arg(program, QString::fromLocal8Bit(std::strerror(errno)))};
}

Result<void> SupervisorHandover::run(FleetMonitor *monitor, const std::function<void()> &beforeExec, const Exec &exec)
{
    const Result<QJsonObject> state = monitor->handoverState();
    if (!state.ok())
        return Error{state.error()};
    const QString turnoctl = findTurnoctl();
    if (turnoctl.isEmpty())
        return Error{QStringLiteral("turnoctl was not found next to this program nor on PATH; the cluster needs it to "
                                    "run without the console")};
    const Result<QString> path = writeState(state.value());
    if (!path.ok())
        return Error{path.error()};
    const QString history = state.value().value(QStringLiteral("history")).toString();
    monitor->releaseForHandover();
    if (beforeExec)
        beforeExec();
    const Error failed = exec(turnoctl, {QStringLiteral("up"), QStringLiteral("--adopt"), path.value()});
    // Still here: this process supervises on.
    QFile::remove(path.value());
    const Result<void> resumed = monitor->resumeAfterFailedHandover(history);
    return Error{failed.message + (resumed.ok() ? QStringLiteral("; the cluster stays with this process")
                                                : QStringLiteral("; and the control socket could not be reopened: ") + resumed.error())};
}

}  // namespace turno
