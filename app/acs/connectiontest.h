#pragma once

#include "acs/nbiclient.h"

#include <QMetaType>
#include <QObject>
#include <QPointer>
#include <QString>

namespace fwd::acs {

class NbiRawJob;

// What the connection test found, for the profile dialog.
struct ConnectionReport
{
    enum class Failure {
        None,
        InvalidUrl,
        HostNotFound,
        Refused,
        Timeout,
        TlsUntrusted,
        TlsError,
        Unauthorized,
        NotGenieAcs,
        HttpError,
        Network,
        Cancelled
    };
    Failure failure = Failure::None;
    QString message;         // one translated sentence for the engineer: what failed and why
    QString genieAcsVersion; // from the GenieACS-Version header
    qint64 deviceCount = -1; // from the lower-case `total` header of HEAD /devices/
    int httpStatus = 0;
    QString certificateFingerprint; // SHA-256 hex lower case of the peer's leaf certificate
    QString certificateSubject;     // for the approval dialog: subject CN, issuer, validity
    bool ok() const { return failure == Failure::None; }
};

// Parses GenieACS's `total` header: digits only, at most 18 of them; -1 otherwise.
qint64 parseTotalHeader(const QByteArray &value);

// The connection test of a profile: HEAD /devices/ once (no retries), with Basic auth when the
// profile has a user name, within the profile's timeout.
class ConnectionTest final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConnectionTest)

public:
    explicit ConnectionTest(NbiClient &client, QObject *parent = nullptr);
    ~ConnectionTest() override;

    void start();
    void cancel();
    bool isRunning() const { return !m_job.isNull(); }

Q_SIGNALS:
    void finished(const fwd::acs::ConnectionReport &report);

private:
    void finish(const ConnectionReport &report);

    NbiClient &m_client;
    QPointer<NbiRawJob> m_job;
};

} // namespace fwd::acs

Q_DECLARE_METATYPE(fwd::acs::ConnectionReport)
