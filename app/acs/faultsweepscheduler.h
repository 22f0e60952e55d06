#pragma once

#include "acs/faultsweepjob.h"

#include <QObject>
#include <QPointer>
#include <QTimer>

namespace fwd::acs {

class NbiClient;

// Runs FaultSweepJob (NbiClient::clearExpiringFaults, W5 in app/acs/README.md) for the connected
// ACS: once as soon as a client is set, then every `intervalMs`, and again soon after a sweep
// that found a full page. One sweep at a time; the jobs are asynchronous, nothing waits.
// What a sweep cleared is logged; a failing ACS is logged as a warning once, then quietly until
// it sweeps again. The composition root hands it the active profile's client.
class FaultSweepScheduler final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FaultSweepScheduler)

public:
    struct Options
    {
        int intervalMs = 60000; // between the end of one sweep and the start of the next
        int moreDelayMs = 1000; // after a sweep that stopped at `limit`
        int limit = 500;        // faults per sweep
    };

    explicit FaultSweepScheduler(QObject *parent = nullptr);
    explicit FaultSweepScheduler(Options options, QObject *parent = nullptr);
    ~FaultSweepScheduler() override;

    // Sweeps this client's GenieACS now and then periodically; null stops. A sweep of the
    // previous client that is still running is cancelled.
    void setClient(NbiClient *client);
    NbiClient *client() const { return m_client; }

    // Starts a sweep now unless one is running or there is no client; true if one started.
    bool sweepNow();
    bool isSweeping() const { return !m_job.isNull(); }
    // When the next sweep is due, in ms from now (-1: none scheduled).
    int nextSweepInMs() const;
    int sweepsFinished() const { return m_finished; }
    int faultsCleared() const { return m_cleared; }
    // The last sweep failed (the ACS is unreachable, refuses, …).
    bool isFailing() const { return m_failing; }

Q_SIGNALS:
    void swept(const fwd::acs::FaultSweepResult &result);

private:
    void onFinished(const FaultSweepResult &result);
    void stop();

    Options m_options;
    QPointer<NbiClient> m_client;
    QPointer<FaultSweepJob> m_job;
    QTimer m_timer;
    int m_finished = 0;
    int m_cleared = 0;
    bool m_failing = false;
};

} // namespace fwd::acs
