#pragma once

#include <QByteArray>
#include <QString>

// How names reach GenieACS's URL paths (GENIEACS.md §0 and corrections W3, 0.12).
//
// GenieACS's NBI routes accept only [A-Za-z0-9_%-] in device ids, tags and preset, provision and
// virtual-parameter names, and decode the segment once. Device ids are themselves escaped (every
// character outside [A-Za-z0-9_] as %XX), so a path carries them escaped twice (%2D → %252D).
// QUrl normalises %2E and %7E back to '.' and '~' (RFC 3986 unreserved characters), so a name
// containing '.' or '~' can never be sent through QNetworkAccessManager in a form the routes
// accept: such names are refused before any request, with a message saying why.
namespace fwd::acs {

// GenieACS's escaping of one part of a device id: UTF-8 bytes outside [A-Za-z0-9_] as %XX
// (upper-case hex without zero padding, as GenieACS writes it: a tab becomes %9).
QString escapeDeviceIdPart(const QString &part);
// OUI-ProductClass-Serial, ProductClass dropped when empty (GenieACS's generateDeviceId).
QString makeDeviceId(const QString &oui, const QString &productClass, const QString &serial);

// Percent-encodes every byte outside [A-Za-z0-9_-] (what GenieACS's routes need).
QByteArray encodePathSegment(const QString &segment);
// Percent-encodes a query value: everything outside RFC 3986's unreserved set, '+' included
// (GenieACS's query parser reads '+' as a space).
QByteArray encodeQueryValue(const QString &value);

// Empty when fine, else one translated sentence saying what is wrong.
QString checkDeviceId(const QString &deviceId);
// Tags, presets, provisions, virtual parameters. `what` names the kind in the message.
QString checkRouteName(const QString &name, const QString &what);
// File names end up unescaped in the CWMP Download URL (encodeURI, not XML-escaped): only
// [A-Za-z0-9._~-] is allowed, and not "." or "..".
QString checkFileName(const QString &name);
// A task id is a 24-hex ObjectId; anything else crashes GenieACS's NBI worker (T095, T096, T098).
bool isObjectId(const QString &id);
QString checkTaskId(const QString &taskId);
// <deviceId>:<channel>; task channels must be task_<24 hex> (T098).
QString checkFaultId(const QString &faultId);

} // namespace fwd::acs
