// Lexical pieces of the Prometheus/OpenMetrics text grammar shared by the
// parser's files: character classes, UTF-8 check, sample values, error quoting.
// Private to core/metrics; inline because they sit on the per-byte hot path.
#pragma once

#include <QString>
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace turno::promtext {

// Character classes as one table lookup: names are most of the bytes parsed.
enum : std::uint8_t { kLabelStart = 1, kLabelChar = 2, kNameStart = 4, kNameChar = 8 };
constexpr std::array<std::uint8_t, 256> makeClasses()
{
    std::array<std::uint8_t, 256> t{};
    for (int c = 0; c < 256; ++c) {
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        const bool digit = c >= '0' && c <= '9';
        t[size_t(c)] = std::uint8_t((alpha ? kLabelStart | kNameStart : 0) | (alpha || digit ? kLabelChar | kNameChar : 0) |
                                    (c == ':' ? kNameStart | kNameChar : 0));
    }
    return t;
}
inline constexpr std::array<std::uint8_t, 256> kClasses = makeClasses();

inline bool isBlank(char c) { return c == ' ' || c == '\t'; }
inline bool isNameStart(char c) { return kClasses[static_cast<unsigned char>(c)] & kNameStart; }
inline bool isNameChar(char c) { return kClasses[static_cast<unsigned char>(c)] & kNameChar; }
inline bool isLabelStart(char c) { return kClasses[static_cast<unsigned char>(c)] & kLabelStart; }
inline bool isLabelChar(char c) { return kClasses[static_cast<unsigned char>(c)] & kLabelChar; }

inline bool validUtf8(std::string_view s)
{
    const auto *p = reinterpret_cast<const unsigned char *>(s.data());
    const auto *end = p + s.size();
    while (p < end) {
        const unsigned c = *p;
        if (c < 0x80) {
            ++p;
            continue;
        }
        int extra;
        unsigned min;
        if ((c & 0xE0) == 0xC0) {
            extra = 1;
            min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            extra = 2;
            min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            extra = 3;
            min = 0x10000;
        } else {
            return false;
        }
        if (end - p <= extra)
            return false;
        unsigned cp = c & (0x3F >> extra);
        for (int i = 1; i <= extra; ++i) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        p += extra + 1;
    }
    return true;
}

inline QString quoted(std::string_view s)
{
    constexpr size_t kMax = 60;
    QString q = QString::fromUtf8(s.data(), qsizetype(std::min(s.size(), kMax)));
    // Control characters would vanish or garble the terminal.
    q.replace(QLatin1Char('\r'), QLatin1String("\\r")).replace(QLatin1Char('\t'), QLatin1String("\\t"));
    if (s.size() > kMax)
        q += QStringLiteral("...");
    return QLatin1Char('\'') + q + QLatin1Char('\'');
}

// Go's strconv.ParseFloat accepts these spellings (any case), which is what
// Prometheus reads sample values with.
inline bool parseSpecialFloat(std::string_view t, double &out)
{
    std::string lower;
    lower.reserve(t.size());
    for (char c : t)
        lower += char((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
    if (lower == "nan") {
        out = std::nan("");
        return true;
    }
    if (lower == "inf" || lower == "+inf" || lower == "infinity" || lower == "+infinity") {
        out = HUGE_VAL;
        return true;
    }
    if (lower == "-inf" || lower == "-infinity") {
        out = -HUGE_VAL;
        return true;
    }
    return false;
}

// Decimal floating point, both formats: [sign] digits [. digits] [e [sign] digits].
inline bool parseDecimal(std::string_view t, double &out)
{
    if (t.empty())
        return false;
    size_t i = 0;
    if (t[0] == '+' || t[0] == '-')
        ++i;
    size_t digits = 0;
    size_t j = i;
    while (j < t.size() && t[j] >= '0' && t[j] <= '9') {
        ++j;
        ++digits;
    }
    if (j < t.size() && t[j] == '.') {
        ++j;
        while (j < t.size() && t[j] >= '0' && t[j] <= '9') {
            ++j;
            ++digits;
        }
    }
    if (digits == 0)
        return false;
    if (j < t.size() && (t[j] == 'e' || t[j] == 'E')) {
        ++j;
        if (j < t.size() && (t[j] == '+' || t[j] == '-'))
            ++j;
        size_t expDigits = 0;
        while (j < t.size() && t[j] >= '0' && t[j] <= '9') {
            ++j;
            ++expDigits;
        }
        if (expDigits == 0)
            return false;
    }
    if (j != t.size())
        return false;
    // from_chars refuses a leading '+'; the grammar above allows it.
    const size_t start = (t[0] == '+') ? 1 : 0;
    const auto res = std::from_chars(t.data() + start, t.data() + t.size(), out);
    if (res.ec == std::errc::result_out_of_range) {
        // Go rounds to ±Inf or 0 rather than failing; so do we.
        out = std::strtod(std::string(t).c_str(), nullptr);
        return true;
    }
    return res.ec == std::errc() && res.ptr == t.data() + t.size();
}

// A sample value. Both grammars take the same spellings: OpenMetrics' ABNF
// makes "inf", "infinity" (signed) and "nan" case-insensitive, as Go's
// ParseFloat (Prometheus 0.0.4) does.
inline bool parseValue(std::string_view t, double &out)
{
    return parseDecimal(t, out) || parseSpecialFloat(t, out);
}

}  // namespace turno::promtext
