#pragma once

#include <QLoggingCategory>

// Logging categories of the lab (enable with QT_LOGGING_RULES="fwd.lab*=true").
Q_DECLARE_LOGGING_CATEGORY(lcLab)
Q_DECLARE_LOGGING_CATEGORY(lcLabNbi)
Q_DECLARE_LOGGING_CATEGORY(lcLabFs)
Q_DECLARE_LOGGING_CATEGORY(lcLabCpe)
