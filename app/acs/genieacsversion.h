#pragma once

#include <QString>
#include <QVersionNumber>

namespace fwd::acs {

// The GenieACS-Version header, e.g. "1.2.16+26120138e9" (<version>+<build date><commit>): only
// the part before '+' is compared (GENIEACS-CHECKED.md, extra observation 7).
class GenieAcsVersion
{
public:
    // The two generations of 1.2.x differ in status codes and crash behaviour (GENIEACS.md).
    enum class Generation {
        Unknown,
        Legacy, // ≤ 1.2.9: 500 on crashes, 200 for tags on unknown devices, no /operations
        Modern, // ≥ 1.2.10: dropped connections on crashes, 404 No such device, 503 in session
    };

    GenieAcsVersion() = default;
    static GenieAcsVersion parse(const QString &headerValue);

    bool isValid() const { return !m_number.isNull(); }
    const QVersionNumber &number() const { return m_number; }
    const QString &raw() const { return m_raw; }
    Generation generation() const;

private:
    QString m_raw;
    QVersionNumber m_number;
};

} // namespace fwd::acs
