#pragma once

#include "acs/nbiclient.h"
#include "acs/nbiresult.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <memory>

class QNetworkReply;
class QIODevice;

namespace fwd::acs {

// One call to the NBI (STYLE.md: one job object per REST call). The job is created by a call on
// NbiClient or by a typed job's constructor; connect to its typed `finished` signal with a
// context object, then start() it. It waits for a slot in the client's queue, sends, retries
// idempotent calls after transport errors and 502/503/504 with exponential backoff, classifies
// the answer, and hands the final reply to the subclass, which emits one typed result and calls
// done(). A job deletes itself after it finished; the client (its parent) deletes unfinished
// ones. Steps that need more than one request (confirmations, paging) call sendNext().
class NbiJob : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NbiJob)

public:
    ~NbiJob() override;

    void start();
    void cancel();

    const QString &requestId() const { return m_requestId; }
    const NbiRequest &request() const { return m_request; }
    bool isStarted() const { return m_started; }
    bool isFinished() const { return m_finished; }
    NbiClient &client() const { return m_client; }

Q_SIGNALS:
    void uploadProgress(qint64 bytesSent, qint64 bytesTotal);
    void downloadProgress(qint64 bytesReceived);

protected:
    NbiJob(NbiClient &client, NbiRequest request);

    // Replaces the request before start() (for jobs that build it after validation).
    void setRequest(NbiRequest request) { m_request = std::move(request); }
    // Makes start() fail with InvalidInput without sending anything (input GenieACS cannot take).
    void rejectInput(const QString &message, NbiError error = NbiError::InvalidInput);
    // The final reply of the current request (after retries), or a failure without one.
    virtual void handleReply(const NbiReply &reply, const NbiStatus &status) = 0;
    // From handleReply: send another request as the next step of this job.
    void sendNext(NbiRequest request);
    // From handleReply: the typed result was emitted; the job ends.
    void done();

    // A status for a failure the subclass found in an otherwise successful reply.
    NbiStatus failure(const NbiStatus &from, NbiError error, const QString &message) const;

private:
    friend class NbiClient;

    void send(QNetworkAccessManager &manager);
    void onReadyRead();
    void onFinished();
    void onTimeout();
    NbiStatus classify(const NbiReply &reply, int networkError) const;
    bool shouldRetry(const NbiStatus &status, const NbiReply &reply) const;
    // Our timer ran out before any byte of an answer came, from a server that may be GenieACS
    // 1.2.10 or later: that is also what a request that crashed its NBI worker looks like.
    bool silentTimeout() const;
    // The sentence added to a failure of a call that is never repeated.
    QString notRepeatedNote() const;
    int retryDelayMs(const NbiReply &reply) const;
    void deliver(const NbiReply &reply, const NbiStatus &status);

    enum class Abort { None, Timeout, TooLarge, Cancelled };

    NbiClient &m_client;
    NbiRequest m_request;
    QString m_requestId;
    QString m_rejected;
    NbiError m_rejectedAs = NbiError::InvalidInput;
    QPointer<QNetworkReply> m_reply;
    std::unique_ptr<QIODevice> m_upload;
    QByteArray m_body;
    QTimer m_timeout;
    QTimer m_retryTimer;
    QElapsedTimer m_elapsed;
    QElapsedTimer m_attemptTimer; // since this attempt was handed to Qt
    Abort m_abort = Abort::None;
    bool m_answerStarted = false;  // this attempt received a status line or body bytes
    bool m_droppedQuickly = false; // ended within the client's staleConnectionWindowMs
    bool m_untrusted = false;
    bool m_started = false;
    bool m_finished = false;
    bool m_queued = false;
    bool m_holdsSlot = false;
    int m_attempts = 0;
};

// A job whose result is the raw reply: for probes and calls with nothing to parse.
class NbiRawJob final : public NbiJob
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NbiRawJob)

public:
    NbiRawJob(NbiClient &client, NbiRequest request);

Q_SIGNALS:
    void finished(const fwd::acs::NbiReply &reply, const fwd::acs::NbiStatus &status);

private:
    void handleReply(const NbiReply &reply, const NbiStatus &status) override;
};

} // namespace fwd::acs

Q_DECLARE_METATYPE(fwd::acs::NbiReply)
