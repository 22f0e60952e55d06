#pragma once

#include <QLoggingCategory>

// Logging categories of the file library; enable with QT_LOGGING_RULES="fwd.firmware*=true".
Q_DECLARE_LOGGING_CATEGORY(lcFirmware)
Q_DECLARE_LOGGING_CATEGORY(lcFirmwareLibrary)
