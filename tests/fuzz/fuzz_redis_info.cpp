// Fuzz target: RedisInfo::parse must return a result or an error on any bytes,
// and the derived figures must be computable from whatever it accepted.
#include "redis/redis_info.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const auto r = turno::RedisInfo::parse(QByteArrayView(reinterpret_cast<const char *>(data), qsizetype(size)));
    if (!r) {
        if (r.error().isEmpty())
            std::abort();
        return 0;
    }
    (void)r->totalKeys();
    (void)r->replicas().size();
    (void)r->errorStats().size();
    (void)r->usedMemoryBytes();
    (void)turno::RedisInfo::cpuPercent(r.value(), r.value(), 1.0);
    (void)turno::RedisInfo::restartedBetween(r.value(), r.value());
    return 0;
}
