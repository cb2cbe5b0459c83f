// UnexpectedInputProbe: sends a turno server the requests nobody planned for
// (bad ids, huge headers, slow senders, wrong methods, pipelined bursts...)
// and checks each answer is a documented status and the server still serves.
#pragma once

#include "load_config.h"

#include <QJsonObject>
#include <QString>
#include <string>
#include <vector>

namespace turno {

struct UnexpectedCase {
    std::string name;
    std::string what;                 // one line for the report
    std::vector<std::string> pieces;  // sent in order, with pauseMs between them
    int pauseMs = 0;
    int expectedAnswers = 1;
    std::vector<int> allowed;         // statuses that pass
    std::string consecutiveId;        // set: the answers are this id's turnos and must count up by one
    std::string limitId;              // set: this id's counter is near 2^53-1; past it only 409
};

struct UnexpectedOutcome {
    std::string name;
    std::string what;
    std::vector<int> statuses;        // in the order answered; empty if none
    std::vector<int> allowed;
    bool passed = false;
    bool serving = false;             // a normal request succeeded right after
    QString note;
};

struct UnexpectedReport {
    std::vector<UnexpectedOutcome> outcomes;
    bool passed = false;
    int failures() const;
    QJsonObject toJson() const;
    QString toCsv() const;
    QString toText() const;
};

class UnexpectedInputProbe {
public:
    // The documented turno statuses: anything else fails a case.
    static const std::vector<int> &documentedStatuses();
    // The cases for a target; ids carry idPrefix so runs do not collide.
    // nearLimitId: an id whose counter the operator set close to 2^53-1 (in
    // Redis, say); its case checks the service stops at the limit with 409.
    static std::vector<UnexpectedCase> cases(const LoadConfig &target, const std::string &idPrefix,
                                             const std::string &nearLimitId = {});
    static UnexpectedOutcome runCase(const LoadConfig &target, const UnexpectedCase &c, const std::string &healthId);
    static UnexpectedReport run(const LoadConfig &target, const std::string &nearLimitId = {});
};

}  // namespace turno
