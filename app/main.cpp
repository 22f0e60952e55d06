#include "commandline.h"
#include "compositionroot.h"
#include "core/logging.h"
#include "terminationsignals.h"

#include <QApplication>
#include <QMessageBox>

#include <cstdio>

namespace {
void setIdentity()
{
    QCoreApplication::setApplicationName(QStringLiteral("FirmwareDesk"));
    QCoreApplication::setOrganizationName(QStringLiteral("FirmwareDesk"));
    QCoreApplication::setApplicationVersion(QStringLiteral(FWD_VERSION));
}
// No window and no display: the services run until SIGTERM, SIGINT or SIGHUP; then the event
// loop ends and the composition root stops them in order (the file server closes its
// connections and flushes the access log into the database).
int runHeadless(int argc, char *argv[], const fwd::CommandLine &commandLine)
{
    QCoreApplication app(argc, argv);
    setIdentity();
    fwd::TerminationSignals termination;
    if (!termination.isActive()) {
        std::fprintf(stderr, "firmwaredesk: %s\n", qPrintable(termination.error()));
        return 1;
    }
    QObject::connect(&termination, &fwd::TerminationSignals::received, &app, [](int number) {
        qCInfo(lcApp) << "signal" << number << "received: stopping";
        QCoreApplication::quit();
    });
    fwd::CompositionRoot root(commandLine);
    if (!root.start()) {
        std::fprintf(stderr, "firmwaredesk: %s\n", qPrintable(root.error()));
        return 1;
    }
    qCInfo(lcApp) << "running headless; stop with SIGTERM or SIGINT";
    const int code = QCoreApplication::exec();
    qCInfo(lcApp) << "stopped";
    return code;
}
} // namespace

int main(int argc, char *argv[])
{
    // The command line is read before any window system is needed, so --help and --version
    // work on a machine without a display.
    fwd::CommandLine commandLine;
    {
        QCoreApplication probe(argc, argv);
        setIdentity();
        commandLine = fwd::CommandLine::parse(QCoreApplication::arguments());
    }
    if (commandLine.exitNow) {
        std::fputs(qPrintable(commandLine.output), commandLine.exitCode ? stderr : stdout);
        return commandLine.exitCode;
    }

    if (commandLine.headless)
        return runHeadless(argc, argv, commandLine);

    QApplication app(argc, argv);
    setIdentity();
    QApplication::setApplicationDisplayName(QStringLiteral("FirmwareDesk"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/firmwaredesk.svg")));

    fwd::CompositionRoot root(commandLine);
    if (!root.start()) {
        std::fprintf(stderr, "firmwaredesk: %s\n", qPrintable(root.error()));
        QMessageBox::critical(nullptr, QApplication::translate("main", "FirmwareDesk cannot start"),
                              root.error());
        return 1;
    }
    return QApplication::exec();
}
