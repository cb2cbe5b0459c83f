// Fuzzes the cluster profile loader on arbitrary bytes: a refusal always
// carries a message, and an accepted profile validates and survives a
// round trip through toJson.
#include "fleet/cluster_profile.h"

#include <QByteArray>
#include <QString>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace turno;
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    const auto r = ProfileLoader::loadBytes(bytes, QStringLiteral("fuzz.json"));
    if (!r.ok()) {
        if (r.error().isEmpty())
            std::abort();
        return 0;
    }
    const ClusterProfile &p = r.value();
    if (!ProfileLoader::validate(p).ok())
        std::abort();  // loadBytes accepted what validate refuses
    if (p.totalNodes() < 0)
        std::abort();
    const auto again = ProfileLoader::loadBytes(ProfileLoader::toJson(p), QStringLiteral("fuzz-roundtrip.json"));
    if (!again.ok())
        std::abort();  // what the loader accepted, its own serialiser must reproduce acceptably
    if (again.value().totalNodes() != p.totalNodes())
        std::abort();
    return 0;
}
