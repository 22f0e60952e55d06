#include "filerecord.h"

namespace fwd::firmware {

bool FileRecord::appliesTo(const QString &deviceOui, const QString &deviceProductClass) const
{
    const bool ouiOk = oui.trimmed().isEmpty() ||
                       oui.trimmed().compare(deviceOui.trimmed(), Qt::CaseInsensitive) == 0;
    const bool classOk =
        productClass.trimmed().isEmpty() ||
        productClass.trimmed().compare(deviceProductClass.trimmed(), Qt::CaseInsensitive) == 0;
    return ouiOk && classOk;
}

} // namespace fwd::firmware
