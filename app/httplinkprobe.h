#pragma once

#include "firmware/linkprobe.h"

#include <QStringList>

#include <functional>
#include <memory>

class QNetworkAccessManager;

namespace fwd {

// firmware::LinkProbe over QtNetwork: one HEAD request per link with a transfer timeout, at
// most a few redirects and never from https to http, no HTTP/2. TLS: certificates a CA vouches
// for are accepted as usual; otherwise only a certificate whose SHA-256 fingerprint (of the
// DER, lower-case hex) the engineer approved or that the built-in file server itself presents
// (the fingerprint source) is accepted. Cancelling aborts the request.
class HttpLinkProbe final : public firmware::LinkProbe
{
public:
    struct Options
    {
        int timeoutMs = 10000;
        int maxRedirects = 3;
    };

    HttpLinkProbe();
    explicit HttpLinkProbe(Options options);
    ~HttpLinkProbe() override;

    // Approved fingerprints.
    void setTrustedFingerprints(const QStringList &fingerprints);
    // Asked at every TLS error for more fingerprints to trust (e.g. the file server's own).
    void setFingerprintSource(std::function<QStringList()> source);

    firmware::LinkProbeReply *head(const QUrl &url) override;

private:
    struct Trust;
    Options m_options;
    std::shared_ptr<Trust> m_trust;
    std::unique_ptr<QNetworkAccessManager> m_manager;
};

} // namespace fwd
