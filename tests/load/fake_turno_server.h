// FakeTurnoServer: a small keep-alive turno server on its own thread that can
// answer wrongly on purpose (duplicate, gap, wrong id, bad JSON, 503), so the
// tests can check the generator finds exactly the faults it was fed.
#pragma once

#include <QByteArray>
#include <QHash>
#include <QMutex>
#include <QThread>
#include <atomic>
#include <memory>

class QTcpServer;

namespace turno::test {

class FakeTurnoServer {
public:
    // Each fault fires on the n-th request the server receives (1-based, all
    // connections together); -1 never.
    struct Faults {
        int wrongIdAt = -1;    // answers for another id, counter unchanged
        int badJsonAt = -1;    // truncated JSON, counter unchanged
        int duplicateAt = -1;  // hands out the previous number again
        int skipAt = -1;       // increments by two: one number is never handed out
        int status503At = -1;  // 503 with a JSON error, counter unchanged
        int silentAt = -1;     // never answers (the client must time out), counter unchanged
        bool chunkedEvery3rd = false;  // every third answer uses chunked encoding
        bool closeEvery5th = false;    // every fifth answer says Connection: close and hangs up
    };

    FakeTurnoServer();
    explicit FakeTurnoServer(Faults faults);
    ~FakeTurnoServer();
    FakeTurnoServer(const FakeTurnoServer &) = delete;
    FakeTurnoServer &operator=(const FakeTurnoServer &) = delete;

    // Listens on a free loopback port; 0 on failure.
    quint16 start();
    int requests() const { return m_requests.load(); }
    // How many requests each id received.
    QHash<QByteArray, int> perId() const;

    // The answer for one request line target (empty: stay silent; *close:
    // hang up after it); called on the server thread.
    QByteArray answer(const QByteArray &path, bool *close);

private:
    Faults m_faults;
    QThread m_thread;
    QTcpServer *m_server = nullptr;
    std::atomic<int> m_requests{0};
    mutable QMutex m_mutex;
    QHash<QByteArray, qint64> m_counters;
    QHash<QByteArray, int> m_perId;
};

}  // namespace turno::test
