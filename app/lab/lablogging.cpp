#include "lab/lablogging.h"

Q_LOGGING_CATEGORY(lcLab, "fwd.lab")
Q_LOGGING_CATEGORY(lcLabNbi, "fwd.lab.nbi")
Q_LOGGING_CATEGORY(lcLabFs, "fwd.lab.fs")
Q_LOGGING_CATEGORY(lcLabCpe, "fwd.lab.cpe")
