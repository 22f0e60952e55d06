#pragma once

#include <QString>

#include <functional>

namespace fwd::lab {

// Sends a connection request to a device (GenieACS apiFunctions.connectionRequest()). The
// callback receives an empty string when the CPE accepted it, otherwise GenieACS's error text
// ("Device is offline", "Invalid connection request URL", ...).
class ConnectionRequester
{
public:
    virtual ~ConnectionRequester() = default;
    virtual void connectionRequest(const QString &deviceId,
                                   std::function<void(const QString &status)> done) = 0;
};

} // namespace fwd::lab
