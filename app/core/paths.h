#pragma once

#include <QString>

namespace fwd {

// The user's data folder (database, published files, certificates), created on demand.
// FWD_DATA_DIR overrides it (tests, portable installs).
QString dataDirectory();

} // namespace fwd
