#include "common/duration.h"

#include <QRegularExpression>

namespace turno {

namespace {

// A unit's length in ms; -1 when the dialect does not have it.
double unitMs(QStringView unit, const DurationSyntax &syntax)
{
    if (unit == u"ms")
        return 1;
    if (unit == u"s")
        return 1000;
    if (unit == u"m")
        return 60000;
    if (unit == u"h")
        return 3600000;
    if (!syntax.days)
        return -1;
    if (unit == u"d")
        return 86400000;
    if (unit == u"w")
        return 7 * 86400000.0;
    return 365 * 86400000.0;  // y
}

}  // namespace

qint64 parseDurationMs(const QString &text, const DurationSyntax &syntax)
{
    // Every unit either dialect knows is matched, so a unit the dialect lacks is refused
    // where it stands rather than leaving a gap.
    static const QRegularExpression whole(QStringLiteral("(\\d+)(ms|s|m|h|d|w|y)"));
    static const QRegularExpression decimal(QStringLiteral("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d|w|y)"));
    // Below 2^53 the double arithmetic is exact for whole numbers of ms; past it, and past
    // qint64, it would not be.
    constexpr double kMaxMs = 9007199254740992.0;
    if (text.isEmpty())
        return -1;
    if (syntax.bareZero && text == QLatin1String("0"))
        return 0;
    qint64 total = 0;
    qsizetype pos = 0;
    auto it = (syntax.decimals ? decimal : whole).globalMatch(text);
    while (it.hasNext()) {
        const auto m = it.next();
        if (m.capturedStart() != pos)
            return -1;
        pos = m.capturedEnd();
        const double factor = unitMs(m.capturedView(2), syntax);
        if (factor < 0)
            return -1;
        const double ms = m.capturedView(1).toDouble() * factor;
        if (!(ms < kMaxMs) || double(total) + ms >= kMaxMs)
            return -1;
        total += qint64(ms);
    }
    return pos == text.size() ? total : -1;
}

}  // namespace turno
