// LoadReport and LoadProgress: what a load run measured and found, live (every
// second) and at the end, with the JSON and CSV forms `turnoctl bench` saves.
#pragma once

#include <QJsonObject>
#include <QMetaType>
#include <QString>
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace turno {

enum class LoadErrorKind : int {
    Connect = 0,  // connect refused or failed
    Io,           // reset, or closed in the middle of an answer
    Timeout,      // no answer within the request timeout
    Http,         // not a parseable HTTP/1.x response
    Status,       // a status other than 200
    Json,         // 200 but the body is not {"id":..,"turno":..}
    WrongId,      // a well-formed answer for another id
    Turno,        // turno not an integer in [1, 2^53-1]
};
constexpr int kLoadErrorKinds = 8;
const char *loadErrorName(LoadErrorKind kind);

using LoadErrorCounts = std::array<uint64_t, kLoadErrorKinds>;

struct LatencySummary {
    double minMs = 0, meanMs = 0, p50Ms = 0, p90Ms = 0, p99Ms = 0, p999Ms = 0, maxMs = 0;
};

struct LoadProgress {
    double elapsedSeconds = 0;
    double requestsPerSecond = 0;  // answers in the last interval
    uint64_t answersTotal = 0;
    LatencySummary latency;        // of the last interval
    LoadErrorCounts errors{};      // in the last interval
    LoadErrorCounts errorsTotal{};
    uint64_t duplicatesSoFar = 0;  // seen within one thread; cross-thread ones appear in the report
};

struct TurnoFinding {
    std::string id;
    uint64_t turno = 0;
};

struct LoadReport {
    QString url;
    int connections = 0;
    int threads = 0;
    double targetRate = 0;  // 0: closed loop
    QString idPattern;
    uint32_t idCount = 0;
    QString idPrefix;

    double durationSeconds = 0;
    uint64_t sent = 0;
    uint64_t answers = 0;
    uint64_t ok = 0;
    uint64_t unanswered = 0;  // still in flight when the run ended
    uint64_t reconnects = 0;
    double requestsPerSecond = 0;
    LatencySummary latency;
    LoadErrorCounts errors{};
    std::map<int, uint64_t> statuses;

    uint64_t duplicates = 0;
    uint64_t gaps = 0;
    std::vector<TurnoFinding> duplicateExamples;
    std::vector<TurnoFinding> gapExamples;
    // Per id, the highest turno answered (ids that got at least one answer, the
    // first kMaxHighestIssued of them): what the counter store must hold at least.
    static constexpr size_t kMaxHighestIssued = 10000;
    std::vector<TurnoFinding> highestIssued;

    std::vector<LoadProgress> timeline;  // one entry per second
    QString failure;  // set when the run could not start

    uint64_t errorTotal() const;
    double errorRate() const;  // errors / max(sent, 1)

    QJsonObject toJson() const;
    // One row per second, then a "total" row.
    QString toCsv() const;
    // The human summary turnoctl prints.
    QString toText() const;
};

}  // namespace turno

Q_DECLARE_METATYPE(turno::LoadProgress)
Q_DECLARE_METATYPE(turno::LoadReport)
