// Fuzzes the alert rules file loader on arbitrary bytes, and the duration
// parser on the same bytes as text: refusals carry a message, accepted
// rules have sane fields, durations are -1 or non-negative.
#include "alerts/alert_rule.h"

#include <QByteArray>
#include <QString>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace turno;
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));

    const auto r = AlertRuleLoader::loadBytes(bytes, QStringLiteral("fuzz.json"));
    if (!r.ok()) {
        if (r.error().isEmpty())
            std::abort();
    } else {
        for (const AlertRule &rule : r.value().rules) {
            if (rule.forMs < 0 || rule.keepFiringForMs < 0)
                std::abort();
            if (rule.severity != QLatin1String("info") && rule.severity != QLatin1String("warning") &&
                rule.severity != QLatin1String("critical"))
                std::abort();
            if (r.value().find(rule.name) == nullptr)
                std::abort();
            (void)rule.breaches(rule.threshold);
            (void)rule.stillFiring(rule.resolveThreshold);
        }
    }

    const QString text = QString::fromUtf8(bytes);
    const qint64 ms = AlertRuleLoader::parseDuration(text);
    if (ms < -1)
        std::abort();
    if (ms >= 0) {
        // What formatDuration writes, parseDuration reads back to the same value.
        const QString formatted = AlertRuleLoader::formatDuration(ms);
        if (AlertRuleLoader::parseDuration(formatted) != ms)
            std::abort();
    }
    return 0;
}
