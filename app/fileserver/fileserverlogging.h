#pragma once

#include <QLoggingCategory>

// Logging categories of the file server; enable with QT_LOGGING_RULES="fwd.fileserver*=true".
Q_DECLARE_LOGGING_CATEGORY(lcFileServer)
Q_DECLARE_LOGGING_CATEGORY(lcFileServerAccess)
Q_DECLARE_LOGGING_CATEGORY(lcFileServerTls)
