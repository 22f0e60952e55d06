#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>

// A GenieACS 1.2.16 request/answer capture from tests/acs/data/transcripts (copied from the
// project's reference transcripts).
struct Transcript
{
    QByteArray method;
    QByteArray path;        // as sent (percent-encoded)
    QByteArray pathDecoded; // path_decoded, or path
    QList<std::pair<QByteArray, QByteArray>> requestHeaders;
    QByteArray requestBody;
    int status = 0; // 0: no answer (the connection was dropped)
    QByteArray reason;
    QList<std::pair<QByteArray, QByteArray>> headers; // without Transfer-Encoding/Content-Length
    QByteArray body;
    QJsonValue bodyJson;

    static Transcript load(const QString &prefix); // "005" → 005-*.json
};
