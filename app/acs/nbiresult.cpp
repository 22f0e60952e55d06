#include "acs/nbiresult.h"

#include <QCoreApplication>
#include <QCryptographicHash>

namespace fwd::acs {

QString certificateFingerprint(const QSslCertificate &certificate)
{
    if (certificate.isNull())
        return {};
    return QString::fromLatin1(certificate.digest(QCryptographicHash::Sha256).toHex());
}

QString certificateDescription(const QSslCertificate &certificate)
{
    if (certificate.isNull())
        return {};
    auto first = [](const QStringList &list) {
        return list.isEmpty() ? QStringLiteral("?") : list.constFirst();
    };
    const QString subject = first(certificate.subjectInfo(QSslCertificate::CommonName));
    QString issuer = first(certificate.issuerInfo(QSslCertificate::CommonName));
    if (certificate.subjectInfo(QSslCertificate::CommonName) ==
            certificate.issuerInfo(QSslCertificate::CommonName) &&
        certificate.isSelfSigned())
        issuer = QCoreApplication::translate("fwd::acs::Certificate", "itself (self-signed)");
    return QCoreApplication::translate("fwd::acs::Certificate",
                                       "CN=%1, issued by %2, valid from %3 to %4")
        .arg(subject, issuer, certificate.effectiveDate().toUTC().toString(Qt::ISODate),
             certificate.expiryDate().toUTC().toString(Qt::ISODate));
}

} // namespace fwd::acs
