#pragma once

#include "acs/nbijob.h"

#include <QSignalSpy>

#include <utility>

namespace fwd::acs::testing {

// Starts an NBI job and waits (event loop running) for its finished() signal; a job that never
// finishes within 20 s gives a Network error with a test message instead of hanging the test.
template<typename Result, typename Job>
Result run(Job *job)
{
    QSignalSpy spy(job, &Job::finished);
    job->start();
    if (spy.isEmpty() && !spy.wait(20000)) {
        Result r;
        r.error = NbiError::Network;
        r.errorString = QStringLiteral("test: no finished signal");
        return r;
    }
    return spy.at(0).at(0).template value<Result>();
}

// Sends one raw request and waits for its answer (reply and status); 20 s without one gives a
// Network error with a test message.
inline std::pair<NbiReply, NbiStatus> runRaw(NbiClient &client, const NbiRequest &request)
{
    auto *job = new NbiRawJob(client, request);
    QSignalSpy spy(job, &NbiRawJob::finished);
    job->start();
    if (spy.isEmpty() && !spy.wait(20000)) {
        NbiStatus status;
        status.error = NbiError::Network;
        status.errorString = QStringLiteral("test: no finished signal");
        return {NbiReply(), status};
    }
    return {spy.at(0).at(0).value<NbiReply>(), spy.at(0).at(1).value<NbiStatus>()};
}

} // namespace fwd::acs::testing
