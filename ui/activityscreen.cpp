#include "activityscreen.h"

#include "models/auditlogmodel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace fwd::ui {

ActivityScreen::ActivityScreen(models::AuditLogModel &model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
{
    auto *title = new QLabel(tr("<h2>Activity</h2>"), this);
    auto *intro = new QLabel(tr("Every operator action: connections, uploads, batches and their "
                                "changes, forced upgrades and discards."),
                             this);
    intro->setWordWrap(true);

    m_search = new QLineEdit(this);
    m_search->setPlaceholderText(tr("Search object, details or operator"));
    m_search->setClearButtonEnabled(true);
    m_kind = new QComboBox(this);
    m_kind->addItem(tr("All actions"), QString());
    m_kind->addItem(tr("Connections"), QStringLiteral("acs."));
    m_kind->addItem(tr("Files"), QStringLiteral("file."));
    m_kind->addItem(tr("Upgrade batches"), QStringLiteral("batch."));
    m_kind->addItem(tr("Devices"), QStringLiteral("device."));

    auto *filters = new QHBoxLayout;
    filters->addWidget(m_search, 1);
    filters->addWidget(m_kind);

    m_view = new QTableView(this);
    m_view->setModel(&m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_view->setColumnWidth(models::AuditLogModel::Time, 150);
    m_view->setColumnWidth(models::AuditLogModel::Operator, 90);
    m_view->setColumnWidth(models::AuditLogModel::Host, 110);
    m_view->setColumnWidth(models::AuditLogModel::Action, 170);
    m_view->setColumnWidth(models::AuditLogModel::Object, 220);

    m_status = new QLabel(this);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(title);
    layout->addWidget(intro);
    layout->addLayout(filters);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_status);

    // Typing waits for a pause before it queries the store.
    auto *debounce = new QTimer(this);
    debounce->setSingleShot(true);
    debounce->setInterval(250);
    connect(m_search, &QLineEdit::textChanged, debounce, qOverload<>(&QTimer::start));
    connect(debounce, &QTimer::timeout, this, &ActivityScreen::applyFilter);
    connect(m_kind, &QComboBox::currentIndexChanged, this, &ActivityScreen::applyFilter);
    auto updateStatus = [this] {
        if (!m_model.lastError().isEmpty())
            m_status->setText(tr("The activity cannot be read: %1").arg(m_model.lastError()));
        else if (m_model.isLoading())
            m_status->setText(tr("Loading…"));
        else
            m_status->setText(tr("%n action(s) shown", nullptr, m_model.rowCount()));
    };
    connect(&m_model, &models::AuditLogModel::loadingChanged, this, updateStatus);
    connect(&m_model, &QAbstractItemModel::rowsInserted, this, updateStatus);
    connect(&m_model, &models::AuditLogModel::errorOccurred, this, updateStatus);
    updateStatus();
}

void ActivityScreen::applyFilter()
{
    store::AuditQuery q = m_model.query();
    q.text = m_search->text().trimmed();
    q.action = m_kind->currentData().toString();
    m_model.setQuery(q);
}

} // namespace fwd::ui
