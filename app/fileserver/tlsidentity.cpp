#include "tlsidentity.h"

#include "fileserverlogging.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QTimeZone>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace fwd::fileserver {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("fwd::fileserver::TlsIdentity", text);
}

struct BioFree
{
    void operator()(BIO *b) const { BIO_free(b); }
};
struct X509Free
{
    void operator()(X509 *x) const { X509_free(x); }
};
struct PkeyFree
{
    void operator()(EVP_PKEY *k) const { EVP_PKEY_free(k); }
};
struct PkeyCtxFree
{
    void operator()(EVP_PKEY_CTX *c) const { EVP_PKEY_CTX_free(c); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

QString opensslError()
{
    const unsigned long e = ERR_get_error();
    ERR_clear_error();
    if (e == 0)
        return tr("unknown OpenSSL error");
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    return QString::fromLatin1(buf);
}

BioPtr memBio(const QByteArray &data)
{
    return BioPtr(BIO_new_mem_buf(data.constData(), int(data.size())));
}

QByteArray bioContents(BIO *bio)
{
    char *data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    return QByteArray(data, qsizetype(len));
}

QDateTime asn1ToDateTime(const ASN1_TIME *t)
{
    struct tm tmv = {};
    if (!t || ASN1_TIME_to_tm(t, &tmv) != 1)
        return {};
    return QDateTime(QDate(tmv.tm_year + 1900, tmv.tm_mon + 1, tmv.tm_mday),
                     QTime(tmv.tm_hour, tmv.tm_min, tmv.tm_sec), QTimeZone::utc());
}

QString subjectLine(X509 *cert)
{
    BioPtr out(BIO_new(BIO_s_mem()));
    X509_NAME_print_ex(out.get(), X509_get_subject_name(cert), 0,
                       XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
    return QString::fromUtf8(bioContents(out.get()));
}

QString fingerprintOf(X509 *cert)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (X509_digest(cert, EVP_sha256(), md, &len) != 1)
        return {};
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(md), int(len)).toHex());
}

// Fills identity from PEM text; false and *error on failure.
bool inspect(TlsIdentity &identity, QString *error)
{
    ERR_clear_error();
    BioPtr certBio = memBio(identity.certificateChainPem);
    X509Ptr leaf(PEM_read_bio_X509(certBio.get(), nullptr, nullptr, nullptr));
    if (!leaf) {
        *error = tr("The certificate file holds no PEM certificate (%1).").arg(opensslError());
        return false;
    }
    BioPtr keyBio = memBio(identity.privateKeyPem);
    PkeyPtr key(PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr));
    if (!key) {
        *error = tr("The key file holds no unencrypted PEM private key (%1).").arg(opensslError());
        return false;
    }
    if (X509_check_private_key(leaf.get(), key.get()) != 1) {
        ERR_clear_error();
        *error = tr("The private key does not belong to the certificate.");
        return false;
    }
    // The rest of the chain must parse too.
    while (X509 *extra = PEM_read_bio_X509(certBio.get(), nullptr, nullptr, nullptr))
        X509_free(extra);
    ERR_clear_error();
    identity.fingerprintSha256 = fingerprintOf(leaf.get());
    identity.subject = subjectLine(leaf.get());
    identity.notAfter = asn1ToDateTime(X509_get0_notAfter(leaf.get()));
    EVP_PKEY *leafKey = X509_get0_pubkey(leaf.get());
    identity.selfSigned =
        X509_NAME_cmp(X509_get_subject_name(leaf.get()), X509_get_issuer_name(leaf.get())) == 0 &&
        leafKey && X509_verify(leaf.get(), leafKey) == 1;
    ERR_clear_error();
    return true;
}

bool readWholeFile(const QString &path, QByteArray &out, QString *error)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = tr("Cannot read %1: %2").arg(QDir::toNativeSeparators(path), f.errorString());
        return false;
    }
    if (f.size() > 1024 * 1024) {
        *error = tr("%1 is too large for a PEM file.").arg(QDir::toNativeSeparators(path));
        return false;
    }
    out = f.readAll();
    return true;
}

// Writes via a temporary file in the same folder and rename(), so a crash leaves either the old
// or the new file, never half of one.
bool writeAtomically(const QString &path, const QByteArray &data, mode_t mode, QString *error)
{
    const QByteArray target = QFile::encodeName(path);
    const QByteArray temp = target + ".tmp-" + QByteArray::number(qint64(::getpid()));
    const int fd = ::open(temp.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        *error =
            tr("Cannot write %1: %2")
                .arg(QDir::toNativeSeparators(path), QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    ::fchmod(fd, mode); // the umask must not widen or narrow it
    qsizetype done = 0;
    bool ok = true;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.constData() + done, size_t(data.size() - done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            ok = false;
            break;
        }
        done += n;
    }
    ok = ok && ::fsync(fd) == 0;
    const int savedErrno = errno;
    ::close(fd);
    if (!ok || ::rename(temp.constData(), target.constData()) != 0) {
        const int e = ok ? errno : savedErrno;
        ::unlink(temp.constData());
        *error = tr("Cannot write %1: %2")
                     .arg(QDir::toNativeSeparators(path), QString::fromLocal8Bit(std::strerror(e)));
        return false;
    }
    return true;
}

bool addExtension(X509 *cert, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (!ext)
        return false;
    const bool ok = X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

TlsIdentity generate(const QStringList &hostNames, QString *error)
{
    ERR_clear_error();
    std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> kctx(EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, nullptr));
    EVP_PKEY *rawKey = nullptr;
    if (!kctx || EVP_PKEY_keygen_init(kctx.get()) != 1 ||
        EVP_PKEY_CTX_set_rsa_keygen_bits(kctx.get(), 2048) != 1 ||
        EVP_PKEY_keygen(kctx.get(), &rawKey) != 1) {
        *error = tr("Cannot generate a key: %1").arg(opensslError());
        return {};
    }
    PkeyPtr key(rawKey);

    X509Ptr cert(X509_new());
    X509_set_version(cert.get(), 2); // v3
    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f; // positive
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
    BN_free(bn);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3650L * 24 * 3600);
    X509_set_pubkey(cert.get(), key.get());

    const QString cn = hostNames.value(0, QStringLiteral("localhost"));
    X509_NAME *name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char *>("FirmwareDesk"), -1, -1, 0);
    const QByteArray cnUtf8 = cn.left(64).toUtf8();
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char *>(cnUtf8.constData()), -1, -1,
                               0);
    X509_set_issuer_name(cert.get(), name);

    QStringList san;
    QStringList hosts = hostNames;
    hosts << QStringLiteral("localhost") << QStringLiteral("127.0.0.1");
    hosts.removeDuplicates();
    for (const QString &h : std::as_const(hosts)) {
        if (h.isEmpty() || h.contains(QLatin1Char(',')))
            continue;
        QHostAddress address;
        san << (address.setAddress(h) ? QStringLiteral("IP:") + address.toString()
                                      : QStringLiteral("DNS:") + h);
    }
    const QByteArray sanText = san.join(QLatin1Char(',')).toUtf8();
    if (!addExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE") ||
        !addExtension(cert.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment") ||
        !addExtension(cert.get(), NID_ext_key_usage, "serverAuth") ||
        !addExtension(cert.get(), NID_subject_key_identifier, "hash") ||
        !addExtension(cert.get(), NID_subject_alt_name, sanText.constData())) {
        *error = tr("Cannot build the certificate: %1").arg(opensslError());
        return {};
    }
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) {
        *error = tr("Cannot sign the certificate: %1").arg(opensslError());
        return {};
    }

    TlsIdentity identity;
    BioPtr certOut(BIO_new(BIO_s_mem()));
    BioPtr keyOut(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(certOut.get(), cert.get());
    PEM_write_bio_PrivateKey(keyOut.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    identity.certificateChainPem = bioContents(certOut.get());
    identity.privateKeyPem = bioContents(keyOut.get());
    if (!inspect(identity, error))
        return {};
    return identity;
}

} // namespace

QString formatFingerprint(const QString &hex)
{
    QString out;
    for (qsizetype i = 0; i < hex.size(); i += 2) {
        if (i)
            out += QLatin1Char(':');
        out += hex.mid(i, 2).toUpper();
    }
    return out;
}

TlsIdentity loadTlsIdentity(const QString &certificateChainPath, const QString &privateKeyPath,
                            QString *error)
{
    QString scratch;
    QString &err = error ? *error : scratch;
    if (certificateChainPath.isEmpty() || privateKeyPath.isEmpty()) {
        err = tr("Both a certificate file and a key file are needed.");
        return {};
    }
    TlsIdentity identity;
    if (!readWholeFile(certificateChainPath, identity.certificateChainPem, &err) ||
        !readWholeFile(privateKeyPath, identity.privateKeyPem, &err))
        return {};
    if (!inspect(identity, &err)) {
        err = tr("%1 / %2: %3")
                  .arg(QDir::toNativeSeparators(certificateChainPath),
                       QDir::toNativeSeparators(privateKeyPath), err);
        return {};
    }
    identity.certificatePath = certificateChainPath;
    identity.privateKeyPath = privateKeyPath;
    return identity;
}

QString selfSignedCertificatePath(const QString &directory)
{
    return QDir(directory).filePath(QStringLiteral("fileserver-cert.pem"));
}

QString selfSignedKeyPath(const QString &directory)
{
    return QDir(directory).filePath(QStringLiteral("fileserver-key.pem"));
}

TlsIdentity ensureSelfSignedIdentity(const QString &directory, const QStringList &hostNames,
                                     QString *error)
{
    QString scratch;
    QString &err = error ? *error : scratch;
    if (directory.isEmpty()) {
        err = tr("No data folder is set for the generated certificate.");
        return {};
    }
    if (!QDir().mkpath(directory)) {
        err = tr("Cannot create the folder %1.").arg(QDir::toNativeSeparators(directory));
        return {};
    }
    const QString certPath = selfSignedCertificatePath(directory);
    const QString keyPath = selfSignedKeyPath(directory);
    if (QFileInfo::exists(certPath) || QFileInfo::exists(keyPath)) {
        QString loadError;
        TlsIdentity existing = loadTlsIdentity(certPath, keyPath, &loadError);
        if (!existing.isNull())
            return existing;
        // Never overwrite what might be the engineer's files: keep them aside.
        qCWarning(lcFileServerTls).noquote()
            << "generated certificate unusable, creating a new one:" << loadError;
        const QString stamp = QString::number(QDateTime::currentSecsSinceEpoch());
        QFile::rename(certPath, certPath + QStringLiteral(".broken-") + stamp);
        QFile::rename(keyPath, keyPath + QStringLiteral(".broken-") + stamp);
    }
    TlsIdentity identity = generate(hostNames, &err);
    if (identity.isNull())
        return {};
    // The key first: a certificate without its key would be useless on the next start.
    if (!writeAtomically(keyPath, identity.privateKeyPem, 0600, &err) ||
        !writeAtomically(certPath, identity.certificateChainPem, 0644, &err))
        return {};
    identity.certificatePath = certPath;
    identity.privateKeyPath = keyPath;
    qCInfo(lcFileServerTls).noquote() << "generated a self-signed certificate" << certPath
                                      << "SHA-256" << formatFingerprint(identity.fingerprintSha256);
    return identity;
}

} // namespace fwd::fileserver
