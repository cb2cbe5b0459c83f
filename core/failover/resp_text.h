// respText: a Redis reply as one line for a person (step details, gate checks).
#pragma once

#include "redis/resp_client.h"

#include <QString>

namespace turno {

// Simple, error and bulk replies as their text, integers as digits, nil as
// "(nil)", arrays as "[a, b, ...]".
QString respText(const RespValue &v);

}  // namespace turno
