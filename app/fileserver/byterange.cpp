#include "byterange.h"

#include <limits>

namespace fwd::fileserver {

namespace {

// Non-empty run of digits; false on overflow or other characters.
bool parseNumber(QByteArrayView text, qint64 &out)
{
    if (text.isEmpty())
        return false;
    qint64 v = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return false;
        if (v > (std::numeric_limits<qint64>::max() - (c - '0')) / 10)
            return false;
        v = v * 10 + (c - '0');
    }
    out = v;
    return true;
}

} // namespace

ByteRange evaluateRange(QByteArrayView header, qint64 size)
{
    ByteRange full;
    full.last = size - 1;
    QByteArrayView h = header.trimmed();
    constexpr QByteArrayView unit("bytes=");
    if (h.size() < unit.size() ||
        QByteArrayView(h.first(unit.size())).compare(unit, Qt::CaseInsensitive) != 0)
        return full;
    h = h.sliced(unit.size()).trimmed();
    if (h.isEmpty() || h.contains(','))
        return full; // empty set is invalid; several ranges: we answer with the whole file
    const qsizetype dash = h.indexOf('-');
    if (dash < 0)
        return full;
    const QByteArrayView firstText = h.first(dash).trimmed();
    const QByteArrayView lastText = h.sliced(dash + 1).trimmed();

    ByteRange r;
    r.kind = ByteRange::Kind::Partial;
    if (firstText.isEmpty()) {
        // suffix range: the last N bytes
        qint64 suffix = 0;
        if (!parseNumber(lastText, suffix))
            return full;
        if (suffix == 0 || size == 0)
            return {ByteRange::Kind::Unsatisfiable, 0, -1};
        r.first = suffix >= size ? 0 : size - suffix;
        r.last = size - 1;
        return r;
    }
    qint64 first = 0;
    if (!parseNumber(firstText, first))
        return full;
    qint64 last = std::numeric_limits<qint64>::max();
    if (!lastText.isEmpty()) {
        if (!parseNumber(lastText, last))
            return full;
        if (last < first)
            return full; // invalid range-spec: ignore the header
    }
    if (first >= size)
        return {ByteRange::Kind::Unsatisfiable, 0, -1};
    r.first = first;
    r.last = qMin(last, size - 1);
    return r;
}

} // namespace fwd::fileserver
