#pragma once

#include <QLoggingCategory>

// Logging categories of the whole application; enable with QT_LOGGING_RULES="fwd.*=true".
Q_DECLARE_LOGGING_CATEGORY(lcApp)
Q_DECLARE_LOGGING_CATEGORY(lcStore)
Q_DECLARE_LOGGING_CATEGORY(lcSettings)
Q_DECLARE_LOGGING_CATEGORY(lcNbi)
Q_DECLARE_LOGGING_CATEGORY(lcUi)

namespace fwd {
// Replaces the password of a URL by "***" for logs.
QString redactUrl(const QString &url);
} // namespace fwd
