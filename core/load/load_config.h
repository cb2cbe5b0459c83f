// LoadConfig: everything one load run needs, in plain C++ so the generator
// threads never touch Qt; parseLoadTarget turns an operator's URL into it.
#pragma once

#include "common/result.h"

#include <QString>
#include <cstdint>
#include <functional>
#include <string>

namespace turno {

enum class IdPattern { Single, Uniform, Zipf };

struct LoadConfig {
    // Target: an IPv4 address literal; loopback unless allowRemote says the
    // operator named a remote target on purpose.
    std::string host = "127.0.0.1";
    uint16_t port = 7017;
    std::string pathPrefix = "/turno/";  // requests go to pathPrefix + id
    std::string hostHeader = "127.0.0.1:7017";
    bool allowRemote = false;

    int connections = 16;
    int threads = 2;
    double durationSeconds = 10.0;  // always bounded, even when requests is set
    uint64_t requests = 0;          // 0: bounded by duration only
    double rate = 0.0;              // requests/s over all connections; 0: closed loop
    double requestTimeoutSeconds = 5.0;

    IdPattern pattern = IdPattern::Single;
    uint32_t idCount = 1;
    double zipfExponent = 1.0;
    // Empty: a fresh random prefix per run, so every id starts at 1 and gaps
    // are counted from 1. Given: the ids may already have numbers.
    std::string idPrefix;

    size_t maxExamples = 10;  // duplicates/gaps listed in the report
    uint64_t seed = 0;        // 0: from the clock

    // Called for every well-formed number answered (id index, turno, CLOCK_MONOTONIC
    // ns), on the worker threads, so it must be thread-safe and quick. For callers
    // that check numbers across several runs at once (the chaos suite's ledger
    // over every node); a run's own report never needs it.
    std::function<void(uint32_t idIndex, uint64_t turno, uint64_t monoNs)> answerObserver;

    QString url() const;
};

// The ids a run asks for: "<prefix>" for one id, "<prefix>-<k>" for K ids.
std::string loadIdName(const std::string &prefix, uint32_t k, uint32_t count);

// Fills host/port/pathPrefix/hostHeader from "http://127.0.0.1:7017[/prefix]".
// Only IPv4 literals and "localhost": the generator never resolves names, so
// it cannot be pointed somewhere unexpected by DNS.
Result<void> parseLoadTarget(const QString &url, LoadConfig *config);

// Checks ranges and the loopback rule; the message names the flag to change.
Result<void> validateLoadConfig(const LoadConfig &config);

}  // namespace turno
