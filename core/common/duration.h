// parseDurationMs: the one parser of durations written as numbers with units,
// repeated ("1m30s", "500ms"), in the two dialects the project reads: the
// alert rules' (and turnoctl's --for) and Prometheus's.
#pragma once

#include <QString>

namespace turno {

// What a dialect accepts besides whole numbers with the units ms, s, m and h.
struct DurationSyntax {
    bool decimals = false;  // "1.5h"
    bool days = false;      // d, w (7 d) and y (365 d)
    bool bareZero = false;  // "0" alone, without a unit

    // The alert rules' files, alertmanager_resend, turnoctl silence --for: "1.5h", "0".
    static constexpr DurationSyntax alertRules() { return {true, false, true}; }
    // Prometheus's own (a target's scrapeInterval): d, w and y too, no decimals.
    static constexpr DurationSyntax prometheus() { return {false, true, false}; }
};

// text in milliseconds; -1 when syntax does not have it: empty, a number
// without its unit or a unit without its number, spaces or signs, a unit or a
// decimal point the dialect lacks, or 2^53 ms and more (past which the sum is
// no longer exact). A part's fraction of a millisecond is dropped ("1.5ms" is 1).
qint64 parseDurationMs(const QString &text, const DurationSyntax &syntax);

}  // namespace turno
