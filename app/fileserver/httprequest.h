#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QPair>
#include <QString>

namespace fwd::fileserver {

// A parsed request head. Header names are lower-cased; values are trimmed.
struct HttpRequestHead
{
    QByteArray method;
    QByteArray target;
    int versionMinor = 1; // HTTP/1.<minor>
    QList<QPair<QByteArray, QByteArray>> headers;

    // The first value of a header, or a null array.
    QByteArray header(QByteArrayView lowerName) const;
    int headerCount(QByteArrayView lowerName) const;
};

struct HeadParseResult
{
    enum class Status { Incomplete, Complete, Error };
    Status status = Status::Incomplete;
    qsizetype consumed = 0; // bytes of the head including the blank line (Complete)
    int errorStatus = 0;    // 400, 431, 505 (Error)
    QByteArray errorReason; // for the log
    HttpRequestHead head;
};

// Parses one request head from the start of `buffer` (RFC 9112). Leading empty lines are
// skipped; LF alone is accepted as a line end. A head larger than maxHeaderBytes or with more
// than maxHeaderCount fields is an error 431.
HeadParseResult parseRequestHead(QByteArrayView buffer, int maxHeaderBytes, int maxHeaderCount);

// Maps a request target onto a published name. Percent-decoding is applied once; NUL bytes,
// backslashes, control characters, "." and ".." segments (also percent-encoded), empty segments,
// encoded slashes and invalid UTF-8 are rejected with 400; "/" (no listing) gives 404 with an
// empty name. A query string is ignored. The absolute form "http(s)://host/path" is accepted.
struct TargetResult
{
    int errorStatus = 0; // 0: ok, else 400 or 404
    QString name;
};
TargetResult resolveTarget(QByteArrayView target);

// Whether a name is acceptable for publishing (the same rules as resolveTarget, on the decoded
// name); an empty string when it is, else the reason.
QString checkPublishedName(const QString &name);

} // namespace fwd::fileserver
