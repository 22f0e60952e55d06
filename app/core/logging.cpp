#include "logging.h"

#include <QUrl>

Q_LOGGING_CATEGORY(lcApp, "fwd.app", QtInfoMsg)
Q_LOGGING_CATEGORY(lcStore, "fwd.store", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSettings, "fwd.settings", QtInfoMsg)
Q_LOGGING_CATEGORY(lcNbi, "fwd.acs.nbi", QtInfoMsg)
Q_LOGGING_CATEGORY(lcUi, "fwd.ui", QtInfoMsg)

namespace fwd {

QString redactUrl(const QString &url)
{
    QUrl u(url);
    if (!u.isValid())
        return QStringLiteral("<invalid url>");
    if (!u.password().isEmpty())
        u.setPassword(QStringLiteral("***"));
    return u.toString();
}

} // namespace fwd
