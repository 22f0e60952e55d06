#include "descriptordialog.h"

#include "firmware/linkcheck.h"
#include "firmware/linkprobe.h"

#include "ui/droppedfiles.h"
#include <QDialogButtonBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QStyle>
#include <QVBoxLayout>

namespace fwd::ui {

using firmware::DescriptorIssue;
using firmware::DescriptorPackage;
using firmware::DescriptorValidator;

DescriptorDialog::DescriptorDialog(firmware::FileLibrary &library, firmware::LinkProbe *probe,
                                   const QUrl &publicBase, QWidget *parent)
    : QDialog(parent)
    , m_library(library)
    , m_probe(probe)
{
    setWindowTitle(tr("Upgrade descriptor builder"));
    setObjectName(QStringLiteral("descriptorDialog"));
    setAcceptDrops(true);
    resize(980, 640);

    m_base = new QLineEdit(publicBase.toString(), this);
    m_base->setPlaceholderText(QStringLiteral("https://files.example.net:7567/"));
    m_base->setToolTip(tr("The address routers download the packages from: the built-in file "
                          "server's public URL or an external prefix (CDN, reverse proxy)."));
    m_filter = new QLineEdit(this);
    m_filter->setPlaceholderText(tr("Filter packages"));
    m_filter->setClearButtonEnabled(true);
    m_packageList = new QListWidget(this);
    m_packageList->setToolTip(tr("Tick the packages of one RouterOS version and architecture: "
                                 "the system package (routeros) and every extra package the "
                                 "routers run, tr069-client above all. Drop .npk files here to "
                                 "add them to the library."));
    auto *importButton = new QPushButton(tr("&Import descriptor…"), this);
    m_importLabel = new QLabel(this);
    m_importLabel->setWordWrap(true);
    m_clearImport = new QPushButton(tr("Build from &packages instead"), this);
    m_clearImport->hide();

    auto *left = new QWidget(this);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(new QLabel(tr("<b>Packages in the library</b>"), left));
    leftLayout->addWidget(m_filter);
    leftLayout->addWidget(m_packageList, 1);
    leftLayout->addWidget(m_importLabel);
    auto *importRow = new QHBoxLayout;
    importRow->addWidget(importButton);
    importRow->addWidget(m_clearImport);
    importRow->addStretch(1);
    leftLayout->addLayout(importRow);

    m_fileName = new QLineEdit(this);
    m_oui = new QLineEdit(this);
    m_oui->setPlaceholderText(tr("any vendor"));
    m_productClass = new QLineEdit(this);
    m_productClass->setPlaceholderText(tr("any product class"));
    m_xmlView = new QPlainTextEdit(this);
    m_xmlView->setReadOnly(true);
    m_xmlView->setLineWrapMode(QPlainTextEdit::NoWrap);
    QFont mono = m_xmlView->font();
    mono.setFamily(QStringLiteral("monospace"));
    mono.setStyleHint(QFont::Monospace);
    m_xmlView->setFont(mono);
    m_issueList = new QListWidget(this);
    m_issueList->setWordWrap(true);
    m_issueList->setMaximumHeight(110);

    auto *right = new QWidget(this);
    auto *form = new QFormLayout;
    form->addRow(tr("Public &base URL"), m_base);
    form->addRow(tr("File &name"), m_fileName);
    form->addRow(tr("&OUI (Vendor)"), m_oui);
    form->addRow(tr("&Product Class"), m_productClass);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addLayout(form);
    rightLayout->addWidget(m_xmlView, 1);
    rightLayout->addWidget(new QLabel(tr("<b>Checks</b>"), right));
    rightLayout->addWidget(m_issueList);

    auto *splitter = new QSplitter(this);
    splitter->addWidget(left);
    splitter->addWidget(right);
    splitter->setStretchFactor(1, 2);
    splitter->setSizes({360, 600});

    m_progress = new QProgressBar(this);
    m_progress->hide();
    m_status = new QLabel(this);
    m_status->setWordWrap(true);

    auto *buttons = new QDialogButtonBox(this);
    m_check = buttons->addButton(tr("&Check links"), QDialogButtonBox::ActionRole);
    m_cancel = buttons->addButton(QDialogButtonBox::Cancel);
    m_cancel->setText(tr("Stop check"));
    m_cancel->hide();
    m_add = buttons->addButton(tr("&Add to library"), QDialogButtonBox::AcceptRole);
    auto *close = buttons->addButton(QDialogButtonBox::Close);
    if (!m_probe) {
        m_check->setEnabled(false);
        m_check->setToolTip(tr("No link checker is available."));
    }

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(splitter, 1);
    layout->addWidget(m_progress);
    layout->addWidget(m_status);
    layout->addWidget(buttons);

    connect(m_filter, &QLineEdit::textChanged, this, [this](const QString &text) {
        for (int i = 0; i < m_packageList->count(); ++i) {
            QListWidgetItem *item = m_packageList->item(i);
            item->setHidden(!item->text().contains(text.trimmed(), Qt::CaseInsensitive));
        }
    });
    connect(m_packageList, &QListWidget::itemChanged, this, [this] {
        if (!m_filling)
            recompute();
    });
    connect(m_base, &QLineEdit::textChanged, this, &DescriptorDialog::recompute);
    connect(m_fileName, &QLineEdit::textEdited, this, [this] {
        m_nameEdited = true;
        updateButtons();
    });
    connect(importButton, &QPushButton::clicked, this, [this] {
        auto *chooser = new QFileDialog(this, tr("Import upgrade descriptor"));
        chooser->setAttribute(Qt::WA_DeleteOnClose);
        chooser->setFileMode(QFileDialog::ExistingFile);
        chooser->setNameFilter(tr("Upgrade descriptors (*.xml)"));
        connect(chooser, &QFileDialog::fileSelected, this, [this](const QString &path) {
            if (!path.isEmpty())
                importDescriptor(path);
        });
        chooser->open();
    });
    connect(m_clearImport, &QPushButton::clicked, this, &DescriptorDialog::clearImport);
    connect(m_check, &QPushButton::clicked, this, &DescriptorDialog::checkLinks);
    connect(m_cancel, &QPushButton::clicked, this, &DescriptorDialog::cancelCheck);
    connect(m_add, &QPushButton::clicked, this, &DescriptorDialog::addToLibrary);
    connect(close, &QPushButton::clicked, this, &QDialog::reject);
    connect(&m_library, &firmware::FileLibrary::recordAdded, this,
            [this](const firmware::FileRecord &record) {
                if (!record.isPackage())
                    return;
                QList<qint64> ticked = checkedIds();
                if (m_pendingTicks.removeAll(record.id) > 0 || m_pendingTicks.removeOne(-1)) {
                    ticked << record.id;
                }
                fillPackageList();
                selectPackages(ticked);
            });
    connect(&m_library, &firmware::FileLibrary::recordRemoved, this, [this] {
        const QList<qint64> ticked = checkedIds();
        fillPackageList();
        selectPackages(ticked);
    });

    fillPackageList();
    recompute();
}

DescriptorDialog::~DescriptorDialog()
{
    if (m_linkCheck)
        m_linkCheck->cancel();
}

void DescriptorDialog::fillPackageList()
{
    m_filling = true;
    m_packageList->clear();
    for (const firmware::FileRecord &r : m_library.records()) {
        if (!r.isPackage())
            continue;
        auto *item = new QListWidgetItem(
            tr("%1  (%2 %3, %4)").arg(r.fileName, r.packageName, r.version, r.architecture),
            m_packageList);
        item->setData(Qt::UserRole, r.id);
        item->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled);
        item->setCheckState(Qt::Unchecked);
        item->setToolTip(r.publishedTo.testFlag(firmware::PublishTarget::BuiltInServer)
                             ? r.publishedUrl.toString()
                             : tr("Not published on the built-in file server yet."));
    }
    m_filling = false;
}

QList<qint64> DescriptorDialog::checkedIds() const
{
    QList<qint64> ids;
    for (int i = 0; i < m_packageList->count(); ++i) {
        const QListWidgetItem *item = m_packageList->item(i);
        if (item->checkState() == Qt::Checked)
            ids << item->data(Qt::UserRole).toLongLong();
    }
    return ids;
}

void DescriptorDialog::selectPackages(const QList<qint64> &ids)
{
    m_filling = true;
    for (int i = 0; i < m_packageList->count(); ++i) {
        QListWidgetItem *item = m_packageList->item(i);
        item->setCheckState(ids.contains(item->data(Qt::UserRole).toLongLong()) ? Qt::Checked
                                                                                : Qt::Unchecked);
    }
    m_filling = false;
    recompute();
}

bool DescriptorDialog::importDescriptor(const QString &path)
{
    const firmware::DescriptorParseResult parsed = firmware::UpgradeDescriptor::readFile(path);
    m_importedName = QFileInfo(path).fileName();
    if (!parsed.ok()) {
        m_imported.reset();
        m_importedXml.clear();
        m_importError = parsed.errorString;
    } else {
        m_imported = parsed.descriptor;
        m_importError.clear();
        QFile file(path);
        m_importedXml = file.open(QIODevice::ReadOnly)
                            ? file.read(firmware::UpgradeDescriptor::MaxSize)
                            : parsed.descriptor.toXml();
        m_nameEdited = false;
    }
    m_packageList->setEnabled(false);
    m_clearImport->show();
    recompute();
    return parsed.ok();
}

void DescriptorDialog::clearImport()
{
    m_imported.reset();
    m_importedXml.clear();
    m_importedName.clear();
    m_importError.clear();
    m_packageList->setEnabled(true);
    m_clearImport->hide();
    m_nameEdited = false;
    recompute();
}

void DescriptorDialog::addDroppedFiles(const QStringList &paths)
{
    QStringList problems;
    for (const QString &path : paths) {
        if (path.endsWith(QLatin1String(".xml"), Qt::CaseInsensitive)) {
            importDescriptor(path);
            continue;
        }
        const firmware::FileDraft draft = m_library.inspect(path);
        if (!draft.ok()) {
            problems << draft.errorString;
            continue;
        }
        if (!draft.npk) {
            problems << tr("%1 is not a RouterOS package.").arg(QFileInfo(path).fileName());
            continue;
        }
        // A package already in the library (same name and content) is simply ticked.
        if (const auto existing = m_library.recordByName(QFileInfo(path).fileName())) {
            QList<qint64> ids = checkedIds();
            ids << existing->id;
            selectPackages(ids);
            continue;
        }
        firmware::ImportRequest request;
        request.sourcePath = path;
        request.metadata = draft.record;
        firmware::ImportJob *job = m_library.importFile(request);
        m_pendingTicks << -1;
        m_status->setText(tr("Adding %1 to the library…").arg(draft.record.fileName));
        connect(job, &firmware::ImportJob::finished, this,
                [this](const firmware::ImportResult &result) {
                    if (!result.ok()) {
                        m_pendingTicks.removeOne(-1);
                        m_status->setText(result.errorString);
                    } else {
                        m_status->setText(
                            tr("%1 added to the library.").arg(result.record.fileName));
                    }
                });
    }
    if (!problems.isEmpty())
        m_status->setText(problems.join(QLatin1Char('\n')));
}

void DescriptorDialog::recompute()
{
    if (m_linkCheck)
        m_linkCheck->cancel();
    m_linksOk = false;
    m_linkIssues.clear();
    const QUrl base = QUrl::fromUserInput(m_base->text().trimmed());
    if (m_imported) {
        m_packages = m_library.packagesForDescriptor(*m_imported);
        m_xml = m_importedXml;
        m_importLabel->setText(
            tr("Imported %1: %n link(s).", nullptr, int(m_imported->links.size()))
                .arg(m_importedName));
    } else if (!m_importError.isEmpty()) {
        m_packages.clear();
        m_xml.clear();
        m_importLabel->setText(tr("%1 cannot be used.").arg(m_importedName));
    } else {
        m_packages = m_library.descriptorPackages(checkedIds(), base);
        m_xml =
            m_packages.isEmpty() ? QByteArray() : DescriptorValidator::build(m_packages).toXml();
        m_importLabel->clear();
    }
    m_issues = DescriptorValidator::validate(m_packages);
    if (!m_importError.isEmpty()) {
        DescriptorIssue issue;
        issue.code = DescriptorIssue::Code::NoPackages;
        issue.message = m_importError;
        m_issues = {issue};
    }
    m_xmlView->setPlainText(QString::fromUtf8(m_xml));
    if (!m_nameEdited) {
        const QString name = DescriptorValidator::descriptorFileName(m_packages);
        m_fileName->setText(name.isEmpty() && m_imported ? m_importedName : name);
    }
    // Vendor and product class: what all the picked packages share.
    QString oui;
    QString productClass;
    bool first = true;
    for (const DescriptorPackage &p : m_packages) {
        const auto r = m_library.recordByName(p.fileName);
        const QString o = r ? r->oui : QString();
        const QString c = r ? r->productClass : QString();
        oui = first || o == oui ? o : QString();
        productClass = first || c == productClass ? c : QString();
        first = false;
    }
    m_oui->setText(oui);
    m_productClass->setText(productClass);
    m_status->clear();
    showIssues();
    updateButtons();
}

void DescriptorDialog::showIssues()
{
    m_issueList->clear();
    const QList<DescriptorIssue> all = m_issues + m_linkIssues;
    for (const DescriptorIssue &issue : all) {
        const bool error = issue.severity == DescriptorIssue::Severity::Error;
        auto *item =
            new QListWidgetItem(style()->standardIcon(error ? QStyle::SP_MessageBoxCritical
                                                            : QStyle::SP_MessageBoxWarning),
                                issue.message, m_issueList);
        item->setData(Qt::UserRole, int(issue.code));
        item->setToolTip(issue.url.toString());
    }
    if (all.isEmpty() && !m_packages.isEmpty()) {
        new QListWidgetItem(style()->standardIcon(QStyle::SP_DialogApplyButton),
                            m_linksOk ? tr("Every link answers with the size the library holds.")
                                      : tr("The packages fit together. Check the links next."),
                            m_issueList);
    } else if (m_linksOk && !DescriptorValidator::hasErrors(m_linkIssues)) {
        new QListWidgetItem(style()->standardIcon(QStyle::SP_DialogApplyButton),
                            tr("Every link answers with the size the library holds."), m_issueList);
    }
}

void DescriptorDialog::updateButtons()
{
    const bool running = m_linkCheck && m_linkCheck->isRunning();
    const bool valid = !m_packages.isEmpty() && !DescriptorValidator::hasErrors(m_issues);
    m_check->setEnabled(m_probe && valid && !running);
    m_cancel->setVisible(running);
    QString why;
    const QString name = m_fileName->text().trimmed();
    const firmware::NameCheck nameCheck = m_library.checkName(name);
    if (!valid)
        why = tr("Fix the errors listed under Checks first.");
    else if (!m_linksOk)
        why = tr("Check the links first: every package must answer at its URL.");
    else if (name.isEmpty() || !nameCheck.safe)
        why = tr("The file name is not safe: %1").arg(nameCheck.problems.join(QLatin1Char(' ')));
    else if (nameCheck.duplicate)
        why = nameCheck.duplicateWarning;
    m_add->setEnabled(why.isEmpty() && !m_job);
    m_add->setToolTip(why);
}

void DescriptorDialog::checkLinks()
{
    if (!m_probe || m_packages.isEmpty())
        return;
    if (!m_linkCheck) {
        m_linkCheck = new firmware::LinkCheck(*m_probe, this);
        connect(m_linkCheck, &firmware::LinkCheck::progress, this, [this](int done, int total) {
            m_progress->setRange(0, total);
            m_progress->setValue(done);
        });
        connect(m_linkCheck, &firmware::LinkCheck::finished, this, [this] {
            m_progress->hide();
            const bool cancelled = m_linkCheck->wasCancelled();
            m_linkIssues = cancelled ? QList<DescriptorIssue>() : m_linkCheck->issues();
            m_linksOk = !cancelled && !DescriptorValidator::hasErrors(m_linkIssues);
            m_status->setText(cancelled ? tr("Link check stopped.")
                              : m_linksOk
                                  ? tr("All %n link(s) answer.", nullptr, int(m_packages.size()))
                                  : tr("Some links do not answer as they should."));
            showIssues();
            updateButtons();
            Q_EMIT linkCheckFinished(m_linksOk);
        });
    }
    m_linkIssues.clear();
    m_linksOk = false;
    m_progress->setRange(0, int(m_packages.size()));
    m_progress->setValue(0);
    m_progress->show();
    m_status->setText(tr("Asking every link for its size…"));
    m_linkCheck->start(m_packages);
    updateButtons();
}

void DescriptorDialog::cancelCheck()
{
    if (m_linkCheck)
        m_linkCheck->cancel();
}

void DescriptorDialog::addToLibrary()
{
    updateButtons();
    if (!m_add->isEnabled())
        return;
    firmware::ImportRequest request;
    request.content = m_xml;
    request.sourcePath = m_importedName;
    request.metadata.fileType = firmware::FileType::FirmwareUpgradeImage;
    request.metadata.fileName = m_fileName->text().trimmed();
    request.metadata.oui = m_oui->text().trimmed().toUpper();
    request.metadata.productClass = m_productClass->text().trimmed();
    for (const DescriptorPackage &p : m_packages) {
        if (p.systemPackage && p.version) {
            request.metadata.version = p.version->toString();
            break;
        }
    }
    m_job = m_library.importFile(request);
    m_status->setText(tr("Adding %1 to the library…").arg(request.metadata.fileName));
    updateButtons();
    connect(m_job, &firmware::ImportJob::finished, this,
            [this](const firmware::ImportResult &result) {
                m_job = nullptr;
                if (!result.ok()) {
                    m_status->setText(result.errorString);
                    updateButtons();
                    Q_EMIT addFailed(result.errorString);
                    return;
                }
                Q_EMIT descriptorAdded(result.record);
                accept();
            });
}

void DescriptorDialog::dragEnterEvent(QDragEnterEvent *event)
{
    if (!localFiles(event->mimeData()).isEmpty())
        event->acceptProposedAction();
}

void DescriptorDialog::dropEvent(QDropEvent *event)
{
    const QStringList paths = localFiles(event->mimeData());
    if (paths.isEmpty())
        return;
    event->acceptProposedAction();
    addDroppedFiles(paths);
}

} // namespace fwd::ui
