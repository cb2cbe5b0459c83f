// Benchmark: CPU % of one core that HttpScraper needs to scrape N targets at
// 1 Hz (fetch + parse the node_exporter sample). A forked child serves the
// targets on loopback so its CPU is not counted. Prints a table.
//   bench_scrape_cpu [targets (default 100)] [seconds (default 20)]
// cpu%: user+sys of this process over the whole run, and its best and median 5 s window.
#include "scrape/http_scraper.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QTimer>
#include <algorithm>
#include <arpa/inet.h>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

double cpuSeconds()
{
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Keep-alive HTTP/1.1 server on every fd in listeners, answering any request
// with the same metrics body. Runs in the child until killed.
[[noreturn]] void serve(const std::vector<int> &listeners, const std::string &body)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    const std::string response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                                 "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    std::vector<pollfd> fds;
    for (int l : listeners)
        fds.push_back(pollfd{l, POLLIN, 0});
    const size_t nListen = fds.size();
    std::vector<std::string> pending(65536);
    char buf[8192];
    for (;;) {
        if (poll(fds.data(), fds.size(), -1) < 0)
            continue;
        for (size_t i = 0; i < fds.size(); ++i) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            if (i < nListen) {
                const int c = accept(fds[i].fd, nullptr, nullptr);
                if (c >= 0)
                    fds.push_back(pollfd{c, POLLIN, 0});
                continue;
            }
            const int fd = fds[i].fd;
            const ssize_t n = read(fd, buf, sizeof buf);
            if (n <= 0) {
                close(fd);
                pending[size_t(fd)].clear();
                fds.erase(fds.begin() + long(i));
                --i;
                continue;
            }
            std::string &p = pending[size_t(fd)];
            p.append(buf, size_t(n));
            size_t end;
            while ((end = p.find("\r\n\r\n")) != std::string::npos) {
                p.erase(0, end + 4);
                size_t off = 0;
                while (off < response.size()) {
                    const ssize_t w = write(fd, response.data() + off, response.size() - off);
                    if (w <= 0)
                        break;
                    off += size_t(w);
                }
            }
        }
    }
}

}  // namespace

int main(int argc, char **argv)
{
    const int targets = argc > 1 ? std::atoi(argv[1]) : 100;
    const int seconds = argc > 2 ? std::atoi(argv[2]) : 20;
    QFile f(QStringLiteral(TURNO_METRICS_FIXTURES "/node_exporter_sample.txt"));
    if (!f.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "cannot open %s\n", qPrintable(f.fileName()));
        return 1;
    }
    const QByteArray body = f.readAll();

    std::vector<int> listeners;
    std::vector<quint16> ports;
    for (int i = 0; i < targets; ++i) {
        const int fd = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (bind(fd, reinterpret_cast<sockaddr *>(&a), len) != 0 || listen(fd, 64) != 0) {
            std::perror("bind/listen");
            return 1;
        }
        getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
        listeners.push_back(fd);
        ports.push_back(ntohs(a.sin_port));
    }
    const pid_t child = fork();
    if (child == 0)
        serve(listeners, body.toStdString());
    for (int fd : listeners)
        close(fd);

    QCoreApplication app(argc, argv);
    turno::HttpScraper scraper;
    for (int i = 0; i < targets; ++i)
        scraper.addTarget({QStringLiteral("t%1").arg(i), QUrl(QStringLiteral("http://127.0.0.1:%1/metrics").arg(ports[size_t(i)]))});
    long long ok = 0;
    long long failed = 0;
    long long samples = 0;
    double durationSum = 0;
    QString lastError;
    QObject::connect(&scraper, &turno::HttpScraper::scraped, &app, [&](const turno::ScrapeResult &r) {
        if (r.up) {
            ++ok;
            samples += qint64(r.scrape->samples().size());
            durationSum += r.durationSeconds;
        } else {
            ++failed;
            lastError = r.error;
        }
    });
    scraper.start();

    // Warm up (connections, first offsets), then measure in 5 s windows: on a
    // shared machine the quietest window is closest to our own cost.
    const int warmupMs = 3000;
    const int windowMs = 5000;
    double cpuStart = 0;
    double windowCpu = 0;
    QElapsedTimer wall;
    QElapsedTimer window;
    long long okAtStart = 0;
    std::vector<double> windows;
    QTimer windowTimer;
    QObject::connect(&windowTimer, &QTimer::timeout, &app, [&] {
        const double now = cpuSeconds();
        windows.push_back((now - windowCpu) / (double(window.nsecsElapsed()) / 1e9) * 100.0);
        windowCpu = now;
        window.restart();
    });
    QTimer::singleShot(warmupMs, &app, [&] {
        cpuStart = cpuSeconds();
        windowCpu = cpuStart;
        wall.start();
        window.start();
        windowTimer.start(windowMs);
        okAtStart = ok;
    });
    QTimer::singleShot(warmupMs + seconds * 1000, &app, [&] { app.quit(); });
    app.exec();
    const double cpu = cpuSeconds() - cpuStart;
    const double elapsed = double(wall.nsecsElapsed()) / 1e9;
    scraper.stop();
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    std::sort(windows.begin(), windows.end());

    const long long measured = ok - okAtStart;
    std::printf("%-8s %-4s %10s %9s %9s %10s %12s %12s %8s\n", "targets", "hz", "scrapes/s", "failures", "cpu_s",
                "cpu%_all", "cpu%_best5s", "cpu%_med5s", "avg_ms");
    std::printf("%-8d %-4d %10.1f %9lld %9.2f %10.2f %12.2f %12.2f %8.2f\n", targets, 1, double(measured) / elapsed, failed,
                cpu, cpu / elapsed * 100.0, windows.empty() ? 0.0 : windows.front(),
                windows.empty() ? 0.0 : windows[windows.size() / 2], ok ? durationSum / double(ok) * 1000.0 : 0.0);
    std::printf("body %lld bytes, %lld samples per scrape\n", qint64(body.size()), ok ? samples / ok : 0);
    if (failed)
        std::printf("last error: %s\n", qPrintable(lastError));
    return failed ? 1 : 0;
}
