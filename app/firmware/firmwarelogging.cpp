#include "firmwarelogging.h"

Q_LOGGING_CATEGORY(lcFirmware, "fwd.firmware", QtInfoMsg)
Q_LOGGING_CATEGORY(lcFirmwareLibrary, "fwd.firmware.library", QtInfoMsg)
