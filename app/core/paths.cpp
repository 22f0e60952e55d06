#include "paths.h"

#include <QDir>
#include <QStandardPaths>

namespace fwd {

QString dataDirectory()
{
    QString dir = qEnvironmentVariable("FWD_DATA_DIR");
    if (dir.isEmpty())
        dir = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation);
    return QDir::cleanPath(dir);
}

} // namespace fwd
