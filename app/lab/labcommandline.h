#pragma once

#include "lab/labserver.h"

#include <QCommandLineOption>
#include <QCoreApplication>
#include <QList>

#include <optional>

class QCommandLineParser;

namespace fwd::lab {

// firmwaredesk-lab's command line (app/lab/README.md "Run"): the options it accepts with their
// help texts, and the LabServer::Options they make. In the library so that tests can check
// --help and the README against the options the parser really accepts.
class LabCommandLine final
{
    Q_DECLARE_TR_FUNCTIONS(LabCommandLine)

public:
    // Every option, in --help order (without --help and --version).
    static QList<QCommandLineOption> options();
    // The lab's options from a parser that processed the command line with options(); nullopt
    // and the reason ("invalid --devices") when a value is out of range.
    static std::optional<LabServer::Options> parse(const QCommandLineParser &parser,
                                                   QString *error);
};

} // namespace fwd::lab
