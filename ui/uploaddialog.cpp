#include "uploaddialog.h"

#include "firmware/filetype.h"
#include "firmware/safefilename.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSet>
#include <QStyle>
#include <QVBoxLayout>

namespace fwd::ui {

using firmware::FileType;

namespace {

// MikroTik's OUI as the guide's example uses it.
const QString kMikrotikOui = QStringLiteral("E48D8C");

bool isOui(const QString &text)
{
    static const QRegularExpression re(QStringLiteral("^[0-9A-Fa-f]{6}$"));
    return text.isEmpty() || re.match(text).hasMatch();
}

} // namespace

UploadDialog::UploadDialog(firmware::FileLibrary &library, Options options, QWidget *parent)
    : QDialog(parent)
    , m_library(library)
    , m_options(std::move(options))
{
    setWindowTitle(tr("Upload new file"));
    setObjectName(QStringLiteral("uploadDialog"));
    setMinimumWidth(620);

    m_files = new QListWidget(this);
    m_files->setMaximumHeight(110);
    m_files->setToolTip(tr("The files to add; select one to see and edit its fields."));

    m_type = new QComboBox(this);
    for (FileType t : firmware::allFileTypes()) {
        m_type->addItem(firmware::fileTypeDisplayName(t), int(t));
        m_type->setItemData(m_type->count() - 1, firmware::fileTypeDescription(t), Qt::ToolTipRole);
    }

    // OUIs and product classes the library knows, for quick picking; free text is allowed.
    QStringList ouis{kMikrotikOui};
    QStringList classes;
    for (const firmware::FileRecord &r : m_library.records()) {
        if (!r.oui.isEmpty() && !ouis.contains(r.oui))
            ouis << r.oui;
        if (!r.productClass.isEmpty() && !classes.contains(r.productClass))
            classes << r.productClass;
    }
    classes.sort(Qt::CaseInsensitive);
    m_oui = new QComboBox(this);
    m_oui->setEditable(true);
    m_oui->addItem(QString());
    m_oui->addItems(ouis);
    m_oui->lineEdit()->setPlaceholderText(
        tr("any vendor (e.g. %1 for MikroTik)").arg(kMikrotikOui));
    m_oui->setToolTip(tr("The organizationally unique identifier of the device manufacturer "
                         "(DeviceInfo.ManufacturerOUI); empty for any vendor."));
    m_productClass = new QComboBox(this);
    m_productClass->setEditable(true);
    m_productClass->addItem(QString());
    m_productClass->addItems(classes);
    m_productClass->lineEdit()->setPlaceholderText(tr("any product class (e.g. CHR, RB2011iL)"));
    m_productClass->setToolTip(tr("The class of product (DeviceInfo.ProductClass) the file is "
                                  "for; empty for any."));

    auto *browse = new QPushButton(tr("&Browse…"), this);
    m_path = new QLineEdit(this);
    m_path->setReadOnly(true);
    m_path->setPlaceholderText(tr("choose a file or drop it on the Files screen"));
    auto *fileRow = new QHBoxLayout;
    fileRow->addWidget(browse);
    fileRow->addWidget(m_path, 1);

    m_fileName = new QLineEdit(this);
    m_fileName->setToolTip(tr("The name written to the router's memory and used in the download "
                              "URL. Only letters, digits, '.', '_' and '-' survive GenieACS and "
                              "RouterOS unchanged."));
    m_version = new QLineEdit(this);
    m_version->setToolTip(tr("The version the file installs; for RouterOS packages it is read "
                             "from the package header."));

    m_message = new QLabel(this);
    m_message->setWordWrap(true);
    m_message->setTextFormat(Qt::RichText);
    m_message->setObjectName(QStringLiteral("uploadMessage"));
    m_useSuggestion = new QPushButton(this);
    m_replace = new QCheckBox(tr("&Replace the library file of that name"), this);
    m_replace->setToolTip(tr("GenieACS keeps one file per name: publishing replaces its copy "
                             "too."));
    auto *fixRow = new QHBoxLayout;
    fixRow->addWidget(m_useSuggestion);
    fixRow->addWidget(m_replace);
    fixRow->addStretch(1);

    m_builtIn = new QCheckBox(tr("Publish on the built-in file server"), this);
    m_genieAcs = new QCheckBox(tr("Upload to GenieACS (PUT /files)"), this);
    m_builtIn->setEnabled(m_options.builtInUnavailable.isEmpty());
    m_builtIn->setChecked(m_options.builtInUnavailable.isEmpty());
    m_builtIn->setToolTip(m_options.builtInUnavailable);
    m_genieAcs->setEnabled(m_options.genieAcsUnavailable.isEmpty());
    m_genieAcs->setToolTip(m_options.genieAcsUnavailable.isEmpty()
                               ? tr("GenieACS then serves the file from its own file server.")
                               : m_options.genieAcsUnavailable);

    auto *form = new QFormLayout;
    form->addRow(tr("&Type"), m_type);
    form->addRow(tr("&OUI (Vendor)"), m_oui);
    form->addRow(tr("&Product Class"), m_productClass);
    form->addRow(tr("File"), fileRow);
    form->addRow(tr("File &name"), m_fileName);
    form->addRow(tr("&Version"), m_version);

    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_progress->hide();
    m_progressLabel = new QLabel(this);
    m_progressLabel->hide();

    auto *buttons = new QDialogButtonBox(this);
    m_close = buttons->addButton(QDialogButtonBox::Close);
    m_cancel = buttons->addButton(QDialogButtonBox::Cancel);
    m_cancel->hide();
    m_upload = buttons->addButton(tr("&Upload"), QDialogButtonBox::AcceptRole);
    m_upload->setDefault(true);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_files);
    layout->addLayout(form);
    layout->addWidget(m_message);
    layout->addLayout(fixRow);
    layout->addWidget(m_builtIn);
    layout->addWidget(m_genieAcs);
    layout->addWidget(m_progressLabel);
    layout->addWidget(m_progress);
    layout->addWidget(buttons);

    connect(browse, &QPushButton::clicked, this, &UploadDialog::browse);
    connect(m_files, &QListWidget::currentRowChanged, this, [this](int row) {
        storeItem();
        showItem(row);
    });
    auto edited = [this] {
        storeItem();
        updateState();
    };
    connect(m_type, &QComboBox::currentIndexChanged, this, edited);
    connect(m_oui, &QComboBox::currentTextChanged, this, edited);
    connect(m_productClass, &QComboBox::currentTextChanged, this, edited);
    connect(m_fileName, &QLineEdit::textChanged, this, edited);
    connect(m_version, &QLineEdit::textChanged, this, edited);
    connect(m_replace, &QCheckBox::toggled, this, edited);
    connect(m_useSuggestion, &QPushButton::clicked, this, [this] {
        if (!m_suggestion.isEmpty())
            m_fileName->setText(m_suggestion);
    });
    connect(m_upload, &QPushButton::clicked, this, &UploadDialog::startUpload);
    connect(m_cancel, &QPushButton::clicked, this, &UploadDialog::cancelUpload);
    connect(m_close, &QPushButton::clicked, this, &QDialog::reject);

    setFiles({});
}

UploadDialog::~UploadDialog()
{
    if (m_job)
        m_job->cancel();
}

bool UploadDialog::publishOnBuiltInServer() const
{
    return m_builtIn->isEnabled() && m_builtIn->isChecked();
}

bool UploadDialog::uploadToGenieAcs() const
{
    return m_genieAcs->isEnabled() && m_genieAcs->isChecked();
}

void UploadDialog::browse()
{
    // Not the static helper: no nested event loop while the engineer chooses.
    auto *chooser = new QFileDialog(this, tr("Choose files to upload"));
    chooser->setAttribute(Qt::WA_DeleteOnClose);
    chooser->setFileMode(QFileDialog::ExistingFiles);
    chooser->setNameFilters({tr("RouterOS packages and descriptors (*.npk *.xml)"),
                             tr("Configuration scripts (*.rsc *.alter *.cfg *.conf)"),
                             tr("All files (*)")});
    connect(chooser, &QFileDialog::filesSelected, this, [this](const QStringList &paths) {
        if (!paths.isEmpty())
            setFiles(paths);
    });
    chooser->open();
}

void UploadDialog::setFiles(const QStringList &paths)
{
    m_items.clear();
    m_current = -1;
    const QString oui = m_oui->currentText().trimmed();
    const QString productClass = m_productClass->currentText().trimmed();
    for (const QString &path : paths) {
        Item item;
        item.path = path;
        item.draft = m_library.inspect(path);
        item.metadata = item.draft.record;
        item.metadata.oui = oui;
        item.metadata.productClass = productClass;
        if (!item.draft.ok()) {
            item.state = Item::State::Skipped;
            item.message = item.draft.errorString;
        }
        m_items << item;
    }
    m_loading = true;
    m_files->clear();
    for (int i = 0; i < m_items.size(); ++i) {
        m_files->addItem(QString());
        refreshListItem(i);
    }
    m_files->setVisible(m_items.size() > 1);
    m_loading = false;
    // The first file that can be added is shown.
    int first = 0;
    for (int i = 0; i < m_items.size(); ++i) {
        if (m_items.at(i).state == Item::State::Ready) {
            first = i;
            break;
        }
    }
    if (m_items.isEmpty())
        showItem(-1);
    else
        m_files->setCurrentRow(first);
    if (m_files->currentRow() == first)
        showItem(first);
}

void UploadDialog::refreshListItem(int index)
{
    QListWidgetItem *w = m_files->item(index);
    if (!w)
        return;
    const Item &item = m_items.at(index);
    const QString name = QFileInfo(item.path).fileName();
    switch (item.state) {
    case Item::State::Ready:
        w->setText(name);
        w->setIcon(style()->standardIcon(QStyle::SP_FileIcon));
        break;
    case Item::State::Skipped:
        w->setText(tr("%1 — left out: %2").arg(name, item.message));
        w->setIcon(style()->standardIcon(QStyle::SP_MessageBoxCritical));
        break;
    case Item::State::Added:
        w->setText(tr("%1 — added as %2").arg(name, item.metadata.fileName));
        w->setIcon(style()->standardIcon(QStyle::SP_DialogApplyButton));
        break;
    case Item::State::Failed:
        w->setText(tr("%1 — failed: %2").arg(name, item.message));
        w->setIcon(style()->standardIcon(QStyle::SP_MessageBoxWarning));
        break;
    }
    w->setToolTip(item.path);
}

void UploadDialog::showItem(int index)
{
    m_loading = true;
    m_current = index;
    const bool valid = index >= 0 && index < m_items.size();
    const Item *item = valid ? &m_items.at(index) : nullptr;
    const bool editable = item && item->state == Item::State::Ready;
    if (item) {
        const FileType type = item->metadata.fileType;
        m_type->setCurrentIndex(m_type->findData(int(type)));
        m_oui->setCurrentText(item->metadata.oui);
        m_productClass->setCurrentText(item->metadata.productClass);
        m_path->setText(QFileInfo(item->path).absoluteFilePath());
        m_fileName->setText(item->metadata.fileName);
        m_version->setText(item->metadata.version);
        m_replace->setChecked(item->replace);
    } else {
        m_path->clear();
        m_fileName->clear();
        m_version->clear();
        m_replace->setChecked(false);
    }
    for (QWidget *w : {static_cast<QWidget *>(m_type), static_cast<QWidget *>(m_oui),
                       static_cast<QWidget *>(m_productClass), static_cast<QWidget *>(m_fileName),
                       static_cast<QWidget *>(m_version)}) {
        w->setEnabled(editable && !isUploading());
    }
    m_loading = false;
    updateState();
}

void UploadDialog::storeItem()
{
    if (m_loading || m_current < 0 || m_current >= m_items.size())
        return;
    Item &item = m_items[m_current];
    if (item.state != Item::State::Ready)
        return;
    item.metadata.fileType = FileType(m_type->currentData().toInt());
    item.metadata.oui = m_oui->currentText().trimmed().toUpper();
    item.metadata.productClass = m_productClass->currentText().trimmed();
    item.metadata.fileName = m_fileName->text().trimmed();
    item.metadata.version = m_version->text().trimmed();
    item.replace = m_replace->isChecked();
}

QString UploadDialog::problemsOf(int index, QStringList *warnings, QString *suggestion) const
{
    const Item &item = m_items.at(index);
    if (item.state == Item::State::Skipped || item.state == Item::State::Failed)
        return item.message;
    if (item.state == Item::State::Added)
        return QString();
    const QString name = item.metadata.fileName;
    if (name.isEmpty())
        return tr("Enter the file name the router stores the file under.");
    const firmware::NameCheck check = m_library.checkName(name);
    if (suggestion)
        *suggestion = check.suggestion;
    if (!check.safe) {
        return tr("The name \"%1\" is not safe: %2 GenieACS and routers would change or "
                  "refuse it.")
            .arg(name, check.problems.join(QLatin1Char(' ')));
    }
    if (check.duplicate) {
        if (!item.replace)
            return check.duplicateWarning;
        if (warnings)
            *warnings << tr("%1 replaces the library file of that name.").arg(name);
    }
    for (int i = 0; i < m_items.size(); ++i) {
        if (i != index && m_items.at(i).state == Item::State::Ready &&
            m_items.at(i).metadata.fileName == name) {
            return tr("Another file in this upload is also named %1.").arg(name);
        }
    }
    if (!isOui(item.metadata.oui))
        return tr("An OUI is six hexadecimal digits, such as %1, or empty for any vendor.")
            .arg(kMikrotikOui);
    if (item.draft.npk && !item.metadata.version.isEmpty() &&
        item.metadata.version != item.draft.npk->versionString() && warnings) {
        *warnings << tr("The package header says version %1; the library records that version.")
                         .arg(item.draft.npk->versionString());
    }
    if (warnings) {
        for (const QString &w : item.draft.warnings) {
            // The name warnings of the draft are only true while the proposed name is kept.
            if (!w.contains(item.draft.record.fileName) || name == item.draft.record.fileName)
                *warnings << w;
        }
    }
    return QString();
}

void UploadDialog::updateState()
{
    if (m_loading)
        return;
    int ready = 0;
    int blocked = 0;
    for (int i = 0; i < m_items.size(); ++i) {
        if (m_items.at(i).state != Item::State::Ready)
            continue;
        ++ready;
        if (!problemsOf(i, nullptr, nullptr).isEmpty())
            ++blocked;
    }
    QStringList warnings;
    QString error;
    m_suggestion.clear();
    if (m_current >= 0 && m_current < m_items.size())
        error = problemsOf(m_current, &warnings, &m_suggestion);
    else if (m_items.isEmpty())
        warnings << tr("Choose a file with Browse, or drop files on the Files screen.");

    QStringList html;
    if (!error.isEmpty())
        html
            << QStringLiteral("<span style=\"color:#b00020\">%1</span>").arg(error.toHtmlEscaped());
    for (const QString &w : warnings)
        html << QStringLiteral("<span style=\"color:#8a6d00\">%1</span>").arg(w.toHtmlEscaped());
    if (blocked > 0 && error.isEmpty()) {
        html << QStringLiteral("<span style=\"color:#b00020\">%1</span>")
                    .arg(tr("%n other file(s) in the list need attention.", nullptr, blocked)
                             .toHtmlEscaped());
    }
    m_message->setText(html.join(QStringLiteral("<br>")));
    m_message->setVisible(!html.isEmpty());

    const bool current = m_current >= 0 && m_current < m_items.size() &&
                         m_items.at(m_current).state == Item::State::Ready;
    const bool canRename = current && !m_suggestion.isEmpty() && !error.isEmpty() &&
                           m_suggestion != m_items.at(m_current).metadata.fileName;
    m_useSuggestion->setText(tr("Use %1").arg(m_suggestion));
    m_useSuggestion->setVisible(canRename && !isUploading());
    const bool duplicate =
        current && m_library.checkName(m_items.at(m_current).metadata.fileName).duplicate;
    m_replace->setVisible(duplicate && !isUploading());
    m_upload->setEnabled(!isUploading() && ready > 0 && blocked == 0);
    m_upload->setText(ready > 1 ? tr("&Upload %n files", nullptr, ready) : tr("&Upload"));
}

void UploadDialog::startUpload()
{
    storeItem();
    updateState();
    if (!m_upload->isEnabled())
        return;
    m_added = 0;
    m_failed = 0;
    m_uploadIndex = -1;
    m_progress->setValue(0);
    m_progress->show();
    m_progressLabel->show();
    m_cancel->show();
    m_close->setEnabled(false);
    uploadNext();
}

void UploadDialog::uploadNext()
{
    int next = -1;
    for (int i = m_uploadIndex + 1; i < m_items.size(); ++i) {
        if (m_items.at(i).state == Item::State::Ready) {
            next = i;
            break;
        }
    }
    if (next < 0) {
        m_job = nullptr;
        m_cancel->hide();
        m_close->setEnabled(true);
        m_progressLabel->setText(
            tr("%n file(s) added.", nullptr, m_added) +
            (m_failed ? QLatin1Char(' ') + tr("%n file(s) not added.", nullptr, m_failed)
                      : QString()));
        showItem(m_current);
        Q_EMIT uploadsFinished(m_added, m_failed);
        if (m_failed == 0 && m_added > 0)
            accept();
        return;
    }
    m_uploadIndex = next;
    Item &item = m_items[next];
    firmware::ImportRequest request;
    request.sourcePath = item.path;
    request.metadata = item.metadata;
    request.replaceExisting = item.replace;
    m_progressLabel->setText(tr("Copying and hashing %1…").arg(item.metadata.fileName));
    m_progress->setValue(0);
    m_job = m_library.importFile(request);
    connect(m_job, &firmware::ImportJob::progress, this, [this](qint64 done, qint64 total) {
        m_progress->setValue(total > 0 ? int(done * 1000 / total) : 0);
    });
    connect(m_job, &firmware::ImportJob::finished, this, &UploadDialog::onImportFinished);
    showItem(m_current);
}

void UploadDialog::onImportFinished(const firmware::ImportResult &result)
{
    Item &item = m_items[m_uploadIndex];
    m_job = nullptr;
    if (result.ok()) {
        item.state = Item::State::Added;
        item.metadata = result.record;
        ++m_added;
        refreshListItem(m_uploadIndex);
        Q_EMIT fileAdded(result.record);
        uploadNext();
        return;
    }
    if (result.error == firmware::ImportResult::Error::Cancelled) {
        m_progressLabel->setText(tr("Cancelled: %1 was not added.").arg(item.metadata.fileName));
        m_progress->hide();
        m_cancel->hide();
        m_close->setEnabled(true);
        showItem(m_current);
        Q_EMIT uploadsFinished(m_added, m_failed + 1);
        return;
    }
    item.state = Item::State::Failed;
    item.message = result.errorString;
    ++m_failed;
    refreshListItem(m_uploadIndex);
    uploadNext();
}

void UploadDialog::cancelUpload()
{
    if (m_job)
        m_job->cancel();
}

} // namespace fwd::ui
