// ReadinessProbe: the questions that say a process of a local cluster is ready
// (Redis answers PING, a primary lists its replica online, a turno node's
// /readyz is 200, HAProxy has servers UP, the balancer hands out a number), and
// waitUntil, which asks one again until it passes or its time is up.
#pragma once

#include "fleet/haproxy_runtime.h"

#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>
#include <functional>

namespace turno {

class ReadinessProbe {
public:
    // One attempt: done(true) when the answer says ready; a complete negative
    // answer (LOADING, 503) is false at once, so the caller retries soon.
    using Check = std::function<void(std::function<void(bool)> done)>;

    static Check redisPing(QObject *context, quint16 port, const QString &password);
    // The primary counts a replica as online (it refuses writes until then).
    static Check listsOnlineReplica(QObject *context, quint16 primaryPort, const QString &password);
    static Check turnoReady(QObject *context, quint16 port);
    // GET path through the balancer answers 200 (a real request: a user gets a number).
    static Check answers200(QObject *context, quint16 port, const QByteArray &path);
    static Check haproxyServersUp(HaproxyRuntime *runtime, const QString &backend, QStringList servers);

    // Runs check every intervalMs until it passes (done(true)) or timeoutMs have
    // passed (done(false)); nothing more once stillWanted() says false or context is gone.
    static void waitUntil(QObject *context, Check check, int timeoutMs, int intervalMs, std::function<bool()> stillWanted,
                          std::function<void(bool)> done);
};

}  // namespace turno
