// firmwaredesk-lab: a GenieACS 1.2.16-compatible NBI and file server with a simulated fleet.
#include "lab/labcommandline.h"
#include "lab/labserver.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTextStream>

#include <cstdio>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("firmwaredesk-lab"));
    QCoreApplication::setApplicationVersion(QStringLiteral(FWD_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QCoreApplication::translate(
        "main", "A GenieACS 1.2.16-compatible lab: NBI, file server and a simulated fleet of "
                "TR-069 routers."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOptions(fwd::lab::LabCommandLine::options());
    parser.process(app);

    QString error;
    const auto options = fwd::lab::LabCommandLine::parse(parser, &error);
    if (!options) {
        std::fprintf(stderr, "firmwaredesk-lab: %s\n", qPrintable(error));
        return 2;
    }
    fwd::lab::LabServer lab(*options);
    if (!lab.start()) {
        std::fprintf(stderr, "firmwaredesk-lab: %s\n", qPrintable(lab.errorString()));
        return 1;
    }
    QTextStream out(stdout);
    out << "NBI http://127.0.0.1:" << lab.nbiPort() << "/\n"
        << "FS " << lab.fsUrlPrefix() << "\n"
        << "routers " << options->devices << ", clock x" << options->clockFactor << "\n";
    out.flush();
    return app.exec();
}
