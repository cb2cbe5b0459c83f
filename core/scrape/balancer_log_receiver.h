// BalancerLogReceiver: HAProxy's per-request log of the turno frontend, received
// on a loopback UDP port, summed per window into what clients were answered:
// how many requests, how many 5xx, and p50/p99 of the total active time (%Ta).
// HAProxy 2.6's exporter and stats only have averages; the log is where its
// percentiles come from. The line is ConfigRenderer's log-format: "turno %ST %Ta".
#pragma once

#include "common/result.h"

#include <QByteArrayView>
#include <QObject>
#include <QtGlobal>
#include <limits>
#include <vector>

class QSocketNotifier;
class QTimer;

namespace turno {

// One closed window of the balancer's log.
struct BalancerLogWindow {
    static constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();
    qint64 timestampMs = 0;  // when it was closed
    qint64 windowMs = 0;     // since the previous close; 0 before the first
    quint64 requests = 0;    // lines logged (each a request HAProxy answered, after its retries)
    quint64 responses5xx = 0;
    double p50Ms = kUnknown;  // of %Ta, whole ms; NaN without a request in the window
    double p99Ms = kUnknown;
    quint64 garbageTotal = 0;  // lines that were not ours since start, ignored

    bool hasWindow() const { return windowMs > 0; }
};

class BalancerLogReceiver : public QObject {
    Q_OBJECT
public:
    // %Ta above this is counted in the top bucket (HAProxy's timeouts here are 30 s).
    static constexpr int kMaxMs = 65535;
    // Datagrams read per wake-up at most (in recvmmsg calls of kChunk); the rest waits for the next.
    static constexpr int kBatch = 4096;
    static constexpr int kChunk = 64;
    // After a wake-up the socket is not watched for this long: lines queue in the kernel
    // and are read together, instead of one event-loop turn per request.
    static constexpr int kCoalesceMs = 25;
    static constexpr int kLineMax = 512;

    explicit BalancerLogReceiver(QObject *parent = nullptr);
    ~BalancerLogReceiver() override;

    // Binds a UDP socket on 127.0.0.1, port 0: the kernel picks a free one, so no
    // other process can take it between choosing and rendering haproxy.cfg. A
    // supervisor hand-over binds the port the running HAProxy already logs to.
    Result<quint16> bind(quint16 port = 0);
    quint16 port() const { return m_port; }
    bool isBound() const { return m_fd >= 0; }

    // Parses one log line ("turno 200 3", a trailing newline allowed; a syslog
    // header before "turno " is skipped). False for anything else.
    static bool parseLine(QByteArrayView line, int *status, int *activeMs);
    // Counts one line as received (what the socket does per datagram); tests feed it directly.
    void addLine(QByteArrayView line);

    // Closes the current window at nowMs and starts a new one.
    BalancerLogWindow roll(qint64 nowMs);
    // The last closed window (empty before the first roll).
    BalancerLogWindow last() const { return m_last; }
    quint64 linesTotal() const { return m_linesTotal; }

signals:
    void rolled(const turno::BalancerLogWindow &window);

private:
    void readBatch();
    void onReadable();
    double percentileMs(double p) const;

    int m_fd = -1;
    quint16 m_port = 0;
    QSocketNotifier *m_notifier = nullptr;
    QTimer *m_rearm = nullptr;
    std::vector<char> m_buffers;  // kChunk datagrams of kLineMax bytes, for recvmmsg
    std::vector<quint32> m_counts;  // per whole ms of %Ta, this window
    quint64 m_requests = 0;
    quint64 m_5xx = 0;
    quint64 m_linesTotal = 0;
    quint64 m_garbage = 0;
    qint64 m_openedMs = 0;
    BalancerLogWindow m_last;
};

}  // namespace turno

Q_DECLARE_METATYPE(turno::BalancerLogWindow)
