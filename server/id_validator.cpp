#include "id_validator.h"

namespace turno::server {

namespace {
bool isIdChar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '~' || c == '-';
}
}  // namespace

IdCheck validateId(std::string_view id)
{
    IdCheck r;
    if (id.empty()) {
        r.problem = "id is empty";
        return r;
    }
    if (id.size() > kMaxIdLength) {
        r.problem = "id is " + std::to_string(id.size()) + " characters long; the limit is 64";
        return r;
    }
    for (size_t i = 0; i < id.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(id[i]);
        if (!isIdChar(c)) {
            char hex[8];
            static const char digits[] = "0123456789ABCDEF";
            hex[0] = '0';
            hex[1] = 'x';
            hex[2] = digits[c >> 4];
            hex[3] = digits[c & 15];
            hex[4] = 0;
            r.problem = "character " + std::string(hex) + " at position " + std::to_string(i + 1) +
                        " is not allowed; ids use A-Z a-z 0-9 . _ ~ -";
            return r;
        }
    }
    r.ok = true;
    return r;
}

}  // namespace turno::server
