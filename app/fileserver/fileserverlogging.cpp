#include "fileserverlogging.h"

Q_LOGGING_CATEGORY(lcFileServer, "fwd.fileserver", QtInfoMsg)
Q_LOGGING_CATEGORY(lcFileServerAccess, "fwd.fileserver.access", QtWarningMsg)
Q_LOGGING_CATEGORY(lcFileServerTls, "fwd.fileserver.tls", QtInfoMsg)
