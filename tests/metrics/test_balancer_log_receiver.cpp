// BalancerLogReceiver: HAProxy's request log lines ("turno %ST %Ta") become
// per-window counts and p50/p99; anything else is counted as garbage and ignored,
// never a crash nor a figure. Over a real UDP socket on loopback too.
#include "scrape/balancer_log_receiver.h"

#include <QSignalSpy>
#include <QTest>
#include <QUdpSocket>
#include <cmath>

using turno::BalancerLogReceiver;
using turno::BalancerLogWindow;

class TestBalancerLogReceiver : public QObject {
    Q_OBJECT
private slots:
    void parsesItsOwnLineOnly()
    {
        int st = 0, ta = 0;
        QVERIFY(BalancerLogReceiver::parseLine("turno 200 3\n", &st, &ta));
        QCOMPARE(st, 200);
        QCOMPARE(ta, 3);
        QVERIFY(BalancerLogReceiver::parseLine("turno 503 3004", &st, &ta));
        QCOMPARE(st, 503);
        QCOMPARE(ta, 3004);
        // Aborted before an answer: a status, no latency.
        QVERIFY(BalancerLogReceiver::parseLine("turno 400 -1\r\n", &st, &ta));
        QCOMPARE(ta, -1);
        // A syslog header in front (another "format" than raw) is skipped.
        QVERIFY(BalancerLogReceiver::parseLine("<134>Dec  4 02:00:00 haproxy[42]: turno 200 12\n", &st, &ta));
        QCOMPARE(ta, 12);
        for (const char *garbage : {"", "\n", "turno", "turno ", "turno 200", "turno 200 ", "turno 20 3", "turno 1000 3",
                                    "turno abc 3", "turno 200 3x", "turno 200 -2", "turno 200 1234567890",
                                    "returno 200 3", "Proxy turno started.", "turno  200 3", "turno 200 3 extra",
                                    "\xff\xfe\x00turno", "GET /turno/x HTTP/1.1"}) {
            st = ta = -7;
            QVERIFY2(!BalancerLogReceiver::parseLine(QByteArrayView(garbage, qstrlen(garbage)), &st, &ta), garbage);
            QCOMPARE(st, -7);
        }
        // Embedded NULs and binary noise: refused, no read past the view.
        const QByteArray binary("turno 200 \0\0\0", 13);
        QVERIFY(!BalancerLogReceiver::parseLine(binary, &st, &ta));
    }

    void windowsCountAnswersErrorsAndPercentiles()
    {
        BalancerLogReceiver r;
        QSignalSpy rolled(&r, &BalancerLogReceiver::rolled);
        // Before any window: nothing known.
        const BalancerLogWindow first = r.roll(1000);
        QVERIFY(!first.hasWindow());
        QCOMPARE(first.requests, quint64(0));
        QVERIFY(std::isnan(first.p99Ms));
        // 1,000 answers: 980 fast (1 ms), 10 at 40 ms, 10 at 900 ms, 7 of them 5xx; and garbage.
        for (int i = 0; i < 980; ++i)
            r.addLine(i < 3 ? QByteArrayView("turno 503 1\n") : QByteArrayView("turno 200 1\n"));
        for (int i = 0; i < 10; ++i)
            r.addLine("turno 200 40\n");
        for (int i = 0; i < 10; ++i)
            r.addLine(i < 4 ? QByteArrayView("turno 502 900\n") : QByteArrayView("turno 200 900\n"));
        r.addLine("noise");
        r.addLine("turno 200 oops");
        r.addLine("turno 200 99999999");  // beyond kMaxMs: counted in the top bucket
        const BalancerLogWindow w = r.roll(3000);
        QCOMPARE(rolled.size(), 2);
        QCOMPARE(w.windowMs, qint64(2000));
        QCOMPARE(w.requests, quint64(1001));
        QCOMPARE(w.responses5xx, quint64(7));
        QCOMPARE(w.garbageTotal, quint64(2));
        QCOMPARE(w.p50Ms, 1.0);
        // rank ceil(0.99 * 1001) = 991: past the 980 fast ones and the 10 at 40 ms.
        QCOMPARE(w.p99Ms, 900.0);
        QCOMPARE(r.last().p99Ms, 900.0);
        QCOMPARE(r.linesTotal(), quint64(1003));
        // The next window starts empty; the garbage count is since start.
        r.addLine("turno 200 5");
        const BalancerLogWindow next = r.roll(4000);
        QCOMPARE(next.requests, quint64(1));
        QCOMPARE(next.responses5xx, quint64(0));
        QCOMPARE(next.p50Ms, 5.0);
        QCOMPARE(next.p99Ms, 5.0);
        QCOMPARE(next.garbageTotal, quint64(2));
        const BalancerLogWindow empty = r.roll(5000);
        QCOMPARE(empty.requests, quint64(0));
        QVERIFY(std::isnan(empty.p50Ms));
    }

    void receivesDatagramsOnLoopback()
    {
        BalancerLogReceiver r;
        const auto port = r.bind();
        QVERIFY2(port.ok(), port.ok() ? "" : qPrintable(port.error()));
        QVERIFY(port.value() != 0);
        QCOMPARE(r.port(), port.value());
        QVERIFY(r.isBound());
        r.roll(1);  // opens the window the datagrams below fall in
        QUdpSocket sender;
        // More than one recvmmsg chunk, with garbage and an oversized datagram among them.
        const int lines = 3 * BalancerLogReceiver::kChunk + 17;
        for (int i = 0; i < lines; ++i)
            QCOMPARE(sender.writeDatagram(QByteArray(i % 2 ? "turno 200 2\n" : "turno 503 8\n"), QHostAddress::LocalHost, port.value()),
                     qint64(12));
        QVERIFY(sender.writeDatagram(QByteArray(2000, 'x'), QHostAddress::LocalHost, port.value()) == 2000);
        QVERIFY(sender.writeDatagram(QByteArray("bogus\n"), QHostAddress::LocalHost, port.value()) == 6);
        QTRY_COMPARE_WITH_TIMEOUT(r.linesTotal(), quint64(lines + 2), 10000);
        const BalancerLogWindow w = r.roll(1001);
        QCOMPARE(w.requests, quint64(lines));
        QCOMPARE(w.responses5xx, quint64((lines + 1) / 2));
        QCOMPARE(w.garbageTotal, quint64(2));
        QCOMPARE(w.p50Ms, 8.0);
        QCOMPARE(w.p99Ms, 8.0);
    }
};

QTEST_MAIN(TestBalancerLogReceiver)
#include "test_balancer_log_receiver.moc"
