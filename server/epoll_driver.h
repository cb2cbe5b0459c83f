// EpollDriver: the readiness backend: connections sit in the loop's epoll set
// and are read and written with recv()/send() when ready.
#pragma once

#include "io_driver.h"

#include <string>
#include <vector>

namespace turno::server {

class EpollDriver final : public IoDriver {
public:
    EpollDriver(int epollFd, ConnectionTable &conns, ConnectionEvents &events);

    void wait(bool noWait) override;
    void pollPending() override {}
    void add(Connection &c) override;
    void flush(Connection &c) override;
    void want(Connection &c, Interest interest) override;
    bool sending(const Connection &) const override { return false; }
    bool receiving(const Connection &) const override { return true; }
    void release(Connection &) override {}

private:
    void connectionReady(Connection &c, uint32_t events) override;
    void onReadable(Connection &c);
    void onWritable(Connection &c);

    std::string m_readBuffer;
    std::vector<uint32_t> m_masks;  // the events each connection is registered for, by fd
};

}  // namespace turno::server
