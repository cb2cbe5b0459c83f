// Connection: one client socket of a loop: its buffers, the responses still
// waiting on Redis, its timestamps and where it is in its life (ConnState).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

namespace turno::server {

// Each state implies the ones before it were passed: Lingering and Shed are
// both closing, and nothing is read for a request once past Open.
enum class ConnState : uint8_t {
    Closed,     // the slot is free (its generation moved on)
    Open,       // reading and answering requests
    Closing,    // close once everything queued is written
    Lingering,  // write side shut; discarding input until EOF
    Shed,       // shut down under pressure; closes on the EOF that follows
};

struct Connection {
    // A response after the first one still waiting on Redis.
    struct Slot {
        bool ready = false;
        std::string bytes;
    };

    bool isOpen() const { return state != ConnState::Closed; }
    // Past its last request: closes once its output is out.
    bool isClosing() const { return state >= ConnState::Closing; }
    // Lingering or shed: only the peer's EOF or the linger timeout is waited for.
    bool isEnding() const { return state >= ConnState::Lingering; }
    // No request after this one; a lingering or shed connection stays as it is.
    void markClosing()
    {
        if (state == ConnState::Open)
            state = ConnState::Closing;
    }

    int fd = -1;
    uint32_t gen = 0;
    ConnState state = ConnState::Closed;
    std::string in;
    std::string out;
    size_t outOffset = 0;
    std::deque<Slot> slots;
    uint64_t headSeq = 0;
    uint64_t acceptedNs = 0;
    uint64_t lastActivityNs = 0;
    uint64_t headStartNs = 0;  // a partial request head has been waiting since
    uint64_t lingerSinceNs = 0;
    uint64_t flushPass = 0;    // the loop pass it was queued for a flush in (0: none)
    uint32_t served = 0;
};

}  // namespace turno::server
