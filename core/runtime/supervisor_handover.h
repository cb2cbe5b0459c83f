// SupervisorHandover: the console leaves its cluster running without it. The
// nodes are the console's children and die with it (PR_SET_PDEATHSIG), so the
// console process itself becomes their supervisor: it writes the cluster's
// state to the run directory and execs `turnoctl up --adopt FILE`, keeping its
// pid, its children and their pipes-free log files; the new image supervises on.
#pragma once

#include "common/result.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <functional>

namespace turno {

class FleetMonitor;

class SupervisorHandover {
public:
    // Replaces this process image; returns only when that failed (the error says why).
    using Exec = std::function<Error(const QString &program, const QStringList &args)>;

    static QString statePath(const QString &runDir) { return runDir + QStringLiteral("/handover.json"); }
    // Writes state (mode 0600: it names the password file and every pid).
    static Result<QString> writeState(const QJsonObject &state);
    static Result<QJsonObject> readState(const QString &path);
    // turnoctl next to this program, in the build tree beside it, else on PATH; empty when none.
    static QString findTurnoctl();
    // Every descriptor above stderr close-on-exec (the window system's, the
    // control socket, the store), then execv; returns only on failure.
    static Error execInto(const QString &program, const QStringList &args);

    // The whole hand-over of monitor's launched cluster: refused with why while
    // something is half-done; beforeExec runs last (the GUI hides its window);
    // on an exec failure the monitor supervises on and the error comes back.
    static Result<void> run(FleetMonitor *monitor, const std::function<void()> &beforeExec, const Exec &exec = execInto);
};

}  // namespace turno
