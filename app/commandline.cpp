#include "commandline.h"

#include <QCommandLineParser>
#include <QCoreApplication>

namespace fwd {

CommandLine CommandLine::parse(const QStringList &arguments)
{
    CommandLine out;
    QCommandLineParser parser;
    parser.setApplicationDescription(QCoreApplication::translate(
        "main", "FirmwareDesk: safe TR-069 firmware rollouts through GenieACS."));
    const QCommandLineOption help = parser.addHelpOption();
    const QCommandLineOption version = parser.addVersionOption();
    const QCommandLineOption database(
        QStringLiteral("database"),
        QCoreApplication::translate("main",
                                    "Use this database instead of the one in the settings: a "
                                    "SQLite file path, or postgresql://user:password@host:port/"
                                    "database."),
        QStringLiteral("URL"));
    const QCommandLineOption settings(
        QStringLiteral("settings"),
        QCoreApplication::translate("main", "Read and write the settings in this INI file instead "
                                            "of the user's settings (portable use, tests)."),
        QStringLiteral("FILE"));
    const QCommandLineOption screen(
        QStringLiteral("screen"),
        QCoreApplication::translate("main", "Open on this screen: files, activity."),
        QStringLiteral("NAME"));
    const QCommandLineOption headless(
        QStringLiteral("headless"),
        QCoreApplication::translate(
            "main", "Run without a window (on a server, under systemd): the built-in file "
                    "server serves the published files, the access log goes to the database; "
                    "stops cleanly on SIGTERM or SIGINT. Needs no display."));
    parser.addOptions({database, settings, screen, headless});

    if (!parser.parse(arguments)) {
        out.exitNow = true;
        out.exitCode = 2;
        out.output = parser.errorText() + QLatin1Char('\n') +
                     QCoreApplication::translate("main", "Try --help.") + QLatin1Char('\n');
        return out;
    }
    if (parser.isSet(help)) {
        out.exitNow = true;
        out.output = parser.helpText();
        return out;
    }
    if (parser.isSet(version)) {
        out.exitNow = true;
        out.output = QStringLiteral("FirmwareDesk " FWD_VERSION "\n");
        return out;
    }
    if (!parser.positionalArguments().isEmpty()) {
        out.exitNow = true;
        out.exitCode = 2;
        out.output = QCoreApplication::translate("main", "Unexpected argument: %1\nTry --help.\n")
                         .arg(parser.positionalArguments().first());
        return out;
    }
    out.databaseUrl = parser.value(database);
    out.settingsFile = parser.value(settings);
    out.screen = parser.value(screen);
    out.headless = parser.isSet(headless);
    if (out.headless && parser.isSet(screen)) {
        out.exitNow = true;
        out.exitCode = 2;
        out.output = QCoreApplication::translate(
            "main", "--screen cannot be used with --headless (there is no window).\nTry --help.\n");
    }
    return out;
}

} // namespace fwd
