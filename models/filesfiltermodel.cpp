#include "filesfiltermodel.h"

#include "models/filesmodel.h"

namespace fwd::models {

FilesFilterModel::FilesFilterModel(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(FilesModel::SortRole);
    setSortCaseSensitivity(Qt::CaseInsensitive);
    setSortLocaleAware(true);
}

void FilesFilterModel::setFileType(std::optional<firmware::FileType> type)
{
    if (m_type == type)
        return;
    m_type = type;
    invalidateFilter();
}

void FilesFilterModel::setOui(const QString &oui)
{
    if (m_oui == oui)
        return;
    m_oui = oui;
    invalidateFilter();
}

void FilesFilterModel::setText(const QString &text)
{
    const QString t = text.trimmed();
    if (m_text == t)
        return;
    m_text = t;
    invalidateFilter();
}

bool FilesFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QModelIndex i = sourceModel()->index(sourceRow, 0, sourceParent);
    if (m_type && i.data(FilesModel::FileTypeRole).toInt() != int(*m_type))
        return false;
    if (!m_oui.isEmpty() &&
        i.data(FilesModel::OuiRole).toString().compare(m_oui, Qt::CaseInsensitive) != 0) {
        return false;
    }
    if (!m_text.isEmpty() &&
        !i.data(FilesModel::SearchTextRole).toString().contains(m_text, Qt::CaseInsensitive)) {
        return false;
    }
    return true;
}

bool FilesFilterModel::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    const QVariant l = left.data(FilesModel::SortRole);
    const QVariant r = right.data(FilesModel::SortRole);
    if (l.typeId() == QMetaType::QString && r.typeId() == QMetaType::QString) {
        const int c = QString::localeAwareCompare(l.toString().toLower(), r.toString().toLower());
        if (c != 0)
            return c < 0;
        // Ties by name, so the order is stable.
        return left.siblingAtColumn(FilesModel::Name).data().toString() <
               right.siblingAtColumn(FilesModel::Name).data().toString();
    }
    return QVariant::compare(l, r) == QPartialOrdering::Less;
}

} // namespace fwd::models
