// httpGet: one GET on a fresh HttpConnection, bounded by a timeout, for the
// probes that ask a node or a balancer one question (readiness, a probe
// number, a stats page). Any status comes back; the caller judges it.
#pragma once

#include "common/result.h"
#include "scrape/http_connection.h"

#include <QByteArray>
#include <QObject>
#include <QString>
#include <functional>

namespace turno {

using HttpGetDone = std::function<void(Result<HttpConnection::Response>)>;

// done runs once, from the event loop, unless context is destroyed first. An
// error names host:port and what went wrong (refused, timed out, not HTTP).
void httpGet(QObject *context, const QString &host, quint16 port, const QByteArray &target, int timeoutMs,
             HttpGetDone done, qint64 maxBodyBytes = 16 << 20);

}  // namespace turno
