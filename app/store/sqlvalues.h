#pragma once

#include <QString>

namespace fwd::store {

// QtSql binds a null QString as SQL NULL; FirmwareDesk's text columns are NOT NULL DEFAULT ''.
inline QString nonNull(const QString &s)
{
    return s.isNull() ? QStringLiteral("") : s;
}

} // namespace fwd::store
