// Benchmark: CPU % of one core that HttpScraper needs to scrape N targets at
// 1 Hz (fetch + parse the node_exporter sample). A forked child serves the
// targets on loopback so its CPU is not counted. Prints a table.
//   bench_scrape_cpu [targets (100)] [seconds (20)] [runs (1)] [own|qnam|both (own)]
// own: HttpScraper's HttpConnection; qnam: QNetworkAccessManager (the client
// before it); both: alternating rounds in one process (A B A B), medians last.
// cpu%: user+sys of this process over the measured seconds, best and median
// 5 s window; cpu_s/100scr: user+sys seconds per 100 scrapes.
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
    const int runs = argc > 3 ? std::max(1, std::atoi(argv[3])) : 1;
    const std::string which = argc > 4 ? argv[4] : "own";
    std::vector<bool> clients;  // true: QNetworkAccessManager
    if (which == "own" || which == "both")
        clients.push_back(false);
    if (which == "qnam" || which == "both")
        clients.push_back(true);
    if (clients.empty()) {
        std::fprintf(stderr, "client must be own, qnam or both\n");
        return 2;
    }
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
    struct Round {
        const char *client;
        double cpu = 0;        // user+sys seconds in the measured window
        double elapsed = 0;
        long long scrapes = 0;
        long long failed = 0;
        double best5s = 0;
        double median5s = 0;
        double avgMs = 0;
        long long samplesPerScrape = 0;
        QString lastError;
    };
    // One scraper, warmed up (connections, first offsets), then measured in
    // 5 s windows: on a shared machine the quietest window is closest to our own cost.
    auto measure = [&](bool qtNetwork) {
        Round round;
        round.client = qtNetwork ? "qnam" : "own";
        turno::HttpScraper::Options options;
        options.qtNetworkForHttp = qtNetwork;
        turno::HttpScraper scraper(options);
        for (int i = 0; i < targets; ++i)
            scraper.addTarget({QStringLiteral("t%1").arg(i), QUrl(QStringLiteral("http://127.0.0.1:%1/metrics").arg(ports[size_t(i)]))});
        long long ok = 0;
        long long samples = 0;
        double durationSum = 0;
        QObject::connect(&scraper, &turno::HttpScraper::scraped, &app, [&](const turno::ScrapeResult &r) {
            if (r.up) {
                ++ok;
                samples += qint64(r.scrape->samples().size());
                durationSum += r.durationSeconds;
            } else {
                ++round.failed;
                round.lastError = r.error;
            }
        });
        scraper.start();
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
        round.cpu = cpuSeconds() - cpuStart;
        round.elapsed = double(wall.nsecsElapsed()) / 1e9;
        round.scrapes = ok - okAtStart;
        scraper.stop();
        std::sort(windows.begin(), windows.end());
        round.best5s = windows.empty() ? 0.0 : windows.front();
        round.median5s = windows.empty() ? 0.0 : windows[windows.size() / 2];
        round.avgMs = ok ? durationSum / double(ok) * 1000.0 : 0.0;
        round.samplesPerScrape = ok ? samples / ok : 0;
        return round;
    };

    // A B A B ...: both clients see the same machine load, so their ratio
    // within a run means more than either figure alone.
    std::vector<Round> rounds;
    for (int r = 0; r < runs; ++r)
        for (const bool qtNetwork : clients)
            rounds.push_back(measure(qtNetwork));
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);

    std::printf("%-6s %-5s %-8s %10s %9s %9s %10s %12s %12s %15s %8s\n", "round", "client", "targets", "scrapes/s",
                "failures", "cpu_s", "cpu%_all", "cpu%_best5s", "cpu%_med5s", "cpu_s/100scr", "avg_ms");
    long long failed = 0;
    for (size_t i = 0; i < rounds.size(); ++i) {
        const Round &r = rounds[i];
        failed += r.failed;
        std::printf("%-6zu %-6s %-8d %10.1f %9lld %9.2f %10.2f %12.2f %12.2f %15.4f %8.2f\n", i / clients.size() + 1,
                    r.client, targets, double(r.scrapes) / r.elapsed, r.failed, r.cpu, r.cpu / r.elapsed * 100.0,
                    r.best5s, r.median5s, r.scrapes ? r.cpu / double(r.scrapes) * 100.0 : 0.0, r.avgMs);
        if (r.failed)
            std::printf("       last error: %s\n", qPrintable(r.lastError));
    }
    for (const bool qtNetwork : clients) {
        std::vector<double> all, per100;
        for (const Round &r : rounds)
            if ((std::strcmp(r.client, "qnam") == 0) == qtNetwork) {
                all.push_back(r.cpu / r.elapsed * 100.0);
                per100.push_back(r.scrapes ? r.cpu / double(r.scrapes) * 100.0 : 0.0);
            }
        std::sort(all.begin(), all.end());
        std::sort(per100.begin(), per100.end());
        std::printf("median of %zu  %-5s cpu%%_all %.2f  cpu_s/100 scrapes %.4f  (min %.2f, max %.2f)\n", all.size(),
                    qtNetwork ? "qnam" : "own", all[all.size() / 2], per100[per100.size() / 2], all.front(), all.back());
    }
    std::printf("body %lld bytes, %lld samples per scrape\n", qint64(body.size()),
                rounds.empty() ? 0 : rounds.front().samplesPerScrape);
    return failed ? 1 : 0;
}
