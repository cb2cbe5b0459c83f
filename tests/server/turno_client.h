// TurnoClient: a small blocking HTTP/1.1 client for the server tests. Sends
// requests pipelined in bursts over one keep-alive connection and returns every
// answer in order, so tests can check each number that was handed out.
#pragma once

#include <QByteArray>
#include <QString>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace turno::test {

struct TurnoAnswer {
    int status = 0;
    std::string id;
    int64_t turno = -1;  // -1 when the body had no number
    std::string body;
};

class TurnoClient {
public:
    explicit TurnoClient(uint16_t port);
    ~TurnoClient();
    bool connected() const { return m_fd >= 0; }
    // Sends GET /turno/<ids[i]> for every id, `burst` at a time, and reads the answers.
    bool getMany(const std::vector<std::string> &ids, size_t burst, std::vector<TurnoAnswer> &out, std::string &why);

private:
    bool readResponse(TurnoAnswer &a, std::string &why);
    int m_fd = -1;
    std::string m_buf;
};

// Runs `clients` threads, each doing `perClient` requests; idFor(client, i) picks the id.
// Returns false (and why) if any transport error occurred.
bool runConcurrentClients(const std::vector<uint16_t> &ports, int clients, int perClient, size_t burst,
                          const std::function<std::string(int, int)> &idFor, std::vector<TurnoAnswer> &all,
                          std::string &why);

// Checks that, per id, the turnos form exactly 1..n (unique, consecutive) and
// every status is 200. Returns an empty string when all is well.
std::string checkUniqueConsecutive(const std::vector<TurnoAnswer> &answers);

}  // namespace turno::test
