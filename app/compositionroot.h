#pragma once

#include "commandline.h"

#include <QString>

#include <memory>

namespace fwd {
namespace ui {
class MainWindow;
}
namespace acs {
class FaultSweepScheduler;
}

// Builds the services, wires them and shows the main window. The only place that knows the
// concrete classes of everything.
class CompositionRoot final
{
public:
    explicit CompositionRoot(CommandLine commandLine);
    ~CompositionRoot();

    // Opens the database and builds the window. On failure, error() says why.
    bool start();
    QString error() const { return m_error; }
    ui::MainWindow *window() const;
    // The sweep of expiring tasks' faults on the active GenieACS (W5); for tests.
    const acs::FaultSweepScheduler *faultSweeps() const;

private:
    struct Parts;
    CommandLine m_commandLine;
    std::unique_ptr<Parts> m_parts;
    QString m_error;
};

} // namespace fwd
