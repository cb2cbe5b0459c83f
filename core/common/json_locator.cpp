#include "common/json_locator.h"

#include <QByteArrayView>
#include <algorithm>

namespace turno {

JsonLocator::JsonLocator(const QByteArray &text) : m_text(text)
{
    value(QString());
}

int JsonLocator::line(const QString &path) const
{
    QString p = path;
    while (!p.isEmpty()) {
        auto it = m_lines.constFind(p);
        if (it != m_lines.constEnd())
            return *it;
        const qsizetype cut = std::max(p.lastIndexOf(QLatin1Char('.')), p.lastIndexOf(QLatin1Char('[')));
        p = cut > 0 ? p.left(cut) : QString();
    }
    return 1;
}

void JsonLocator::ws()
{
    while (m_pos < m_text.size() &&
           (m_text[m_pos] == ' ' || m_text[m_pos] == '\t' || m_text[m_pos] == '\n' || m_text[m_pos] == '\r')) {
        if (m_text[m_pos] == '\n')
            ++m_line;
        ++m_pos;
    }
}

QString JsonLocator::string()
{
    QByteArray out;
    ++m_pos;  // opening quote
    while (m_pos < m_text.size() && m_text[m_pos] != '"') {
        if (m_text[m_pos] == '\\')
            ++m_pos;
        if (m_pos < m_text.size())
            out += m_text[m_pos];
        ++m_pos;
    }
    ++m_pos;
    return QString::fromUtf8(out);
}

void JsonLocator::value(const QString &path)
{
    ws();
    if (m_pos >= m_text.size())
        return;
    m_lines.insert(path, m_line);
    const char c = m_text[m_pos];
    if (c == '{') {
        ++m_pos;
        for (;;) {
            ws();
            if (m_pos >= m_text.size() || m_text[m_pos] == '}') {
                ++m_pos;
                return;
            }
            if (m_text[m_pos] == ',') {
                ++m_pos;
                continue;
            }
            const int keyLine = m_line;
            const QString key = string();
            const QString child = path.isEmpty() ? key : path + QLatin1Char('.') + key;
            ws();
            ++m_pos;  // colon
            value(child);
            m_lines.insert(child, keyLine);
        }
    } else if (c == '[') {
        ++m_pos;
        int index = 0;
        for (;;) {
            ws();
            if (m_pos >= m_text.size() || m_text[m_pos] == ']') {
                ++m_pos;
                return;
            }
            if (m_text[m_pos] == ',') {
                ++m_pos;
                continue;
            }
            value(path + QLatin1Char('[') + QString::number(index++) + QLatin1Char(']'));
        }
    } else if (c == '"') {
        string();
    } else {
        while (m_pos < m_text.size() && !QByteArrayView(",}] \t\r\n").contains(m_text[m_pos]))
            ++m_pos;
    }
}

QString jsonPosition(const QByteArray &text, int offset)
{
    int line = 1, col = 1;
    for (int i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            col = 1;
        } else {
            ++col;
        }
    }
    return QStringLiteral("%1:%2").arg(line).arg(col);
}

}  // namespace turno
