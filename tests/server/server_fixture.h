// Starting real turno-server and redis-server processes for the server tests.
#pragma once

#include "test_support.h"

#include <QTemporaryDir>
#include <QTest>
#include <memory>

namespace turno::test {

struct RunningServer {
    std::unique_ptr<ChildProcess> process = std::make_unique<ChildProcess>();
    quint16 port = 0;
};

inline RunningServer startTurnoServer(const QTemporaryDir &dir, const QStringList &extraArgs, const QString &name,
                                      const QStringList &env = {})
{
    RunningServer s;
    s.port = freePort();
    QStringList args{QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(s.port)};
    // The suite runs once per I/O backend (see tests/server/CMakeLists.txt).
    const QByteArray io = qgetenv("TURNO_SERVER_IO");
    if (!io.isEmpty())
        args << QStringLiteral("--io") << QString::fromLatin1(io);
    args << extraArgs;
    QString why;
    if (!s.process->start(envPath("TURNO_SERVER_BIN"), args, dir.filePath(name + QStringLiteral(".log")), env, &why))
        qFatal("cannot start turno-server: %s", qPrintable(why));
    if (!s.process->waitForPort(s.port, 15000))
        qFatal("turno-server did not listen on %u: %s", s.port, qPrintable(s.process->log()));
    return s;
}

inline RunningServer startRedis(const QTemporaryDir &dir, const QString &name, const QStringList &extra = {})
{
    RunningServer s;
    const QString bin = findProgram(QStringLiteral("redis-server"));
    if (bin.isEmpty())
        qFatal("redis-server is not installed: run scripts/setup.sh");
    s.port = freePort();
    QStringList args{QStringLiteral("--port"), QString::number(s.port), QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
                     QStringLiteral("--save"), QString(), QStringLiteral("--appendonly"), QStringLiteral("no"),
                     QStringLiteral("--dir"), dir.path(), QStringLiteral("--dbfilename"), name + QStringLiteral(".rdb")};
    args << extra;
    QString why;
    if (!s.process->start(bin, args, dir.filePath(name + QStringLiteral(".log")), {}, &why))
        qFatal("cannot start redis-server: %s", qPrintable(why));
    if (!s.process->waitForPort(s.port, 15000))
        qFatal("redis-server did not listen on %u", s.port);
    return s;
}

}  // namespace turno::test
