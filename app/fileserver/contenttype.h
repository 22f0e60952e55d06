#pragma once

#include <QByteArray>
#include <QString>

namespace fwd::fileserver {

// The Content-Type sent for a published name, from its extension (case-insensitive): .npk and
// .bin are binary, .xml is XML, .alter and .rsc (RouterOS scripts) are plain text.
QByteArray contentTypeFor(const QString &name);

} // namespace fwd::fileserver
