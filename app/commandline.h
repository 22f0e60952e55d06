#pragma once

#include <QString>
#include <QStringList>

namespace fwd {

// What the command line asked for.
struct CommandLine
{
    QString databaseUrl;   // --database; empty: the settings' or the default SQLite file
    QString settingsFile;  // --settings; empty: the user's settings
    QString screen;        // --screen
    bool headless = false; // --headless: no window; the services run until SIGTERM/SIGINT
    bool exitNow = false;  // --help, --version, or an error: exit with exitCode
    int exitCode = 0;
    QString output; // text to print before exiting (help, version, error)

    // Parses the arguments of QCoreApplication::arguments().
    static CommandLine parse(const QStringList &arguments);
};

} // namespace fwd
