#include "incidents/event_filter.h"

#include <QJsonDocument>

namespace turno {

namespace {

// SQLite's LIKE folds ASCII letters only; folding the same way here keeps a
// live row and a reloaded page in agreement.
QString asciiLower(const QString &s)
{
    QString out = s;
    for (QChar &c : out) {
        if (c.unicode() >= 'A' && c.unicode() <= 'Z')
            c = QChar(c.unicode() + ('a' - 'A'));
    }
    return out;
}

bool kindMatches(const QString &kind, const QStringList &kinds)
{
    for (const QString &k : kinds) {
        if (kind == k || kind.startsWith(k + QLatin1Char('.')))
            return true;
    }
    return false;
}

}  // namespace

QStringList eventSearchFields(const IncidentEvent &event)
{
    const QString details = event.details.isEmpty()
        ? QStringLiteral("{}")
        : QString::fromUtf8(QJsonDocument(event.details).toJson(QJsonDocument::Compact));
    return {event.summary, event.node, event.source, event.kind, details};
}

bool EventFilter::matches(const IncidentEvent &event) const
{
    if (int(event.severity) < int(minSeverity))
        return false;
    if (event.timeMs < fromMs || event.timeMs > toMs)
        return false;
    if (!nodes.isEmpty() && !nodes.contains(event.node))
        return false;
    if (!kinds.isEmpty() && !kindMatches(event.kind, kinds))
        return false;
    if (text.isEmpty())
        return true;
    const QString needle = asciiLower(text);
    for (const QString &field : eventSearchFields(event)) {
        if (asciiLower(field).contains(needle))
            return true;
    }
    return false;
}

}  // namespace turno
