#include "npkreader.h"

#include "firmware/firmwarelogging.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>

namespace fwd::firmware {

namespace {

const char *const kContext = "fwd::firmware::NpkReader";

QString tr(const char *text)
{
    return QCoreApplication::translate(kContext, text);
}

// Part types (MIKROTIK.md §2.4).
enum PartType : quint16 {
    PartInfo = 1,
    PartDescription = 2,
    PartDependency = 3,
    PartSignature = 9,
    PartArchitecture = 16,
    PartBundleInfo = 18,
    PartBundleMember = 20,
    PartChannel = 24,
    PartPreHeader = 25,
};

constexpr qint64 kHeaderSize = 8;
constexpr qint64 kPartHeaderSize = 6;
constexpr qint64 kMaxMetadataPart = 64 * 1024;
constexpr int kMaxParts = 100000;

quint16 le16(const QByteArray &b, qsizetype at)
{
    return static_cast<quint16>(static_cast<quint8>(b[at]) | (static_cast<quint8>(b[at + 1]) << 8));
}

quint32 le32(const QByteArray &b, qsizetype at)
{
    return static_cast<quint32>(static_cast<quint8>(b[at])) |
           (static_cast<quint32>(static_cast<quint8>(b[at + 1])) << 8) |
           (static_cast<quint32>(static_cast<quint8>(b[at + 2])) << 16) |
           (static_cast<quint32>(static_cast<quint8>(b[at + 3])) << 24);
}

QString hexBytes(const QByteArray &b)
{
    return QString::fromLatin1(b.toHex(' ')).toUpper();
}

bool isPrintableAscii(const QByteArray &b)
{
    for (char c : b) {
        if (c < 0x20 || c > 0x7e)
            return false;
    }
    return true;
}

// A fixed-size NUL-padded name field.
QString fixedString(const QByteArray &payload, qsizetype at, qsizetype size, bool *ok)
{
    QByteArray raw = payload.mid(at, size);
    const qsizetype nul = raw.indexOf('\0');
    if (nul >= 0)
        raw.truncate(nul);
    *ok = !raw.isEmpty() && isPrintableAscii(raw);
    return QString::fromLatin1(raw);
}

// A free-text part (architecture, channel, description): ASCII, maybe NUL-terminated.
QString textPart(const QByteArray &payload)
{
    QByteArray raw = payload;
    const qsizetype nul = raw.indexOf('\0');
    if (nul >= 0)
        raw.truncate(nul);
    return QString::fromLatin1(raw).trimmed();
}

QString describeNonNpk(const QByteArray &head)
{
    if (head.startsWith("PK\x03\x04"))
        return tr("it is a ZIP archive (MikroTik ships extra packages zipped as "
                  "all_packages-<arch>-<version>.zip: unpack it and add the .npk files)");
    const QByteArray trimmed = head.trimmed();
    if (trimmed.startsWith('<'))
        return tr("it is an XML or HTML document, not a package");
    bool text = !head.isEmpty();
    for (char c : head) {
        const auto u = static_cast<quint8>(c);
        if (u == 0 || (u < 0x20 && c != '\n' && c != '\r' && c != '\t')) {
            text = false;
            break;
        }
    }
    if (text) {
        QString start = QString::fromUtf8(head.left(24)).simplified();
        return tr("it is a text file that starts with \"%1\"").arg(start);
    }
    return tr("it starts with the bytes %1 instead of the NPK magic 1E F1 D0 BA")
        .arg(hexBytes(head.left(4)));
}

class Parser
{
public:
    Parser(QIODevice &device, QString name)
        : m_dev(device)
        , m_name(std::move(name))
    {}

    NpkReadResult run();

private:
    NpkReadResult fail(NpkError error, const QString &why) const
    {
        NpkReadResult r;
        r.error = error;
        r.errorString = tr("%1 is not a usable MikroTik package: %2.").arg(m_name, why);
        qCDebug(lcFirmware) << "NPK read failed:" << r.errorString;
        return r;
    }

    bool handlePart(quint16 type, const QByteArray &payload, qint64 offset, QString *why);

    QIODevice &m_dev;
    QString m_name;
    NpkInfo m_info;
    bool m_seenIdentity = false;  // a type 1 or 18 part was parsed
    bool m_seenInnerInfo = false; // in a bundle: the first inner type 1 was seen
    bool m_seenSignature = false;
    int m_meaningfulParts = 0;
};

NpkReadResult Parser::run()
{
    const qint64 size = m_dev.size();
    if (size == 0)
        return fail(NpkError::Empty, tr("the file is empty (0 bytes)"));
    if (!m_dev.seek(0))
        return fail(NpkError::Unreadable, m_dev.errorString());
    const QByteArray head = m_dev.read(qMin<qint64>(size, 64));
    if (head.size() < qMin<qint64>(size, kHeaderSize))
        return fail(NpkError::Unreadable, tr("reading failed: %1").arg(m_dev.errorString()));
    if (!head.startsWith(NpkReader::magic()))
        return fail(NpkError::NotNpk, describeNonNpk(head));
    if (size < kHeaderSize) {
        return fail(NpkError::Truncated,
                    tr("it is only %1 bytes long; the NPK header alone needs 8").arg(size));
    }
    const qint64 announced = static_cast<qint64>(le32(head, 4)) + kHeaderSize;
    if (announced > size) {
        return fail(NpkError::SizeMismatch,
                    tr("it is %1 bytes long but its header announces %2 bytes; the file is "
                       "truncated (an incomplete download?)")
                        .arg(size)
                        .arg(announced));
    }
    if (announced < size) {
        return fail(NpkError::SizeMismatch,
                    tr("it is %1 bytes long but its header announces %2 bytes; %3 unexpected "
                       "bytes follow the package")
                        .arg(size)
                        .arg(announced)
                        .arg(size - announced));
    }

    qint64 offset = kHeaderSize;
    int parts = 0;
    while (offset < size) {
        if (++parts > kMaxParts)
            return fail(NpkError::BadPart, tr("it has more than %1 parts").arg(kMaxParts));
        if (size - offset < kPartHeaderSize) {
            return fail(
                NpkError::Truncated,
                tr("it ends inside the header of part %1 at offset %2").arg(parts).arg(offset));
        }
        if (!m_dev.seek(offset))
            return fail(NpkError::Unreadable, m_dev.errorString());
        const QByteArray hdr = m_dev.read(kPartHeaderSize);
        if (hdr.size() != kPartHeaderSize)
            return fail(NpkError::Unreadable, tr("reading failed: %1").arg(m_dev.errorString()));
        const quint16 type = le16(hdr, 0);
        const qint64 length = le32(hdr, 2);
        const qint64 remaining = size - offset - kPartHeaderSize;
        if (length > remaining) {
            return fail(NpkError::Truncated,
                        tr("part %1 (type %2) at offset %3 announces %4 bytes but only %5 remain")
                            .arg(parts)
                            .arg(type)
                            .arg(offset)
                            .arg(length)
                            .arg(remaining));
        }
        const bool metadata = type == PartInfo || type == PartDescription ||
                              type == PartDependency || type == PartArchitecture ||
                              type == PartBundleInfo || type == PartBundleMember ||
                              type == PartChannel;
        QByteArray payload;
        if (metadata) {
            if (length > kMaxMetadataPart) {
                return fail(NpkError::BadPart,
                            tr("metadata part %1 (type %2) at offset %3 is implausibly large "
                               "(%4 bytes)")
                                .arg(parts)
                                .arg(type)
                                .arg(offset)
                                .arg(length));
            }
            payload = m_dev.read(length);
            if (payload.size() != length) {
                return fail(NpkError::Unreadable,
                            tr("reading failed: %1").arg(m_dev.errorString()));
            }
        }
        QString why;
        if (!handlePart(type, payload, offset, &why))
            return fail(NpkError::BadPart, why);
        offset += kPartHeaderSize + length;
    }

    if (!m_seenIdentity) {
        return fail(NpkError::NoPackageInfo,
                    tr("it has no package-information part (name and version)"));
    }
    NpkReadResult r;
    m_info.fileSize = size;
    r.info = m_info;
    qCDebug(lcFirmware) << "NPK" << m_name << "is" << m_info.name << m_info.versionString()
                        << m_info.npkArchitecture << m_info.channel;
    return r;
}

bool Parser::handlePart(quint16 type, const QByteArray &payload, qint64 offset, QString *why)
{
    if (type == PartPreHeader)
        return true;
    ++m_meaningfulParts;

    if (type == PartBundleInfo && m_meaningfulParts == 1) {
        // 32 bytes: name[16], version[4], build time u32, 8 unknown bytes (MIKROTIK.md §2.4).
        if (payload.size() < 24) {
            *why = tr("the bundle header at offset %1 is %2 bytes long; at least 24 are needed")
                       .arg(offset)
                       .arg(payload.size());
            return false;
        }
        bool nameOk = false;
        m_info.name = fixedString(payload, 0, 16, &nameOk);
        const auto version = RouterOsVersion::fromNpkBytes(payload.mid(16, 4));
        if (!nameOk || !version) {
            *why = tr("the bundle header at offset %1 holds no valid name and version").arg(offset);
            return false;
        }
        m_info.version = *version;
        m_info.buildTime = QDateTime::fromSecsSinceEpoch(le32(payload, 20), Qt::UTC);
        m_info.bundle = true;
        m_seenIdentity = true;
        return true;
    }

    if (type == PartInfo) {
        if (m_info.bundle) {
            // An inner package of a bundle: its name lists the member when part 20 did not.
            if (payload.size() >= 16) {
                bool ok = false;
                const QString inner = fixedString(payload, 0, 16, &ok);
                if (ok && !m_info.bundledPackages.contains(inner))
                    m_info.bundledPackages << inner;
            }
            m_seenInnerInfo = true;
            return true;
        }
        if (m_seenIdentity)
            return true; // further packages (nested bundles of early v6) are not described
        if (payload.size() != 36 && payload.size() != 32) {
            *why = tr("the package-information part at offset %1 is %2 bytes long; 36 (or 32 "
                      "for RouterOS v5) were expected")
                       .arg(offset)
                       .arg(payload.size());
            return false;
        }
        bool nameOk = false;
        m_info.name = fixedString(payload, 0, 16, &nameOk);
        if (!nameOk) {
            *why = tr("the package name at offset %1 is empty or not plain ASCII").arg(offset + 6);
            return false;
        }
        const QByteArray vb = payload.mid(16, 4);
        const auto version = RouterOsVersion::fromNpkBytes(vb);
        if (!version) {
            *why = tr("the version bytes %1 at offset %2 are not a RouterOS version")
                       .arg(hexBytes(vb))
                       .arg(offset + 6 + 16);
            return false;
        }
        m_info.version = *version;
        m_info.buildTime = QDateTime::fromSecsSinceEpoch(le32(payload, 20), Qt::UTC);
        m_seenIdentity = true;
        return true;
    }

    if (!m_seenIdentity || m_seenSignature)
        return true; // before the identity, or the 1-byte trailer after the signature
    const bool describing = !m_info.bundle || !m_seenInnerInfo;

    switch (type) {
    case PartSignature:
        if (!m_info.bundle)
            m_seenSignature = true;
        return true;
    case PartArchitecture:
        if (m_info.npkArchitecture.isEmpty()) {
            const QString arch = textPart(payload);
            if (arch.isEmpty() || !isPrintableAscii(arch.toLatin1())) {
                *why = tr("the architecture at offset %1 is empty or not plain ASCII")
                           .arg(offset + kPartHeaderSize);
                return false;
            }
            m_info.npkArchitecture = arch;
        }
        return true;
    case PartChannel:
        if (m_info.channel.isEmpty())
            m_info.channel = textPart(payload);
        return true;
    case PartDescription:
        if (describing && m_info.description.isEmpty())
            m_info.description = textPart(payload);
        return true;
    case PartDependency:
        if (describing && payload.size() >= 30 && le16(payload, 0) != 0) {
            bool ok = false;
            NpkDependency d;
            d.packageName = fixedString(payload, 2, 16, &ok);
            const auto min = RouterOsVersion::fromNpkBytes(payload.mid(18, 4));
            const auto max = RouterOsVersion::fromNpkBytes(payload.mid(26, 4));
            if (ok && min && max) {
                d.minimumVersion = *min;
                d.maximumVersion = *max;
                m_info.dependencies << d;
            }
        }
        return true;
    case PartBundleMember:
        if (payload.size() >= 18) {
            bool ok = false;
            const QString member = fixedString(payload, 2, 16, &ok);
            if (ok && !m_info.bundledPackages.contains(member))
                m_info.bundledPackages << member;
        }
        return true;
    default:
        return true;
    }
}

} // namespace

QByteArray NpkReader::magic()
{
    return QByteArrayLiteral("\x1e\xf1\xd0\xba");
}

NpkReadResult NpkReader::read(const QString &path)
{
    const QString display = QFileInfo(path).fileName();
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        NpkReadResult r;
        r.error = NpkError::Unreadable;
        r.errorString = QCoreApplication::translate(kContext, "%1 cannot be read: %2.")
                            .arg(display, file.errorString());
        return r;
    }
    return read(file, display);
}

NpkReadResult NpkReader::read(QIODevice &device, const QString &displayName)
{
    if (!device.isOpen() || !device.isReadable() || device.isSequential()) {
        NpkReadResult r;
        r.error = NpkError::Unreadable;
        r.errorString = QCoreApplication::translate(
                            kContext, "%1 cannot be read: it is not an open, seekable file.")
                            .arg(displayName);
        return r;
    }
    return Parser(device, displayName).run();
}

NpkDigestCheck NpkReader::verifyDigest(QIODevice &device, QString *errorString)
{
    auto failed = [errorString](const QString &why) {
        if (errorString)
            *errorString = why;
        return NpkDigestCheck::Invalid;
    };
    const qint64 size = device.size();
    if (!device.seek(0))
        return failed(device.errorString());
    const QByteArray head = device.read(kHeaderSize);
    if (head.size() != kHeaderSize || !head.startsWith(magic()))
        return failed(tr("not an NPK file"));
    QCryptographicHash sha1(QCryptographicHash::Sha1);
    qint64 offset = kHeaderSize;
    bool first = true;
    QByteArray buffer;
    while (offset + kPartHeaderSize <= size) {
        if (!device.seek(offset))
            return failed(device.errorString());
        const QByteArray hdr = device.read(kPartHeaderSize);
        if (hdr.size() != kPartHeaderSize)
            return failed(device.errorString());
        const quint16 type = le16(hdr, 0);
        const qint64 length = le32(hdr, 2);
        if (length > size - offset - kPartHeaderSize)
            return failed(tr("a part runs past the end of the file"));
        if (type != PartPreHeader) {
            if (first && type == PartBundleInfo) {
                if (errorString)
                    errorString->clear();
                return NpkDigestCheck::NotChecked;
            }
            first = false;
            sha1.addData(hdr);
            if (type == PartSignature) {
                const QByteArray stored = device.read(qMin<qint64>(length, 20));
                if (stored.size() != 20)
                    return failed(tr("the signature part is too short"));
                if (sha1.result() != stored)
                    return failed(tr("the SHA-1 in the signature does not match the package's "
                                     "contents (the file is corrupt)"));
                return NpkDigestCheck::Valid;
            }
            qint64 left = length;
            while (left > 0) {
                buffer = device.read(qMin<qint64>(left, 1 << 20));
                if (buffer.isEmpty())
                    return failed(device.errorString());
                sha1.addData(buffer);
                left -= buffer.size();
            }
        }
        offset += kPartHeaderSize + length;
    }
    return failed(tr("the package has no signature part"));
}

} // namespace fwd::firmware
