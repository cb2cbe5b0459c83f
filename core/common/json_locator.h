// JsonLocator: QJsonDocument keeps no positions, so hand-edited JSON files
// (profiles, alert rules) are read twice: Qt parses, and this maps each key
// path ("rules[2].threshold") to its line for "file:line: reason" errors.
#pragma once

#include <QByteArray>
#include <QHash>
#include <QString>

namespace turno {

class JsonLocator {
public:
    explicit JsonLocator(const QByteArray &text);
    // Line of path, or of its nearest ancestor that has one; 1 if none.
    int line(const QString &path) const;

private:
    void ws();
    QString string();
    void value(const QString &path);

    const QByteArray &m_text;
    qsizetype m_pos = 0;
    int m_line = 1;
    QHash<QString, int> m_lines;
};

// "L:C" of a byte offset (QJsonParseError::offset) in text.
QString jsonPosition(const QByteArray &text, int offset);

}  // namespace turno
