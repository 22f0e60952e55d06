#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QString>
#include <QStringList>

namespace fwd::fileserver {

// The server's certificate chain and key, PEM, with what the engineer is shown about it.
struct TlsIdentity
{
    QByteArray certificateChainPem; // leaf first
    QByteArray privateKeyPem;
    QString fingerprintSha256; // SHA-256 of the leaf's DER, lower-case hex
    QString subject;           // leaf subject, one line
    QDateTime notAfter;
    bool selfSigned = false;
    QString certificatePath; // where it was read from or written to
    QString privateKeyPath;

    bool isNull() const { return certificateChainPem.isEmpty(); }
};

// "ab:cd:..." upper-case with colons, the form browsers and RouterOS show.
QString formatFingerprint(const QString &hex);

// Reads a configured PEM chain and key and checks that they belong together.
// On failure returns a null identity and sets *error to a message for the engineer.
TlsIdentity loadTlsIdentity(const QString &certificateChainPath, const QString &privateKeyPath,
                            QString *error);

// The self-signed identity kept in `directory` (fileserver-cert.pem, fileserver-key.pem): loaded
// when present and valid, else generated (RSA 2048, SHA-256, 10 years, SAN = hostNames plus
// localhost and 127.0.0.1) and written atomically, the key with mode 0600.
TlsIdentity ensureSelfSignedIdentity(const QString &directory, const QStringList &hostNames,
                                     QString *error);

// The file names used by ensureSelfSignedIdentity().
QString selfSignedCertificatePath(const QString &directory);
QString selfSignedKeyPath(const QString &directory);

} // namespace fwd::fileserver
