#include "turno_client.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cstring>
#include <map>
#include <mutex>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace turno::test {

TurnoClient::TurnoClient(uint16_t port)
{
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) {
        ::close(fd);
        return;
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    m_fd = fd;
}

TurnoClient::~TurnoClient()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

bool TurnoClient::readResponse(TurnoAnswer &a, std::string &why)
{
    for (;;) {
        const size_t headEnd = m_buf.find("\r\n\r\n");
        if (headEnd != std::string::npos) {
            const size_t cl = m_buf.find("Content-Length: ");
            if (cl == std::string::npos || cl > headEnd) {
                why = "response without Content-Length";
                return false;
            }
            const size_t len = std::strtoul(m_buf.c_str() + cl + 16, nullptr, 10);
            if (m_buf.size() >= headEnd + 4 + len) {
                a.status = std::atoi(m_buf.c_str() + 9);
                a.body = m_buf.substr(headEnd + 4, len);
                m_buf.erase(0, headEnd + 4 + len);
                const size_t idPos = a.body.find("\"id\":\"");
                if (idPos != std::string::npos) {
                    const size_t idEnd = a.body.find('"', idPos + 6);
                    a.id = a.body.substr(idPos + 6, idEnd - idPos - 6);
                }
                const size_t tPos = a.body.find("\"turno\":");
                if (tPos != std::string::npos)
                    a.turno = std::strtoll(a.body.c_str() + tPos + 8, nullptr, 10);
                return true;
            }
        }
        pollfd p{m_fd, POLLIN, 0};
        if (::poll(&p, 1, 10000) <= 0) {
            why = "timed out waiting for a response";
            return false;
        }
        char buf[65536];
        const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
        if (n <= 0) {
            why = "connection closed by server";
            return false;
        }
        m_buf.append(buf, size_t(n));
    }
}

bool TurnoClient::getMany(const std::vector<std::string> &ids, size_t burst, std::vector<TurnoAnswer> &out,
                          std::string &why)
{
    if (m_fd < 0) {
        why = "not connected";
        return false;
    }
    for (size_t i = 0; i < ids.size(); i += burst) {
        const size_t end = std::min(ids.size(), i + burst);
        std::string req;
        for (size_t k = i; k < end; ++k)
            req += "GET /turno/" + ids[k] + " HTTP/1.1\r\nHost: test\r\n\r\n";
        size_t off = 0;
        while (off < req.size()) {
            const ssize_t n = ::send(m_fd, req.data() + off, req.size() - off, MSG_NOSIGNAL);
            if (n <= 0) {
                why = "send failed";
                return false;
            }
            off += size_t(n);
        }
        for (size_t k = i; k < end; ++k) {
            TurnoAnswer a;
            if (!readResponse(a, why))
                return false;
            out.push_back(std::move(a));
        }
    }
    return true;
}

bool runConcurrentClients(const std::vector<uint16_t> &ports, int clients, int perClient, size_t burst,
                          const std::function<std::string(int, int)> &idFor, std::vector<TurnoAnswer> &all,
                          std::string &why)
{
    std::mutex mu;
    std::vector<std::thread> threads;
    bool ok = true;
    for (int c = 0; c < clients; ++c) {
        threads.emplace_back([&, c] {
            TurnoClient client(ports[size_t(c) % ports.size()]);
            std::vector<std::string> ids;
            ids.reserve(size_t(perClient));
            for (int i = 0; i < perClient; ++i)
                ids.push_back(idFor(c, i));
            std::vector<TurnoAnswer> mine;
            mine.reserve(size_t(perClient));
            std::string err;
            const bool good = client.getMany(ids, burst, mine, err);
            std::lock_guard lock(mu);
            if (!good) {
                ok = false;
                why = "client " + std::to_string(c) + ": " + err;
            }
            all.insert(all.end(), std::make_move_iterator(mine.begin()), std::make_move_iterator(mine.end()));
        });
    }
    for (auto &t : threads)
        t.join();
    return ok;
}

std::string checkUniqueConsecutive(const std::vector<TurnoAnswer> &answers)
{
    std::map<std::string, std::vector<int64_t>> perId;
    for (const TurnoAnswer &a : answers) {
        if (a.status != 200)
            return "status " + std::to_string(a.status) + ": " + a.body;
        perId[a.id].push_back(a.turno);
    }
    for (auto &[id, nums] : perId) {
        std::sort(nums.begin(), nums.end());
        for (size_t i = 0; i < nums.size(); ++i) {
            if (i > 0 && nums[i] == nums[i - 1])
                return "id " + id + ": number " + std::to_string(nums[i]) + " handed out twice";
            if (nums[i] != int64_t(i) + 1)
                return "id " + id + ": expected " + std::to_string(i + 1) + " at position " + std::to_string(i) +
                       ", got " + std::to_string(nums[i]) + " (gap)";
        }
    }
    return {};
}

}  // namespace turno::test
