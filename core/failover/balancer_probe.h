// BalancerProbe: one GET /turno/<id> through the balancer on a fresh
// HttpConnection, bounded; the failover's probe and the drill's recovery probe.
#pragma once

#include "common/result.h"
#include "scrape/http_connection.h"

#include <QObject>
#include <QString>
#include <functional>

namespace turno {

class BalancerProbe {
public:
    // done gets the turno answered, or why there is none; it runs once, never
    // after context is destroyed (destroying it aborts the request).
    static void turno(QObject *context, quint16 port, const QString &id, int timeoutMs,
                      std::function<void(Result<qint64>)> done);
    // The turno of an answer: a 200 whose body holds "turno":N.
    static Result<qint64> parseAnswer(const HttpConnection::Response &response);
};

}  // namespace turno
