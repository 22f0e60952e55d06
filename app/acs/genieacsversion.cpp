#include "acs/genieacsversion.h"

namespace fwd::acs {

GenieAcsVersion GenieAcsVersion::parse(const QString &headerValue)
{
    GenieAcsVersion v;
    v.m_raw = headerValue.trimmed().left(64);
    QString core = v.m_raw.section(u'+', 0, 0).trimmed();
    if (core.startsWith(u'v'))
        core.remove(0, 1);
    qsizetype suffix = 0;
    const QVersionNumber n = QVersionNumber::fromString(core, &suffix);
    // Only plain dotted numbers (a pre-release tag such as "-beta.0" is allowed after them).
    if (!n.isNull() && n.segmentCount() >= 2 && (suffix == core.size() || core.at(suffix) == u'-'))
        v.m_number = n;
    return v;
}

GenieAcsVersion::Generation GenieAcsVersion::generation() const
{
    if (!isValid())
        return Generation::Unknown;
    static const QVersionNumber firstModern(1, 2, 10);
    return m_number >= firstModern ? Generation::Modern : Generation::Legacy;
}

} // namespace fwd::acs
