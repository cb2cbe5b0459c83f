#include "turno_answer_check.h"

namespace turno {

namespace {

// A strict RFC 8259 reader, just enough to find the top-level "id" and "turno".
class JsonReader {
public:
    explicit JsonReader(std::string_view text) : m_s(text) {}

    bool parseTopObject(std::string *id, bool *haveId, std::string *turnoText, bool *turnoIsNumber, bool *haveTurno)
    {
        skipSpace();
        if (!consume('{'))
            return false;
        skipSpace();
        if (consume('}'))
            return atEnd();
        for (int members = 0; members < 1000; ++members) {
            std::string key;
            skipSpace();
            if (!parseString(&key))
                return false;
            skipSpace();
            if (!consume(':'))
                return false;
            skipSpace();
            const size_t valueStart = m_i;
            if (key == "id") {
                if (*haveId)
                    return false;  // duplicate keys make the answer ambiguous
                *haveId = true;
                if (peek() == '"') {
                    if (!parseString(id))
                        return false;
                } else {
                    id->clear();
                    if (!skipValue(0))
                        return false;
                    *id = "\x01non-string";
                }
            } else if (key == "turno") {
                if (*haveTurno)
                    return false;
                *haveTurno = true;
                const char c = peek();
                *turnoIsNumber = c == '-' || (c >= '0' && c <= '9');
                if (!skipValue(0))
                    return false;
                *turnoText = std::string(m_s.substr(valueStart, m_i - valueStart));
            } else if (!skipValue(0)) {
                return false;
            }
            skipSpace();
            if (consume('}'))
                return atEnd();
            if (!consume(','))
                return false;
        }
        return false;
    }

private:
    char peek() const { return m_i < m_s.size() ? m_s[m_i] : '\0'; }
    bool consume(char c)
    {
        if (peek() != c || m_i >= m_s.size())
            return false;
        ++m_i;
        return true;
    }
    void skipSpace()
    {
        while (m_i < m_s.size() && (m_s[m_i] == ' ' || m_s[m_i] == '\t' || m_s[m_i] == '\n' || m_s[m_i] == '\r'))
            ++m_i;
    }
    bool atEnd()
    {
        skipSpace();
        return m_i == m_s.size();
    }
    static int hex(char c)
    {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    }
    static void appendUtf8(std::string *out, uint32_t cp)
    {
        if (cp < 0x80) {
            out->push_back(char(cp));
        } else if (cp < 0x800) {
            out->push_back(char(0xC0 | (cp >> 6)));
            out->push_back(char(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
            out->push_back(char(0xE0 | (cp >> 12)));
            out->push_back(char(0x80 | ((cp >> 6) & 0x3F)));
            out->push_back(char(0x80 | (cp & 0x3F)));
        } else {
            out->push_back(char(0xF0 | (cp >> 18)));
            out->push_back(char(0x80 | ((cp >> 12) & 0x3F)));
            out->push_back(char(0x80 | ((cp >> 6) & 0x3F)));
            out->push_back(char(0x80 | (cp & 0x3F)));
        }
    }
    bool parseHex4(uint32_t *v)
    {
        if (m_i + 4 > m_s.size())
            return false;
        uint32_t r = 0;
        for (int k = 0; k < 4; ++k) {
            const int h = hex(m_s[m_i + size_t(k)]);
            if (h < 0)
                return false;
            r = r * 16 + uint32_t(h);
        }
        m_i += 4;
        *v = r;
        return true;
    }
    bool parseString(std::string *out)
    {
        if (!consume('"'))
            return false;
        out->clear();
        while (m_i < m_s.size()) {
            const unsigned char c = static_cast<unsigned char>(m_s[m_i++]);
            if (c == '"')
                return true;
            if (c < 0x20)
                return false;
            if (c != '\\') {
                out->push_back(char(c));
                continue;
            }
            if (m_i >= m_s.size())
                return false;
            const char e = m_s[m_i++];
            switch (e) {
            case '"': out->push_back('"'); break;
            case '\\': out->push_back('\\'); break;
            case '/': out->push_back('/'); break;
            case 'b': out->push_back('\b'); break;
            case 'f': out->push_back('\f'); break;
            case 'n': out->push_back('\n'); break;
            case 'r': out->push_back('\r'); break;
            case 't': out->push_back('\t'); break;
            case 'u': {
                uint32_t cp = 0;
                if (!parseHex4(&cp))
                    return false;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    uint32_t low = 0;
                    if (!consume('\\') || !consume('u') || !parseHex4(&low) || low < 0xDC00 || low > 0xDFFF)
                        return false;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    return false;
                }
                appendUtf8(out, cp);
                break;
            }
            default:
                return false;
            }
        }
        return false;
    }
    bool skipNumber()
    {
        consume('-');
        if (consume('0')) {
        } else if (peek() >= '1' && peek() <= '9') {
            while (peek() >= '0' && peek() <= '9')
                ++m_i;
        } else {
            return false;
        }
        if (consume('.')) {
            if (!(peek() >= '0' && peek() <= '9'))
                return false;
            while (peek() >= '0' && peek() <= '9')
                ++m_i;
        }
        if (peek() == 'e' || peek() == 'E') {
            ++m_i;
            if (peek() == '+' || peek() == '-')
                ++m_i;
            if (!(peek() >= '0' && peek() <= '9'))
                return false;
            while (peek() >= '0' && peek() <= '9')
                ++m_i;
        }
        return true;
    }
    bool skipLiteral(std::string_view word)
    {
        if (m_s.substr(m_i, word.size()) != word)
            return false;
        m_i += word.size();
        return true;
    }
    bool skipValue(int depth)
    {
        if (depth > 64)
            return false;
        skipSpace();
        const char c = peek();
        if (c == '"') {
            std::string ignored;
            return parseString(&ignored);
        }
        if (c == '{' || c == '[') {
            const char close = c == '{' ? '}' : ']';
            ++m_i;
            skipSpace();
            if (consume(close))
                return true;
            for (int n = 0; n < 100000; ++n) {
                if (c == '{') {
                    std::string key;
                    skipSpace();
                    if (!parseString(&key))
                        return false;
                    skipSpace();
                    if (!consume(':'))
                        return false;
                }
                if (!skipValue(depth + 1))
                    return false;
                skipSpace();
                if (consume(close))
                    return true;
                if (!consume(','))
                    return false;
            }
            return false;
        }
        if (c == 't')
            return skipLiteral("true");
        if (c == 'f')
            return skipLiteral("false");
        if (c == 'n')
            return skipLiteral("null");
        return skipNumber();
    }

    std::string_view m_s;
    size_t m_i = 0;
};

}  // namespace

std::string TurnoAnswerCheck::canonicalPrefix(std::string_view id)
{
    std::string p = "{\"id\":\"";
    p.append(id);
    p.append("\",\"turno\":");
    return p;
}

bool TurnoAnswerCheck::isJsonObject(std::string_view body)
{
    JsonReader reader(body);
    std::string id;
    std::string turnoText;
    bool haveId = false;
    bool haveTurno = false;
    bool turnoIsNumber = false;
    return reader.parseTopObject(&id, &haveId, &turnoText, &turnoIsNumber, &haveTurno);
}

AnswerCheck TurnoAnswerCheck::checkSlow(std::string_view body, std::string_view id)
{
    JsonReader reader(body);
    std::string gotId;
    std::string turnoText;
    bool haveId = false;
    bool haveTurno = false;
    bool turnoIsNumber = false;
    if (!reader.parseTopObject(&gotId, &haveId, &turnoText, &turnoIsNumber, &haveTurno))
        return {AnswerVerdict::BadJson, 0};
    if (!haveId || !haveTurno || !turnoIsNumber || gotId == "\x01non-string")
        return {AnswerVerdict::BadJson, 0};
    // An integer without sign, fraction or exponent, at most 16 digits (2^53-1 has 16).
    uint64_t v = 0;
    bool integer = !turnoText.empty() && turnoText.size() <= 16;
    for (char c : turnoText) {
        if (c < '0' || c > '9') {
            integer = false;
            break;
        }
        v = v * 10 + uint64_t(c - '0');
    }
    if (gotId != id)
        return {AnswerVerdict::WrongId, integer ? v : 0};
    if (!integer || v == 0 || v > kMaxTurno)
        return {AnswerVerdict::BadTurno, integer ? v : 0};
    return {AnswerVerdict::Ok, v};
}

}  // namespace turno
