#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QDateTime>

namespace fwd::fileserver {

// "Sun, 06 Nov 1994 08:49:37 GMT" (IMF-fixdate, RFC 9110 5.6.7), always in English and UTC.
QByteArray formatHttpDate(const QDateTime &time);
// Parses IMF-fixdate, the obsolete RFC 850 form and asctime(); invalid QDateTime on bad input.
QDateTime parseHttpDate(QByteArrayView text);

} // namespace fwd::fileserver
