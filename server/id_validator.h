// Turno ids: 1-64 characters of RFC 3986 "unreserved" [A-Za-z0-9._~-], taken
// literally from the path (no percent-decoding: '%' is not an id character).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace turno::server {

constexpr size_t kMaxIdLength = 64;

struct IdCheck {
    bool ok = false;
    std::string problem;  // why the id is refused, for the 400 body
};

IdCheck validateId(std::string_view id);

}  // namespace turno::server
