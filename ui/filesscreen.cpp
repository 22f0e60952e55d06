#include "filesscreen.h"

#include "firmware/filelibrary.h"
#include "firmware/filetype.h"
#include "models/filesfiltermodel.h"
#include "models/filesmodel.h"
#include "store/auditlog.h"
#include "ui/descriptordialog.h"
#include "ui/droppedfiles.h"
#include "ui/filepublisher.h"
#include "ui/genieacsfileuploader.h"
#include "ui/messagebox.h"
#include "ui/uploaddialog.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

namespace fwd::ui {

using firmware::FileRecord;
using firmware::PublishTarget;

FilesScreen::FilesScreen(Services services, QWidget *parent)
    : QWidget(parent)
    , m_services(services)
{
    setObjectName(QStringLiteral("filesScreen"));
    setAcceptDrops(true);
    m_model = new models::FilesModel(m_services.library, this);
    m_proxy = new models::FilesFilterModel(this);
    m_proxy->setSourceModel(m_model);

    auto *title = new QLabel(tr("<h2>Files</h2>"), this);
    m_typeFilter = new QComboBox(this);
    m_typeFilter->addItem(tr("All types"), -1);
    for (firmware::FileType t : firmware::allFileTypes())
        m_typeFilter->addItem(firmware::fileTypeDisplayName(t), int(t));
    m_ouiFilter = new QComboBox(this);
    m_ouiFilter->setMinimumContentsLength(14);
    m_search = new QLineEdit(this);
    m_search->setPlaceholderText(tr("Table search"));
    m_search->setClearButtonEnabled(true);
    auto *refresh = new QPushButton(tr("&Refresh"), this);
    refresh->setToolTip(tr("Read the library again from the database."));
    m_uploadButton = new QPushButton(tr("&Upload"), this);
    m_uploadButton->setToolTip(tr("Add files to the library (or drop them on this screen)."));
    m_builder = new QPushButton(tr("&Descriptor builder…"), this);
    m_builder->setToolTip(tr("Build or import a MikroTik upgrade descriptor (XML) that links "
                             "the packages of one version and architecture."));

    auto *top = new QHBoxLayout;
    top->addWidget(title);
    top->addStretch(1);
    top->addWidget(new QLabel(tr("Types"), this));
    top->addWidget(m_typeFilter);
    top->addWidget(new QLabel(tr("OUI (Vendor)"), this));
    top->addWidget(m_ouiFilter);
    top->addWidget(refresh);
    top->addWidget(m_builder);
    top->addWidget(m_uploadButton);

    m_view = new QTableView(this);
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(models::FilesModel::Name, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setColumnWidth(models::FilesModel::Name, 190);
    m_view->setColumnWidth(models::FilesModel::Type, 215);
    m_view->setColumnWidth(models::FilesModel::Oui, 130);
    m_view->setColumnWidth(models::FilesModel::ProductClass, 95);
    m_view->setColumnWidth(models::FilesModel::Version, 65);
    m_view->setColumnWidth(models::FilesModel::Size, 75);
    m_view->setColumnWidth(models::FilesModel::Sha256, 115);
    m_view->setColumnWidth(models::FilesModel::Published, 105);
    m_view->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_view->setAcceptDrops(false); // drops land on the screen

    m_publish = new QPushButton(tr("&Publish"), this);
    m_unpublish = new QPushButton(tr("Unpu&blish"), this);
    m_toAcs = new QPushButton(tr("Upload to &GenieACS"), this);
    m_copyUrl = new QPushButton(tr("&Copy URL"), this);
    m_delete = new QPushButton(tr("De&lete"), this);
    m_transfer = new QProgressBar(this);
    m_transfer->setRange(0, 1000);
    m_transfer->hide();
    m_cancelTransfer = new QPushButton(tr("Cancel upload"), this);
    m_cancelTransfer->hide();
    auto *actions = new QHBoxLayout;
    actions->addWidget(m_search, 1);
    for (QPushButton *b : {m_publish, m_unpublish, m_toAcs, m_copyUrl, m_delete})
        actions->addWidget(b);

    for (QPushButton *b : {m_publish, m_unpublish, m_toAcs, m_copyUrl, m_delete}) {
        auto *action = new QAction(b->text(), m_view);
        connect(action, &QAction::triggered, b, &QPushButton::click);
        m_view->addAction(action);
    }

    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_dropHint = new QLabel(tr("Drop .npk packages, descriptors or configuration files here to "
                               "add them."),
                            this);
    m_dropHint->setStyleSheet(QStringLiteral("color: #666666;"));
    auto *transferRow = new QHBoxLayout;
    transferRow->addWidget(m_transfer, 1);
    transferRow->addWidget(m_cancelTransfer);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addLayout(actions);
    layout->addWidget(m_view, 1);
    layout->addLayout(transferRow);
    layout->addWidget(m_status);
    layout->addWidget(m_dropHint);

    connect(m_typeFilter, &QComboBox::currentIndexChanged, this, [this] {
        const int t = m_typeFilter->currentData().toInt();
        m_proxy->setFileType(t < 0 ? std::nullopt
                                   : std::optional<firmware::FileType>(firmware::FileType(t)));
        updateStatus();
    });
    connect(m_ouiFilter, &QComboBox::currentIndexChanged, this, [this] {
        m_proxy->setOui(m_ouiFilter->currentData().toString());
        updateStatus();
    });
    connect(m_search, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_proxy->setText(text);
        updateStatus();
    });
    connect(refresh, &QPushButton::clicked, &m_services.library, &firmware::FileLibrary::load);
    connect(m_uploadButton, &QPushButton::clicked, this, [this] { openUpload(); });
    connect(m_builder, &QPushButton::clicked, this, &FilesScreen::openDescriptorBuilder);
    connect(m_publish, &QPushButton::clicked, this, &FilesScreen::publishSelected);
    connect(m_unpublish, &QPushButton::clicked, this, &FilesScreen::unpublishSelected);
    connect(m_toAcs, &QPushButton::clicked, this, &FilesScreen::uploadSelectedToGenieAcs);
    connect(m_copyUrl, &QPushButton::clicked, this, &FilesScreen::copySelectedUrl);
    connect(m_delete, &QPushButton::clicked, this, &FilesScreen::deleteSelected);
    connect(m_cancelTransfer, &QPushButton::clicked, this, &FilesScreen::cancelGenieAcsUpload);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &FilesScreen::updateActions);
    for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved}) {
        connect(m_model, signal, this, [this] {
            updateOuiFilter();
            updateActions();
            updateStatus();
        });
    }
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        updateOuiFilter();
        updateActions();
        updateStatus();
    });
    connect(m_model, &QAbstractItemModel::dataChanged, this, [this] {
        updateOuiFilter();
        updateActions();
    });
    connect(&m_services.library, &firmware::FileLibrary::operationFailed, this,
            [this](const QString &error) {
                m_status->setText(error);
                MessageBox::warning(this, tr("Files"), error);
            });
    connect(&m_services.library, &firmware::FileLibrary::recordRemoved, this,
            [this] { updateActions(); });

    updateOuiFilter();
    updateActions();
    updateStatus();
}

FilesScreen::~FilesScreen()
{
    if (m_upload)
        m_upload->cancel();
}

std::optional<FileRecord> FilesScreen::selectedRecord() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    if (rows.isEmpty())
        return std::nullopt;
    const qint64 id = rows.first().data(models::FilesModel::IdRole).toLongLong();
    return m_services.library.record(id);
}

void FilesScreen::selectFile(const QString &fileName)
{
    for (int row = 0; row < m_proxy->rowCount(); ++row) {
        const QModelIndex i = m_proxy->index(row, models::FilesModel::Name);
        if (i.data().toString() == fileName) {
            m_view->selectRow(row);
            return;
        }
    }
    m_view->clearSelection();
}

void FilesScreen::updateOuiFilter()
{
    const QString current = m_ouiFilter->currentData().toString();
    QStringList ouis;
    for (int row = 0; row < m_model->rowCount(); ++row) {
        const QString oui =
            m_model->index(row, 0).data(models::FilesModel::OuiRole).toString().toUpper();
        if (!oui.isEmpty() && !ouis.contains(oui))
            ouis << oui;
    }
    ouis.sort();
    QStringList existing;
    for (int i = 1; i < m_ouiFilter->count(); ++i)
        existing << m_ouiFilter->itemData(i).toString();
    if (existing == ouis && m_ouiFilter->count() > 0)
        return;
    const QSignalBlocker block(m_ouiFilter);
    m_ouiFilter->clear();
    m_ouiFilter->addItem(tr("All vendors"), QString());
    for (const QString &oui : ouis) {
        // The model's text ("E48D8C (MikroTik)") for the first file with that OUI.
        QString text = oui;
        for (int row = 0; row < m_model->rowCount(); ++row) {
            const QModelIndex i = m_model->index(row, models::FilesModel::Oui);
            if (i.data(models::FilesModel::OuiRole).toString().compare(oui, Qt::CaseInsensitive) ==
                0) {
                text = i.data().toString();
                break;
            }
        }
        m_ouiFilter->addItem(text, oui);
    }
    const int keep = m_ouiFilter->findData(current);
    m_ouiFilter->setCurrentIndex(keep < 0 ? 0 : keep);
    if (keep < 0 && !current.isEmpty())
        m_proxy->setOui(QString());
}

void FilesScreen::updateActions()
{
    const auto r = selectedRecord();
    const QString builtInWhy = m_services.publisher
                                   ? m_services.publisher->unavailableReason()
                                   : tr("The built-in file server is not set up in this session.");
    const QString acsWhy = m_services.uploader
                               ? m_services.uploader->unavailableReason()
                               : tr("No GenieACS connection is available in this session.");
    const QString pick = tr("Select a file first.");
    const bool builtIn = r && r->publishedTo.testFlag(PublishTarget::BuiltInServer);

    m_publish->setEnabled(r && builtInWhy.isEmpty() && !builtIn);
    m_publish->setToolTip(!builtInWhy.isEmpty() ? builtInWhy
                          : !r                  ? pick
                          : builtIn             ? tr("%1 is published already.").arg(r->fileName)
                                    : tr("Serve the file on the built-in HTTPS file server."));
    m_unpublish->setEnabled(r && builtIn && builtInWhy.isEmpty());
    m_unpublish->setToolTip(!builtInWhy.isEmpty() ? builtInWhy
                            : !r                  ? pick
                            : builtIn ? tr("Stop serving the file on the built-in server.")
                                      : tr("%1 is not published.").arg(r->fileName));
    m_toAcs->setEnabled(r && acsWhy.isEmpty() && !m_upload);
    m_toAcs->setToolTip(!acsWhy.isEmpty() ? acsWhy
                        : !r              ? pick
                                          : tr("PUT /files/<name> with the file's type, OUI, "
                                                            "product class and version."));
    m_copyUrl->setEnabled(r && r->publishedUrl.isValid());
    m_copyUrl->setToolTip(r && r->publishedUrl.isValid() ? r->publishedUrl.toString()
                          : !r                           ? pick
                               : tr("Publish the file on the built-in server first."));
    m_delete->setEnabled(r.has_value());
    m_delete->setToolTip(!r ? pick
                         : r->isUsed()
                             ? tr("Upgrade batches use this file: it cannot be deleted.")
                             : tr("Remove the file from the library (and the built-in server)."));
}

void FilesScreen::updateStatus()
{
    const int shown = m_proxy->rowCount();
    const int total = m_model->rowCount();
    if (!m_services.library.loadError().isEmpty())
        m_status->setText(m_services.library.loadError());
    else if (shown == total)
        m_status->setText(tr("%n file(s).", nullptr, total));
    else
        m_status->setText(tr("Showing %1 of %n file(s).", nullptr, total).arg(shown));
}

UploadDialog *FilesScreen::openUpload(const QStringList &paths)
{
    UploadDialog::Options options;
    options.builtInUnavailable =
        m_services.publisher ? m_services.publisher->unavailableReason()
                             : tr("The built-in file server is not set up in this session.");
    options.genieAcsUnavailable = m_services.uploader
                                      ? m_services.uploader->unavailableReason()
                                      : tr("No GenieACS connection is available in this session.");
    auto *dialog = new UploadDialog(m_services.library, options, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    if (!paths.isEmpty())
        dialog->setFiles(paths);
    connect(dialog, &UploadDialog::fileAdded, this, [this, dialog](const FileRecord &record) {
        afterImport(record, dialog->publishOnBuiltInServer(), dialog->uploadToGenieAcs());
    });
    dialog->open();
    return dialog;
}

DescriptorDialog *FilesScreen::openDescriptorBuilder()
{
    const QUrl base = m_services.publisher ? m_services.publisher->publicBase() : QUrl();
    auto *dialog = new DescriptorDialog(m_services.library, m_services.linkProbe, base, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    // Packages selected on the screen are ticked.
    if (const auto r = selectedRecord(); r && r->isPackage())
        dialog->selectPackages({r->id});
    connect(dialog, &DescriptorDialog::descriptorAdded, this, [this](const FileRecord &record) {
        afterImport(record,
                    m_services.publisher && m_services.publisher->unavailableReason().isEmpty(),
                    false);
    });
    dialog->open();
    return dialog;
}

void FilesScreen::afterImport(const FileRecord &record, bool builtIn, bool genieAcs)
{
    m_services.audit.record(QStringLiteral("file.uploaded"), record.fileName,
                            tr("%1, %2 bytes, SHA-256 %3")
                                .arg(firmware::fileTypeWireString(record.fileType))
                                .arg(record.size)
                                .arg(record.sha256));
    selectFile(record.fileName);
    if (builtIn)
        publish(record);
    if (genieAcs)
        startGenieAcsUpload(record);
}

bool FilesScreen::publish(const FileRecord &record)
{
    if (!m_services.publisher)
        return false;
    const QString error = m_services.publisher->publish(record);
    if (!error.isEmpty()) {
        m_status->setText(tr("%1 was not published: %2").arg(record.fileName, error));
        MessageBox::warning(this, tr("Publish"), m_status->text());
        return false;
    }
    const QUrl url = m_services.publisher->urlFor(record.fileName);
    const auto current = m_services.library.record(record.id);
    const firmware::PublishTargets targets =
        (current ? current->publishedTo : record.publishedTo) | PublishTarget::BuiltInServer;
    m_services.library.markPublished(record.id, targets, url);
    m_services.audit.record(QStringLiteral("file.published"), record.fileName, url.toString());
    m_status->setText(tr("%1 is published at %2").arg(record.fileName, url.toString()));
    return true;
}

void FilesScreen::publishSelected()
{
    if (const auto r = selectedRecord())
        publish(*r);
}

void FilesScreen::unpublishSelected()
{
    const auto r = selectedRecord();
    if (!r || !m_services.publisher)
        return;
    if (r->isUsed() &&
        MessageBox::question(this, tr("Unpublish"),
                             tr("Upgrade batches use %1. Routers of those batches cannot download "
                                "it while it is not published. Unpublish anyway?")
                                 .arg(r->fileName),
                             QMessageBox::Yes | QMessageBox::No,
                             QMessageBox::No) != QMessageBox::Yes) {
        return;
    }
    m_services.publisher->unpublish(r->fileName);
    firmware::PublishTargets targets = r->publishedTo;
    targets.setFlag(PublishTarget::BuiltInServer, false);
    m_services.library.markPublished(r->id, targets, QUrl());
    m_services.audit.record(QStringLiteral("file.unpublished"), r->fileName);
    m_status->setText(tr("%1 is no longer published on the built-in server.").arg(r->fileName));
}

void FilesScreen::copySelectedUrl()
{
    const auto r = selectedRecord();
    if (!r || !r->publishedUrl.isValid())
        return;
    QApplication::clipboard()->setText(r->publishedUrl.toString());
    m_status->setText(tr("Copied %1").arg(r->publishedUrl.toString()));
}

void FilesScreen::deleteSelected()
{
    const auto r = selectedRecord();
    if (!r)
        return;
    if (r->isUsed()) {
        QStringList ids;
        for (qint64 id : r->batchIds)
            ids << QStringLiteral("#%1").arg(id);
        const QString text =
            tr("%1 cannot be deleted: upgrade batch(es) %2 use it. Remove or finish those "
               "batches first.")
                .arg(r->fileName, ids.join(QLatin1String(", ")));
        m_status->setText(text);
        MessageBox::warning(this, tr("Delete file"), text);
        return;
    }
    QString text = tr("Delete %1 from the library?").arg(r->fileName);
    if (r->publishedTo.testFlag(PublishTarget::BuiltInServer))
        text += QLatin1Char(' ') + tr("It is no longer served by the built-in file server.");
    if (r->publishedTo.testFlag(PublishTarget::GenieAcs))
        text += QLatin1Char(' ') + tr("The copy in GenieACS stays until you delete it there.");
    if (MessageBox::question(this, tr("Delete file"), text, QMessageBox::Yes | QMessageBox::No,
                             QMessageBox::No) != QMessageBox::Yes) {
        return;
    }
    if (r->publishedTo.testFlag(PublishTarget::BuiltInServer) && m_services.publisher)
        m_services.publisher->unpublish(r->fileName);
    m_services.library.removeFile(r->id);
    m_services.audit.record(QStringLiteral("file.deleted"), r->fileName, r->sha256);
}

void FilesScreen::uploadSelectedToGenieAcs()
{
    const auto r = selectedRecord();
    if (!r || !m_services.uploader || m_upload)
        return;
    if (r->publishedTo.testFlag(PublishTarget::GenieAcs) &&
        MessageBox::question(this, tr("Upload to GenieACS"),
                             tr("GenieACS has a file named %1 already and replaces it (it "
                                "deletes the old one first). Upload again?")
                                 .arg(r->fileName),
                             QMessageBox::Yes | QMessageBox::No,
                             QMessageBox::No) != QMessageBox::Yes) {
        return;
    }
    startGenieAcsUpload(*r);
}

void FilesScreen::startGenieAcsUpload(const FileRecord &record)
{
    if (!m_services.uploader)
        return;
    if (m_upload) {
        // One upload at a time (GenieACS buffers each body in RAM); the others wait.
        if (!m_acsQueue.contains(record.id) && record.id != m_uploadId)
            m_acsQueue << record.id;
        return;
    }
    m_uploadId = record.id;
    m_upload = m_services.uploader->upload(record, this);
    m_transfer->setValue(0);
    m_transfer->setFormat(tr("%1 to GenieACS: %p%").arg(record.fileName));
    m_transfer->show();
    m_cancelTransfer->show();
    m_status->setText(tr("Uploading %1 to GenieACS…").arg(record.fileName));
    connect(m_upload, &FileUpload::progress, this, [this](qint64 sent, qint64 total) {
        m_transfer->setValue(total > 0 ? int(sent * 1000 / total) : 0);
    });
    const QString name = record.fileName;
    connect(m_upload, &FileUpload::finished, this, [this, name](bool ok, const QString &error) {
        m_upload->deleteLater();
        m_upload = nullptr;
        m_transfer->hide();
        m_cancelTransfer->hide();
        if (ok) {
            if (const auto r = m_services.library.record(m_uploadId)) {
                m_services.library.markPublished(r->id, r->publishedTo | PublishTarget::GenieAcs,
                                                 r->publishedUrl);
            }
            m_services.audit.record(QStringLiteral("file.genieacs.uploaded"), name);
            m_status->setText(tr("%1 is in GenieACS.").arg(name));
        } else {
            m_status->setText(tr("%1 was not uploaded to GenieACS: %2").arg(name, error));
        }
        updateActions();
        Q_EMIT genieAcsUploadFinished(ok);
        while (!m_upload && !m_acsQueue.isEmpty()) {
            if (const auto next = m_services.library.record(m_acsQueue.takeFirst()))
                startGenieAcsUpload(*next);
        }
    });
    if (!m_acsQueue.isEmpty())
        m_status->setText(m_status->text() + QLatin1Char(' ') +
                          tr("%n more waiting.", nullptr, int(m_acsQueue.size())));
    updateActions();
}

void FilesScreen::cancelGenieAcsUpload()
{
    // Cancel stops the running upload and drops the waiting ones.
    m_acsQueue.clear();
    if (m_upload)
        m_upload->cancel();
}

void FilesScreen::dragEnterEvent(QDragEnterEvent *event)
{
    if (!localFiles(event->mimeData()).isEmpty())
        event->acceptProposedAction();
}

void FilesScreen::dragMoveEvent(QDragMoveEvent *event)
{
    if (!localFiles(event->mimeData()).isEmpty())
        event->acceptProposedAction();
}

void FilesScreen::dropEvent(QDropEvent *event)
{
    const QStringList paths = localFiles(event->mimeData());
    if (paths.isEmpty())
        return;
    event->acceptProposedAction();
    openUpload(paths);
}

} // namespace fwd::ui
