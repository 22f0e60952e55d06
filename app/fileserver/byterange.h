#pragma once

#include <QByteArrayView>

namespace fwd::fileserver {

// The outcome of a Range header against a representation of `size` bytes (RFC 9110 14.2).
struct ByteRange
{
    enum class Kind {
        Full,          // no usable Range: send 200 with the whole body
        Partial,       // one satisfiable range: send 206 [first, last]
        Unsatisfiable, // send 416 with "Content-Range: bytes */size"
    };
    Kind kind = Kind::Full;
    qint64 first = 0;
    qint64 last = -1; // inclusive

    qint64 length() const { return last - first + 1; }
};

// Evaluates a Range header value. Syntax errors, other units and multi-range requests are
// ignored (Full), as RFC 9110 allows: this server sends single ranges only.
ByteRange evaluateRange(QByteArrayView header, qint64 size);

} // namespace fwd::fileserver
