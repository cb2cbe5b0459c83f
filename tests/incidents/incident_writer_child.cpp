// incident_writer_child DB: records events through IncidentStore as fast as it
// can, in batches of varying size, and after each commit prints "committed ID"
// (the last id of the batch). test_incident_sigkill kills it with SIGKILL mid-write.
#include "incidents/incident_store.h"

#include <QCoreApplication>
#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (argc != 2) {
        std::fprintf(stderr, "usage: incident_writer_child DB\n");
        return 2;
    }
    turno::IncidentStore store;
    turno::IncidentStore::Options options;
    options.retentionDays = 0;
    options.pruneDaily = false;
    if (const auto r = store.open(QString::fromLocal8Bit(argv[1]), options); !r) {
        std::fprintf(stderr, "%s\n", qPrintable(r.error()));
        return 3;
    }
    // Continue the sequence of an earlier (killed) run: ids are consecutive.
    const auto existing = store.countEvents({});
    qint64 seq = existing ? existing.value() : 0;
    const QString padding(600, QLatin1Char('x'));  // larger rows: more pages per commit, more WAL traffic
    for (int batch = 0;; ++batch) {
        const int size = 1 + (batch * 37) % 120;
        for (int i = 0; i < size; ++i) {
            ++seq;
            store.record(QStringLiteral("writer"), QStringLiteral("node-%1").arg(seq % 5), QStringLiteral("note"),
                         turno::Severity::Info, QStringLiteral("event %1").arg(seq),
                         QJsonObject{{QStringLiteral("seq"), seq}, {QStringLiteral("pad"), padding}});
        }
        const auto last = store.flush();
        if (!last) {
            std::fprintf(stderr, "%s\n", qPrintable(last.error()));
            return 1;
        }
        std::printf("committed %lld\n", static_cast<long long>(last.value()));
        std::fflush(stdout);
    }
}
