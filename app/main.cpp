#include "commandline.h"
#include "compositionroot.h"
#include "core/logging.h"

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
