#pragma once

#include "tlsidentity.h"

#include <memory>

using SSL_CTX = struct ssl_ctx_st;

namespace fwd::fileserver {

// The server-side OpenSSL context (internal): TLS 1.2 or newer, forward-secret AEAD ciphers only
// (ECDHE with AES-GCM or ChaCha20-Poly1305; the TLS 1.3 suites), no compression, no
// renegotiation, buffers released on idle connections. Shared by all worker threads.
class TlsContext final
{
public:
    // Null context and *error on failure.
    static std::shared_ptr<TlsContext> create(const TlsIdentity &identity, QString *error);
    ~TlsContext();
    Q_DISABLE_COPY_MOVE(TlsContext)

    SSL_CTX *handle() const { return m_ctx; }

private:
    explicit TlsContext(SSL_CTX *ctx);
    SSL_CTX *m_ctx;
};

} // namespace fwd::fileserver
