// Fuzzes the HAProxy runtime API answer parsers (`show stat` CSV and
// `show servers state`): any bytes give rows or an error with a message.
#include "fleet/haproxy_runtime.h"

#include <QByteArray>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace turno;
    const QByteArray bytes = QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size));

    const auto stat = HaproxyRuntime::parseShowStat(bytes);
    if (stat.ok()) {
        if (!bytes.startsWith("# "))
            std::abort();  // only text with the CSV header is accepted
        if (stat.value().size() > bytes.count('\n'))
            std::abort();  // at most one row per line after the header
        for (const HaproxyStatRow &r : stat.value()) {
            const QString s = r.stateName();
            if (s.isEmpty() && !r.status.isEmpty())
                std::abort();
        }
    } else if (stat.error().isEmpty()) {
        std::abort();
    }

    const auto state = HaproxyRuntime::parseServersState(bytes);
    if (state.ok()) {
        if (state.value().size() > bytes.count('\n'))
            std::abort();
    } else if (state.error().isEmpty()) {
        std::abort();
    }
    return 0;
}
