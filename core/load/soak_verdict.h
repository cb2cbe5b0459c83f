// SoakVerdict: the pass/fail rules of a soak over its windows' figures (RSS
// growth, descriptor spread, p99 drift, errors, duplicates), a pure function so
// the rules are tested without a server; also the figures' table and JSON forms.
#pragma once

#include "load_report.h"

#include <QJsonObject>
#include <QMetaType>
#include <QString>
#include <QStringList>
#include <cstdint>
#include <vector>

namespace turno {

struct SoakLimits {
    double maxRssGrowth = 0.05;  // share of the warm-up's last RSS
    int maxFdSpread = 8;
    double maxP99Ratio = 1.5;    // last window's p99 against the first after the warm-up
    double p99FloorMs = 1;       // that first p99 taken as at least this
};

// One interval of a soak: its own load run, and the server's process sampled
// while the load still held its connections open.
struct SoakWindow {
    int index = 0;
    bool warmup = false;
    double elapsedS = 0;
    double achieved = 0;
    LatencySummary latency;
    uint64_t answers = 0;
    uint64_t errors = 0;
    uint64_t duplicates = 0;
    uint64_t gaps = 0;
    bool procOk = false;  // false: the process could not be read (gone)
    qint64 rssKiB = 0;
    int fds = 0;

    static QString tableHeader();
    QString tableRow() const;
    QJsonObject toJson() const;
};

struct SoakVerdict {
    SoakLimits limits;
    bool complete = false;
    uint64_t errors = 0;
    uint64_t duplicates = 0;
    // The comparisons below need a warm-up and one more window.
    bool compared = false;
    qint64 rssFirstKiB = 0;
    qint64 rssLastKiB = 0;
    double rssGrowth = 0;
    bool rssOk = false;
    int fdMin = 0;
    int fdMax = 0;
    bool fdOk = false;
    double p99FirstMs = 0;
    double p99LastMs = 0;
    double p99LimitMs = 0;
    bool p99Ok = false;
    QStringList broken;  // one line per rule broken, in the order the rules run
    bool passed = false;

    // windows: the rows measured, in order, the first being the warm-up;
    // planned: how many the soak meant to run; interrupted: stopped by the
    // operator (else a short run means the server at pid stopped).
    static SoakVerdict judge(const std::vector<SoakWindow> &windows, int planned, const SoakLimits &limits, bool interrupted,
                             qint64 pid);
    QJsonObject checksJson() const;
    // The lines under the table: RSS, fds, p99, errors, what broke, the verdict.
    QString toText() const;
};

}  // namespace turno

Q_DECLARE_METATYPE(turno::SoakWindow)
