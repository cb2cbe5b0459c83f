// What receiving HAProxy's request log costs the supervising process: a sender
// thread sends "turno 200 N" lines over loopback UDP at a fixed rate to a
// BalancerLogReceiver on this thread's event loop (rolled once a second, as the
// collector does), and the receiving thread's CPU time is printed per rate,
// rate 0 being the same loop with nothing to receive. Prints figures; asserts nothing.
//   bench_balancer_log [seconds-per-rate]
#include "scrape/balancer_log_receiver.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QTimer>
#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace {

double threadCpuMs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

// Sends rate lines per second to port for seconds, paced in 1 ms steps.
void sendLines(quint16 port, int rate, double seconds, std::atomic<quint64> *sent)
{
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(port);
    const auto start = std::chrono::steady_clock::now();
    quint64 n = 0;
    char line[32];
    for (;;) {
        const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (elapsed >= seconds)
            break;
        const quint64 due = quint64(elapsed * rate);
        for (; n < due; ++n) {
            const int len = std::snprintf(line, sizeof line, "turno %d %d\n", n % 100 ? 200 : 503, int(n % 37));
            ::sendto(fd, line, size_t(len), 0, reinterpret_cast<sockaddr *>(&to), sizeof to);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    sent->store(n);
    ::close(fd);
}

}  // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const double seconds = argc > 1 ? std::atof(argv[1]) : 5.0;
    for (const int rate : {0, 1000, 5000, 20000}) {
        turno::BalancerLogReceiver receiver;
        const auto port = receiver.bind();
        if (!port.ok()) {
            std::fprintf(stderr, "%s\n", qPrintable(port.error()));
            return 1;
        }
        QTimer roll;
        QObject::connect(&roll, &QTimer::timeout, &receiver, [&] { receiver.roll(QDateTime::currentMSecsSinceEpoch()); });
        roll.start(1000);
        std::atomic<quint64> sent{0};
        const double cpuBefore = threadCpuMs();
        QElapsedTimer wall;
        wall.start();
        std::thread sender(sendLines, port.value(), rate, seconds, &sent);
        // Run the loop for the whole send, then let the last datagrams in.
        QTimer::singleShot(int(seconds * 1000) + 200, &app, &QCoreApplication::quit);
        app.exec();
        sender.join();
        receiver.roll(QDateTime::currentMSecsSinceEpoch());
        const double cpuMs = threadCpuMs() - cpuBefore;
        const double wallMs = double(wall.elapsed());
        const quint64 got = receiver.linesTotal();
        std::printf("FIGURE balancer-log rate=%d lines_sent=%llu lines_received=%llu garbage=%llu cpu_ms=%.1f wall_ms=%.0f "
                    "cpu_percent=%.2f ns_per_line=%.0f\n",
                    rate, (unsigned long long)sent.load(), (unsigned long long)got,
                    (unsigned long long)receiver.last().garbageTotal, cpuMs, wallMs, 100.0 * cpuMs / wallMs,
                    got ? cpuMs * 1e6 / double(got) : 0.0);
        std::fflush(stdout);
    }
    return 0;
}
