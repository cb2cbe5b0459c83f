#include "failover/resp_text.h"

#include <QStringList>

namespace turno {

QString respText(const RespValue &v)
{
    switch (v.type) {
    case RespValue::Type::Simple:
    case RespValue::Type::Error:
    case RespValue::Type::Bulk:
        return QString::fromUtf8(v.text);
    case RespValue::Type::Integer:
        return QString::number(v.integer);
    case RespValue::Type::Null:
        return QStringLiteral("(nil)");
    case RespValue::Type::Array: {
        QStringList parts;
        for (const RespValue &i : v.items)
            parts << respText(i);
        return QLatin1Char('[') + parts.join(QStringLiteral(", ")) + QLatin1Char(']');
    }
    }
    return {};
}

}  // namespace turno
