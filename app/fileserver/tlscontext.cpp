#include "tlscontext.h"

#include <QCoreApplication>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

namespace fwd::fileserver {

namespace {

QString lastError()
{
    const unsigned long e = ERR_get_error();
    ERR_clear_error();
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    return QString::fromLatin1(buf);
}

} // namespace

TlsContext::TlsContext(SSL_CTX *ctx)
    : m_ctx(ctx)
{}

TlsContext::~TlsContext()
{
    SSL_CTX_free(m_ctx);
}

std::shared_ptr<TlsContext> TlsContext::create(const TlsIdentity &identity, QString *error)
{
    auto fail = [error](const char *what) {
        if (error)
            *error =
                QCoreApplication::translate("fwd::fileserver::TlsContext", what).arg(lastError());
        return std::shared_ptr<TlsContext>();
    };
    ERR_clear_error();
    SSL_CTX *raw = SSL_CTX_new(TLS_server_method());
    if (!raw)
        return fail("Cannot create the TLS context: %1");
    std::shared_ptr<TlsContext> ctx(new TlsContext(raw));

    SSL_CTX_set_min_proto_version(raw, TLS1_2_VERSION);
    SSL_CTX_set_options(raw, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET);
    SSL_CTX_set_mode(raw, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                              SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    // Read whole socket buffers, not a 5-byte record header and then the record: one read()
    // per request instead of two. (The buffer is still released when empty.)
    SSL_CTX_set_read_ahead(raw, 1);
    SSL_CTX_set_session_cache_mode(raw, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(raw, 0);
    // TLS 1.2: forward secrecy and AEAD only. TLS 1.3: OpenSSL's defaults are all AEAD.
    if (SSL_CTX_set_cipher_list(raw, "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL:!SHA1") != 1)
        return fail("Cannot set the TLS ciphers: %1");

    BIO *certBio = BIO_new_mem_buf(identity.certificateChainPem.constData(),
                                   int(identity.certificateChainPem.size()));
    X509 *leaf = PEM_read_bio_X509(certBio, nullptr, nullptr, nullptr);
    if (!leaf || SSL_CTX_use_certificate(raw, leaf) != 1) {
        X509_free(leaf);
        BIO_free(certBio);
        return fail("Cannot use the certificate: %1");
    }
    X509_free(leaf);
    while (X509 *extra = PEM_read_bio_X509(certBio, nullptr, nullptr, nullptr)) {
        if (SSL_CTX_add0_chain_cert(raw, extra) != 1) { // takes ownership on success
            X509_free(extra);
            BIO_free(certBio);
            return fail("Cannot use the certificate chain: %1");
        }
    }
    BIO_free(certBio);
    ERR_clear_error(); // end of the PEM stream

    BIO *keyBio =
        BIO_new_mem_buf(identity.privateKeyPem.constData(), int(identity.privateKeyPem.size()));
    EVP_PKEY *key = PEM_read_bio_PrivateKey(keyBio, nullptr, nullptr, nullptr);
    BIO_free(keyBio);
    const bool keyOk = key && SSL_CTX_use_PrivateKey(raw, key) == 1;
    EVP_PKEY_free(key);
    if (!keyOk || SSL_CTX_check_private_key(raw) != 1)
        return fail("Cannot use the private key: %1");
    return ctx;
}

} // namespace fwd::fileserver
