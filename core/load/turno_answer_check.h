// TurnoAnswerCheck: decides whether a 200 body is a well-formed turno answer
// for the id that was asked. A byte-exact fast path for the canonical form,
// a full JSON parse for anything else (other spacing, key order, escapes).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace turno {

enum class AnswerVerdict {
    Ok,
    BadJson,   // not JSON, not an object, or "id"/"turno" missing or of the wrong type
    WrongId,   // a well-formed answer for another id
    BadTurno,  // turno is not an integer in [1, 2^53-1]
};

struct AnswerCheck {
    AnswerVerdict verdict = AnswerVerdict::BadJson;
    uint64_t turno = 0;
};

class TurnoAnswerCheck {
public:
    static constexpr uint64_t kMaxTurno = 9007199254740991ULL;  // 2^53-1

    // The canonical prefix of an answer for id: {"id":"<id>","turno":
    static std::string canonicalPrefix(std::string_view id);

    // prefix must be canonicalPrefix(id); callers precompute it once per id.
    static AnswerCheck check(std::string_view body, std::string_view id, std::string_view prefix)
    {
        if (body.size() > prefix.size() && body.compare(0, prefix.size(), prefix) == 0) {
            size_t i = prefix.size();
            uint64_t v = 0;
            const size_t first = i;
            while (i < body.size() && body[i] >= '0' && body[i] <= '9' && i - first < 17) {
                v = v * 10 + uint64_t(body[i] - '0');
                ++i;
            }
            const bool digitsOk = i > first && i - first < 17 && !(body[first] == '0' && i - first > 1);
            if (digitsOk && i < body.size() && body[i] == '}' && onlyTrailingSpace(body.substr(i + 1))) {
                if (v == 0 || v > kMaxTurno)
                    return {AnswerVerdict::BadTurno, v};
                return {AnswerVerdict::Ok, v};
            }
        }
        return checkSlow(body, id);
    }

    // Whether body is one JSON object (error answers must be JSON too).
    static bool isJsonObject(std::string_view body);

    // Full JSON parse; public so tests reach it directly.
    static AnswerCheck checkSlow(std::string_view body, std::string_view id);

private:
    static bool onlyTrailingSpace(std::string_view rest)
    {
        for (char c : rest)
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
                return false;
        return true;
    }
};

}  // namespace turno
