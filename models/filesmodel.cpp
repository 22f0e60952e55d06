#include "filesmodel.h"

#include "firmware/filelibrary.h"
#include "firmware/filetype.h"

#include <QLocale>

#include <algorithm>

namespace fwd::models {

namespace {

// MikroTik's registered OUIs (IEEE registry), for the guide's "E48D8C (MikroTik)" column.
QString vendorFor(const QString &oui)
{
    static const QStringList mikrotik = {
        QStringLiteral("000C42"), QStringLiteral("085531"), QStringLiteral("18FD74"),
        QStringLiteral("2CC81B"), QStringLiteral("48A98A"), QStringLiteral("4C5E0C"),
        QStringLiteral("64D154"), QStringLiteral("6C3B6B"), QStringLiteral("744D28"),
        QStringLiteral("B869F4"), QStringLiteral("C4AD34"), QStringLiteral("CC2DE0"),
        QStringLiteral("D4CA6D"), QStringLiteral("DC2C6E"), QStringLiteral("E48D8C"),
    };
    return mikrotik.contains(oui.toUpper()) ? QStringLiteral("MikroTik") : QString();
}

} // namespace

FilesModel::FilesModel(firmware::FileLibrary &library, QObject *parent)
    : QAbstractTableModel(parent)
    , m_library(library)
{
    connect(&m_library, &firmware::FileLibrary::loaded, this, &FilesModel::reload);
    connect(&m_library, &firmware::FileLibrary::recordAdded, this, &FilesModel::onAdded);
    connect(&m_library, &firmware::FileLibrary::recordChanged, this, &FilesModel::onChanged);
    connect(&m_library, &firmware::FileLibrary::recordRemoved, this, &FilesModel::onRemoved);
    if (m_library.isLoaded())
        m_rows = m_library.records();
}

const firmware::FileRecord *FilesModel::recordAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? &m_rows.at(row) : nullptr;
}

int FilesModel::rowOf(qint64 id) const
{
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).id == id)
            return i;
    }
    return -1;
}

int FilesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int FilesModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString FilesModel::formatSize(qint64 bytes)
{
    if (bytes < 1024)
        return tr("%n B", nullptr, int(bytes));
    const QLocale locale;
    const double kib = double(bytes) / 1024.0;
    if (kib < 1024.0)
        return tr("%1 KB").arg(locale.toString(kib, 'f', 2));
    const double mib = kib / 1024.0;
    if (mib < 1024.0)
        return tr("%1 MB").arg(locale.toString(mib, 'f', 2));
    return tr("%1 GB").arg(locale.toString(mib / 1024.0, 'f', 2));
}

QString FilesModel::publishedText(const firmware::FileRecord &record)
{
    using firmware::PublishTarget;
    const bool builtIn = record.publishedTo.testFlag(PublishTarget::BuiltInServer);
    const bool acs = record.publishedTo.testFlag(PublishTarget::GenieAcs);
    if (builtIn && acs)
        return tr("Both");
    if (builtIn)
        return tr("Built-in server");
    if (acs)
        return tr("GenieACS");
    return tr("Not published");
}

QString FilesModel::displayText(const firmware::FileRecord &r, int column) const
{
    switch (column) {
    case Name:
        return r.fileName;
    case Type:
        return firmware::fileTypeDisplayName(r.fileType);
    case Oui: {
        if (r.oui.isEmpty())
            return tr("Any");
        const QString vendor = vendorFor(r.oui);
        return vendor.isEmpty() ? r.oui : tr("%1 (%2)").arg(r.oui, vendor);
    }
    case ProductClass:
        return r.productClass.isEmpty() ? tr("Any") : r.productClass;
    case Version:
        return r.version;
    case Size:
        return formatSize(r.size);
    case Sha256:
        return r.sha256;
    case Published:
        return publishedText(r);
    case UsedBy: {
        if (r.batchIds.isEmpty())
            return QString();
        QStringList ids;
        for (qint64 id : r.batchIds)
            ids << tr("#%1").arg(id);
        return tr("%n batch(es): %1", nullptr, int(r.batchIds.size()))
            .arg(ids.join(QLatin1String(", ")));
    }
    default:
        return QString();
    }
}

QVariant FilesModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const firmware::FileRecord &r = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        if (index.column() == Sha256)
            return QString(r.sha256.left(16) + QChar(0x2026)); // full hash in the tooltip
        return displayText(r, index.column());
    case Qt::ToolTipRole:
        switch (index.column()) {
        case Type:
            return firmware::fileTypeDescription(r.fileType);
        case Sha256:
            return r.sha256;
        case Published:
            return r.publishedUrl.isValid() ? r.publishedUrl.toString() : publishedText(r);
        case Size:
            return tr("%1 bytes").arg(QLocale().toString(r.size));
        default:
            return displayText(r, index.column());
        }
    case Qt::TextAlignmentRole:
        if (index.column() == Size)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case SortRole:
        switch (index.column()) {
        case Size:
            return r.size;
        case Type:
            return int(r.fileType);
        case UsedBy:
            return int(r.batchIds.size());
        case Published:
            return int(r.publishedTo.toInt());
        case Sha256:
            return r.sha256;
        default:
            return displayText(r, index.column());
        }
    case IdRole:
        return r.id;
    case FileTypeRole:
        return int(r.fileType);
    case OuiRole:
        return r.oui;
    case SearchTextRole: {
        QStringList all;
        for (int c = 0; c < ColumnCount; ++c)
            all << displayText(r, c);
        return all.join(QLatin1Char('\n'));
    }
    default:
        return {};
    }
}

QVariant FilesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Name:
        return tr("Name");
    case Type:
        return tr("Type");
    case Oui:
        return tr("OUI (Vendor)");
    case ProductClass:
        return tr("Product Class");
    case Version:
        return tr("Version");
    case Size:
        return tr("Size");
    case Sha256:
        return tr("SHA-256");
    case Published:
        return tr("Published");
    case UsedBy:
        return tr("Used by");
    default:
        return {};
    }
}

void FilesModel::reload()
{
    beginResetModel();
    m_rows = m_library.records();
    endResetModel();
}

void FilesModel::onAdded(const firmware::FileRecord &record)
{
    if (rowOf(record.id) >= 0) {
        onChanged(record);
        return;
    }
    // Rows stay in the library's order (by name); the proxy sorts for the view.
    const auto at =
        std::lower_bound(m_rows.cbegin(), m_rows.cend(), record,
                         [](const firmware::FileRecord &a, const firmware::FileRecord &b) {
                             return a.fileName < b.fileName;
                         });
    const int row = int(at - m_rows.cbegin());
    beginInsertRows({}, row, row);
    m_rows.insert(row, record);
    endInsertRows();
}

void FilesModel::onChanged(const firmware::FileRecord &record)
{
    const int row = rowOf(record.id);
    if (row < 0) {
        onAdded(record);
        return;
    }
    m_rows[row] = record;
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void FilesModel::onRemoved(qint64 id)
{
    const int row = rowOf(id);
    if (row < 0)
        return;
    beginRemoveRows({}, row, row);
    m_rows.removeAt(row);
    endRemoveRows();
}

} // namespace fwd::models
