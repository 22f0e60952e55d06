#pragma once

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

namespace fwd::models {
class AuditLogModel;
}

namespace fwd::ui {

// The Activity screen: every operator action of the audit log, newest first, with filters.
class ActivityScreen final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ActivityScreen)

public:
    explicit ActivityScreen(models::AuditLogModel &model, QWidget *parent = nullptr);

    QTableView *view() const { return m_view; }

private:
    void applyFilter();

    models::AuditLogModel &m_model;
    QLineEdit *m_search = nullptr;
    QComboBox *m_kind = nullptr;
    QTableView *m_view = nullptr;
    QLabel *m_status = nullptr;
};

} // namespace fwd::ui
