// Fuzzes turno-server's id validator on arbitrary bytes: an accepted id is
// 1-64 characters of [A-Za-z0-9._~-] and says nothing; anything else is
// refused with a reason, and the reason names the first bad character.
#include "id_validator.h"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

bool isIdChar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '~' || c == '-';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace turno::server;
    const std::string_view id(reinterpret_cast<const char *>(data), size);
    const IdCheck c = validateId(id);

    size_t firstBad = id.size();
    for (size_t i = 0; i < id.size(); ++i) {
        if (!isIdChar(static_cast<unsigned char>(id[i]))) {
            firstBad = i;
            break;
        }
    }
    const bool shouldAccept = !id.empty() && id.size() <= kMaxIdLength && firstBad == id.size();
    if (c.ok != shouldAccept)
        std::abort();
    if (c.ok != c.problem.empty())
        std::abort();  // a refusal always says why, an acceptance never does
    // Length is checked before characters; a character refusal names its 1-based position.
    if (!c.ok && !id.empty() && id.size() <= kMaxIdLength &&
        c.problem.find("at position " + std::to_string(firstBad + 1) + " ") == std::string::npos)
        std::abort();
    // The reason goes into a 400 body: printable ASCII only, never the raw bytes.
    for (const char ch : c.problem)
        if (static_cast<unsigned char>(ch) < 0x20 || static_cast<unsigned char>(ch) > 0x7e)
            std::abort();
    // Deterministic: the same bytes get the same answer.
    const IdCheck again = validateId(id);
    if (again.ok != c.ok || again.problem != c.problem)
        std::abort();
    return 0;
}
