#pragma once

#include <QByteArray>
#include <QHash>
#include <QMetaType>
#include <QSslCertificate>
#include <QString>

namespace fwd::acs {

// Why a call to the NBI failed. One value per thing the engineer (or the rollout engine) would
// handle differently.
enum class NbiError {
    None,
    InvalidInput,    // refused before sending: GenieACS would crash, hang or misbehave on it
    InvalidUrl,      // the profile's NBI URL is not http(s)://host[:port][/path]
    HostNotFound,    // DNS
    Refused,         // nothing listens (or the NBI worker is restarting after a crash)
    Timeout,         // no progress within the call's timeout
    NoResponse,      // the connection closed without a status line (GenieACS ≥ 1.2.10 crash)
    TlsUntrusted,    // certificate not approved: see NbiReply::peerCertificate
    TlsError,        // other TLS failure (handshake, protocol)
    Unauthorized,    // 401/403 from GenieACS or the reverse proxy in front of it
    NotGenieAcs,     // an HTTP server answered, but not GenieACS's NBI
    BadResponse,     // malformed JSON, a body cut short, a nonsensical header
    TooLarge,        // the body exceeded the client's limit
    DeviceInSession, // 503 "Device is in session" (after the retries)
    NoSuchDevice,    // 404 "No such device"
    NotFound,        // other 404 (unknown task, path refused by GenieACS's route patterns)
    Unsupported,     // the connected GenieACS generation does not offer this call
    HttpError,       // any other non-2xx status
    Network,         // any other transport error
    Cancelled,
};

// The part of every result that says how the call went (STYLE.md: {ok, httpStatus, errorString,
// payload}); typed results derive from it and add their payload.
struct NbiStatus
{
    NbiError error = NbiError::None;
    QString errorString; // one translated sentence, empty when ok
    int httpStatus = 0;
    QString
        reasonPhrase; // GenieACS puts meaning into it (202 "Task faulted", 504 "Device is offline")
    QString requestId; // sent as X-Request-ID and written to the log
    int attempts = 0;
    bool ok() const { return error == NbiError::None; }
};

// What came back for one attempt, before it is given a type.
struct NbiReply
{
    int httpStatus = 0;
    QString reasonPhrase;
    QHash<QByteArray, QByteArray> headers; // names in lower case
    QByteArray body;
    QSslCertificate peerCertificate; // https only
    bool certificateUntrusted = false;

    QByteArray header(const QByteArray &lowerCaseName) const
    {
        return headers.value(lowerCaseName);
    }
};

template<typename T>
struct NbiResult : NbiStatus
{
    T payload{};
};

// SHA-256 of the DER form, hex, lower case: the form kept in AcsProfile::trustedFingerprints.
QString certificateFingerprint(const QSslCertificate &certificate);
// "CN=…, issued by …, valid 2026-01-01 to 2027-01-01" for the approval dialog.
QString certificateDescription(const QSslCertificate &certificate);

} // namespace fwd::acs

Q_DECLARE_METATYPE(fwd::acs::NbiStatus)
