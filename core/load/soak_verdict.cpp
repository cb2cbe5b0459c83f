#include "soak_verdict.h"

#include <algorithm>

namespace turno {

namespace {

QString ms(double v)
{
    return QString::number(v, 'f', 3);
}

QString okOrFail(bool ok)
{
    return ok ? QStringLiteral("ok") : QStringLiteral("FAIL");
}

}  // namespace

QString SoakWindow::tableHeader()
{
    return QStringLiteral("%1 %2 %3 %4 %5 %6 %7 %8 %9\n")
        .arg(QStringLiteral("window"), 6)
        .arg(QStringLiteral("elapsed"), 8)
        .arg(QStringLiteral("req/s"), 8)
        .arg(QStringLiteral("p50 ms"), 8)
        .arg(QStringLiteral("p99 ms"), 8)
        .arg(QStringLiteral("errors"), 7)
        .arg(QStringLiteral("dups"), 5)
        .arg(QStringLiteral("RSS KiB"), 9)
        .arg(QStringLiteral("fds"), 5);
}

QString SoakWindow::tableRow() const
{
    return QStringLiteral("%1 %2 %3 %4 %5 %6 %7 %8 %9\n")
        .arg(QString::number(index) + (warmup ? QStringLiteral("*") : QString()), 6)
        .arg(QString::number(elapsedS, 'f', 0) + QStringLiteral("s"), 8)
        .arg(QString::number(achieved, 'f', 0), 8)
        .arg(ms(latency.p50Ms), 8)
        .arg(ms(latency.p99Ms), 8)
        .arg(errors, 7)
        .arg(duplicates, 5)
        .arg(procOk ? QString::number(rssKiB) : QStringLiteral("-"), 9)
        .arg(procOk ? QString::number(fds) : QStringLiteral("-"), 5);
}

QJsonObject SoakWindow::toJson() const
{
    return QJsonObject{{QStringLiteral("index"), index},
                       {QStringLiteral("warmup"), warmup},
                       {QStringLiteral("elapsed_s"), elapsedS},
                       {QStringLiteral("requests_per_second"), achieved},
                       {QStringLiteral("answers"), double(answers)},
                       {QStringLiteral("p50_ms"), latency.p50Ms},
                       {QStringLiteral("p99_ms"), latency.p99Ms},
                       {QStringLiteral("max_ms"), latency.maxMs},
                       {QStringLiteral("errors"), double(errors)},
                       {QStringLiteral("duplicates"), double(duplicates)},
                       {QStringLiteral("gaps"), double(gaps)},
                       {QStringLiteral("rss_kib"), double(rssKiB)},
                       {QStringLiteral("fds"), fds}};
}

SoakVerdict SoakVerdict::judge(const std::vector<SoakWindow> &windows, int planned, const SoakLimits &limits, bool interrupted,
                               qint64 pid)
{
    SoakVerdict v;
    v.limits = limits;
    const int ran = int(windows.size());
    v.complete = ran == planned && ran > 0 && windows.back().procOk;
    if (!v.complete)
        v.broken << (interrupted ? QStringLiteral("interrupted after %1 of %2 windows").arg(ran).arg(planned)
                                 : QStringLiteral("the server (pid %1) stopped after %2 of %3 windows").arg(pid).arg(ran).arg(planned));
    for (const SoakWindow &w : windows) {
        v.errors += w.errors;
        v.duplicates += w.duplicates;
    }
    if (v.errors)
        v.broken << QStringLiteral("%1 failed requests").arg(v.errors);
    if (v.duplicates)
        v.broken << QStringLiteral("%1 duplicate turnos").arg(v.duplicates);

    if (ran >= 2) {
        // The warm-up's last sample is the RSS baseline: by then the server has
        // grown its buffers for this load.
        const SoakWindow &first = windows.front();
        const SoakWindow &last = windows.back();
        v.compared = true;
        v.rssFirstKiB = first.rssKiB;
        v.rssLastKiB = last.rssKiB;
        v.rssGrowth = first.rssKiB > 0 ? double(last.rssKiB - first.rssKiB) / double(first.rssKiB) : 0;
        v.fdMin = first.fds;
        v.fdMax = first.fds;
        for (const SoakWindow &w : windows)
            if (w.procOk) {
                v.fdMin = std::min(v.fdMin, w.fds);
                v.fdMax = std::max(v.fdMax, w.fds);
            }
        v.p99FirstMs = windows[1].latency.p99Ms;
        v.p99LastMs = last.latency.p99Ms;
        v.p99LimitMs = limits.maxP99Ratio * std::max(v.p99FirstMs, limits.p99FloorMs);
        v.rssOk = v.rssGrowth < limits.maxRssGrowth;
        v.fdOk = v.fdMax - v.fdMin <= limits.maxFdSpread;
        v.p99Ok = v.p99LastMs <= v.p99LimitMs;
        if (!v.rssOk)
            v.broken << QStringLiteral("RSS grew %1% (limit %2%)").arg(v.rssGrowth * 100, 0, 'f', 1).arg(limits.maxRssGrowth * 100, 0, 'f', 1);
        if (!v.fdOk)
            v.broken << QStringLiteral("open descriptors moved between %1 and %2 (limit a spread of %3)")
                            .arg(v.fdMin)
                            .arg(v.fdMax)
                            .arg(limits.maxFdSpread);
        if (!v.p99Ok)
            v.broken << QStringLiteral("last p99 %1 ms > %2 ms").arg(ms(v.p99LastMs), ms(v.p99LimitMs));
    }
    v.passed = v.broken.isEmpty();
    return v;
}

QJsonObject SoakVerdict::checksJson() const
{
    QJsonObject checks{{QStringLiteral("errors"), double(errors)}, {QStringLiteral("duplicates"), double(duplicates)}};
    if (!compared)
        return checks;
    checks.insert(QStringLiteral("rss_first_kib"), double(rssFirstKiB));
    checks.insert(QStringLiteral("rss_last_kib"), double(rssLastKiB));
    checks.insert(QStringLiteral("rss_growth"), rssGrowth);
    checks.insert(QStringLiteral("rss_ok"), rssOk);
    checks.insert(QStringLiteral("fd_min"), fdMin);
    checks.insert(QStringLiteral("fd_max"), fdMax);
    checks.insert(QStringLiteral("fd_ok"), fdOk);
    checks.insert(QStringLiteral("p99_first_ms"), p99FirstMs);
    checks.insert(QStringLiteral("p99_last_ms"), p99LastMs);
    checks.insert(QStringLiteral("p99_limit_ms"), p99LimitMs);
    checks.insert(QStringLiteral("p99_ok"), p99Ok);
    return checks;
}

QString SoakVerdict::toText() const
{
    QString text = QStringLiteral("* warm-up: its last sample is the RSS baseline; p99 compares the next window with the last\n");
    if (compared) {
        text += QStringLiteral("RSS   %1 KiB -> %2 KiB: %3% (limit < %4%)  %5\n")
                    .arg(rssFirstKiB)
                    .arg(rssLastKiB)
                    .arg(rssGrowth * 100, 0, 'f', 2)
                    .arg(limits.maxRssGrowth * 100, 0, 'f', 1)
                    .arg(okOrFail(rssOk));
        text += QStringLiteral("fds   %1..%2: spread %3 (limit %4)  %5\n")
                    .arg(fdMin)
                    .arg(fdMax)
                    .arg(fdMax - fdMin)
                    .arg(limits.maxFdSpread)
                    .arg(okOrFail(fdOk));
        text += QStringLiteral("p99   first %1 ms, last %2 ms (limit %3 x max(first, floor %4 ms) = %5 ms)  %6\n")
                    .arg(ms(p99FirstMs), ms(p99LastMs))
                    .arg(limits.maxP99Ratio)
                    .arg(limits.p99FloorMs)
                    .arg(ms(p99LimitMs))
                    .arg(okOrFail(p99Ok));
    }
    text += QStringLiteral("errors %1, duplicates %2  %3\n").arg(errors).arg(duplicates).arg(okOrFail(!errors && !duplicates));
    for (const QString &b : broken)
        text += QStringLiteral("broken: ") + b + QLatin1Char('\n');
    text += passed ? QStringLiteral("verdict: PASS\n") : QStringLiteral("verdict: FAIL\n");
    return text;
}

}  // namespace turno
