#include "npkwriter.h"

#include "firmware/npkreader.h"

#include <QBuffer>
#include <QCoreApplication>
#include <QCryptographicHash>
#include <QSaveFile>

#include <functional>

namespace fwd::firmware {

namespace {

const char *const kContext = "fwd::firmware::NpkWriter";

QString tr(const char *text)
{
    return QCoreApplication::translate(kContext, text);
}

QByteArray u16(quint16 v)
{
    QByteArray b(2, '\0');
    b[0] = static_cast<char>(v & 0xff);
    b[1] = static_cast<char>((v >> 8) & 0xff);
    return b;
}

QByteArray u32(quint32 v)
{
    QByteArray b(4, '\0');
    for (int i = 0; i < 4; ++i)
        b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    return b;
}

QByteArray fixedName(const QString &name)
{
    QByteArray b = name.toLatin1().left(16);
    b.append(QByteArray(16 - b.size(), '\0'));
    return b;
}

bool validName(const QString &name)
{
    if (name.isEmpty() || name.size() > 15)
        return false;
    for (QChar c : name) {
        if (c.unicode() < 0x21 || c.unicode() > 0x7e)
            return false;
    }
    return true;
}

quint32 unixTime(const QDateTime &t)
{
    return static_cast<quint32>(qBound<qint64>(0, t.toSecsSinceEpoch(), 0xffffffffLL));
}

// Writes parts to a device, or only counts bytes when the device is null; keeps the running
// SHA-1 of the current package's parts (type 25 excluded) for its signature.
class Emitter
{
public:
    // Counting starts at `start` so that alignment comes out the same in both modes.
    Emitter(QIODevice *device, qint64 start)
        : m_dev(device)
        , m_offset(start)
    {}

    qint64 size() const { return m_offset; }
    bool ok() const { return m_error.isEmpty(); }
    QString error() const { return m_error; }

    void raw(const QByteArray &bytes)
    {
        if (!ok())
            return;
        if (m_dev && m_dev->write(bytes) != bytes.size())
            m_error = tr("writing failed: %1").arg(m_dev->errorString());
        m_offset += bytes.size();
    }

    void part(quint16 type, const QByteArray &payload)
    {
        const QByteArray hdr = u16(type) + u32(static_cast<quint32>(payload.size()));
        hash(type, hdr);
        hash(type, payload);
        raw(hdr);
        raw(payload);
    }

    // A large part whose payload is `lead` then filler bytes, streamed in blocks.
    void bigPart(quint16 type, const QByteArray &lead, qint64 totalSize, const QByteArray &pattern)
    {
        const QByteArray hdr = u16(type) + u32(static_cast<quint32>(totalSize));
        hash(type, hdr);
        raw(hdr);
        hash(type, lead);
        raw(lead);
        qint64 left = totalSize - lead.size();
        if (left <= 0)
            return;
        QByteArray block;
        block.reserve(1 << 20);
        while (block.size() < (1 << 20))
            block.append(pattern);
        block.truncate(1 << 20);
        while (left > 0 && ok()) {
            const QByteArray chunk = left >= block.size() ? block : block.left(left);
            hash(type, chunk);
            raw(chunk);
            left -= chunk.size();
        }
    }

    void signature(bool withEdDsa, const QByteArray &seed)
    {
        const qsizetype length = withEdDsa ? 132 : 68;
        const QByteArray hdr = u16(9) + u32(static_cast<quint32>(length));
        if (m_dev)
            m_sha1.addData(hdr);
        QByteArray payload = m_dev ? m_sha1.result() : QByteArray(20, '\0');
        // Synthetic KCDSA/EdDSA bytes: deterministic, never a real MikroTik signature.
        QByteArray filler = QCryptographicHash::hash(seed, QCryptographicHash::Sha512);
        while (payload.size() < length)
            payload.append(filler);
        payload.truncate(length);
        raw(hdr);
        raw(payload);
        m_sha1.reset();
    }

private:
    void hash(quint16 type, const QByteArray &bytes)
    {
        if (m_dev && type != 25)
            m_sha1.addData(bytes);
    }

    QIODevice *m_dev;
    qint64 m_offset = 0;
    QString m_error;
    QCryptographicHash m_sha1{QCryptographicHash::Sha1};
};

QString checkPackage(const NpkPackageSpec &spec)
{
    if (!validName(spec.name))
        return tr("the package name \"%1\" must be 1 to 15 ASCII characters").arg(spec.name);
    if (spec.npkArchitecture.isEmpty())
        return tr("the architecture is empty");
    if (spec.squashfsSize < 4 || spec.squashfsSize > 0xffffffffLL)
        return tr("the file-system size must be between 4 bytes and 4 GiB");
    if (spec.version.major < 1 || spec.version.major > 255 || spec.version.minor > 255)
        return tr("the version %1 cannot be encoded").arg(spec.version.toString());
    return {};
}

void emitPackage(Emitter &e, const NpkPackageSpec &spec, bool topLevel)
{
    if (topLevel)
        e.part(25, {});
    QByteArray info = fixedName(spec.name) + spec.version.toNpkBytes() +
                      u32(unixTime(spec.buildTime)) + QByteArray(8, '\0') + u32(2);
    e.part(1, info);
    if (!spec.channel.isEmpty())
        e.part(24, spec.channel.toLatin1());
    e.part(16, spec.npkArchitecture.toLatin1());
    const QString description =
        spec.description.isEmpty() ? spec.name + QStringLiteral(" package") : spec.description;
    e.part(2, description.toLatin1());
    const QByteArray seed = spec.name.toLatin1() + spec.version.toNpkBytes() +
                            spec.npkArchitecture.toLatin1() + spec.channel.toLatin1();
    e.part(23, QCryptographicHash::hash(seed, QCryptographicHash::Sha1).toHex());
    if (spec.dependsOnSystem) {
        e.part(3, u16(1) + fixedName(QStringLiteral("system")) + spec.version.toNpkBytes() +
                      u32(0) + spec.version.toNpkBytes() + u32(0));
    } else {
        e.part(3, u16(0));
    }
    // Zero padding so that the squashfs payload starts on a 4096-byte boundary.
    const qint64 payloadAt = e.size() + 6 + 6;
    const qint64 pad = (4096 - payloadAt % 4096) % 4096;
    e.part(22, QByteArray(pad, '\0'));
    e.bigPart(21, QByteArrayLiteral("hsqs"), spec.squashfsSize,
              QCryptographicHash::hash(seed, QCryptographicHash::Sha256));
    e.signature(spec.signatureWithEdDsa, seed);
    if (topLevel)
        e.part(16, QByteArrayLiteral("I"));
}

void emitBundle(Emitter &e, const NpkBundleSpec &spec)
{
    e.part(18, fixedName(spec.name) + spec.version.toNpkBytes() + u32(unixTime(spec.buildTime)) +
                   QByteArray(8, '\0'));
    e.part(16, spec.npkArchitecture.toLatin1());
    if (!spec.channel.isEmpty())
        e.part(24, spec.channel.toLatin1());
    const QString description = spec.description.isEmpty()
                                    ? QStringLiteral("RouterOS for ") + spec.npkArchitecture
                                    : spec.description;
    e.part(2, description.toLatin1());
    for (const NpkPackageSpec &p : spec.packages) {
        e.part(20, u16(1) + fixedName(p.name) + p.version.toNpkBytes() + u32(0) +
                       p.version.toNpkBytes() + u32(0));
    }
    for (const NpkPackageSpec &p : spec.packages)
        emitPackage(e, p, false);
}

bool writeWith(QIODevice &device, const std::function<void(Emitter &)> &body, QString *errorString)
{
    Emitter counter(nullptr, 8);
    body(counter);
    const qint64 total = counter.size() - 8;
    if (total > 0xffffffffLL) {
        if (errorString)
            *errorString = tr("the package would be larger than 4 GiB");
        return false;
    }
    Emitter e(&device, 0);
    e.raw(NpkReader::magic() + u32(static_cast<quint32>(total)));
    body(e);
    if (!e.ok() && errorString)
        *errorString = e.error();
    return e.ok();
}

template<typename Spec>
bool writeFileImpl(const QString &path, const Spec &spec, QString *errorString)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (errorString)
            *errorString = tr("%1 cannot be written: %2").arg(path, file.errorString());
        return false;
    }
    if (!NpkWriter::write(file, spec, errorString)) {
        file.cancelWriting();
        return false;
    }
    if (!file.commit()) {
        if (errorString)
            *errorString = tr("%1 cannot be written: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

} // namespace

bool NpkWriter::write(QIODevice &device, const NpkPackageSpec &spec, QString *errorString)
{
    if (const QString why = checkPackage(spec); !why.isEmpty()) {
        if (errorString)
            *errorString = why;
        return false;
    }
    return writeWith(
        device, [&spec](Emitter &e) { emitPackage(e, spec, true); }, errorString);
}

bool NpkWriter::write(QIODevice &device, const NpkBundleSpec &spec, QString *errorString)
{
    QString why;
    if (!validName(spec.name))
        why = tr("the bundle name \"%1\" must be 1 to 15 ASCII characters").arg(spec.name);
    else if (spec.packages.isEmpty())
        why = tr("a bundle needs at least one package");
    for (const NpkPackageSpec &p : spec.packages) {
        if (why.isEmpty())
            why = checkPackage(p);
    }
    if (!why.isEmpty()) {
        if (errorString)
            *errorString = why;
        return false;
    }
    return writeWith(
        device, [&spec](Emitter &e) { emitBundle(e, spec); }, errorString);
}

bool NpkWriter::writeFile(const QString &path, const NpkPackageSpec &spec, QString *errorString)
{
    return writeFileImpl(path, spec, errorString);
}

bool NpkWriter::writeFile(const QString &path, const NpkBundleSpec &spec, QString *errorString)
{
    return writeFileImpl(path, spec, errorString);
}

QByteArray NpkWriter::build(const NpkPackageSpec &spec)
{
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    if (!write(buffer, spec, nullptr))
        return {};
    return buffer.data();
}

QByteArray NpkWriter::build(const NpkBundleSpec &spec)
{
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    if (!write(buffer, spec, nullptr))
        return {};
    return buffer.data();
}

qint64 NpkWriter::packageSize(const NpkPackageSpec &spec)
{
    if (!checkPackage(spec).isEmpty())
        return -1;
    Emitter counter(nullptr, 8);
    emitPackage(counter, spec, true);
    return counter.size();
}

qint64 NpkWriter::bundleSize(const NpkBundleSpec &spec)
{
    Emitter counter(nullptr, 8);
    emitBundle(counter, spec);
    return counter.size();
}

} // namespace fwd::firmware
