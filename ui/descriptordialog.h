#pragma once

#include "firmware/descriptorvalidator.h"
#include "firmware/filelibrary.h"

#include <QDialog>
#include <QPointer>

#include <optional>

class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;

namespace fwd::firmware {
class LinkCheck;
class LinkProbe;
} // namespace fwd::firmware

namespace fwd::ui {

// The MikroTik upgrade-descriptor builder (issue 6 §3): pick the library's packages (or drop
// .npk files, which are added to the library first) and get the <upgrade version="1"
// type="links"> XML with one link per package under the file server's public URL, named
// upgrade_<version>_<arch>.xml. Or import an existing descriptor. Either way the packages are
// validated (one version, one architecture, the system package present, no duplicates) and
// every link must answer a HEAD request with the size the library holds before the descriptor
// can be added to the library.
class DescriptorDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DescriptorDialog)

public:
    // probe may be null: the link check is then unavailable (and so is adding).
    DescriptorDialog(firmware::FileLibrary &library, firmware::LinkProbe *probe,
                     const QUrl &publicBase, QWidget *parent = nullptr);
    ~DescriptorDialog() override;

    // Ticks the library packages with these ids.
    void selectPackages(const QList<qint64> &ids);
    // Reads an existing descriptor; false with the reason in the issues list when unusable.
    bool importDescriptor(const QString &path);
    // Back to building from the selected packages.
    void clearImport();
    // .npk files are added to the library (then ticked), a .xml is imported.
    void addDroppedFiles(const QStringList &paths);

    void checkLinks();
    void cancelCheck();
    // Adds the descriptor to the library (after a successful link check).
    void addToLibrary();

    QList<firmware::DescriptorPackage> packages() const { return m_packages; }
    QList<firmware::DescriptorIssue> issues() const { return m_issues; }
    QByteArray xml() const { return m_xml; }
    bool linksChecked() const { return m_linksOk; }

    // For tests.
    QListWidget *packageList() const { return m_packageList; }
    QLineEdit *baseEdit() const { return m_base; }
    QLineEdit *fileNameEdit() const { return m_fileName; }
    QPlainTextEdit *xmlView() const { return m_xmlView; }
    QListWidget *issueList() const { return m_issueList; }
    QPushButton *checkButton() const { return m_check; }
    QPushButton *addButton() const { return m_add; }
    QLabel *statusLabel() const { return m_status; }

Q_SIGNALS:
    void linkCheckFinished(bool ok);
    void descriptorAdded(const fwd::firmware::FileRecord &record);
    void addFailed(const QString &errorString);

protected:
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void fillPackageList();
    QList<qint64> checkedIds() const;
    void recompute();
    void showIssues();
    void updateButtons();

    firmware::FileLibrary &m_library;
    firmware::LinkProbe *m_probe;
    QPointer<firmware::LinkCheck> m_linkCheck;
    std::optional<firmware::UpgradeDescriptor> m_imported;
    QByteArray m_importedXml;
    QString m_importedName;
    QString m_importError;
    QList<firmware::DescriptorPackage> m_packages;
    QList<firmware::DescriptorIssue> m_issues;
    QList<firmware::DescriptorIssue> m_linkIssues;
    QByteArray m_xml;
    bool m_linksOk = false;
    bool m_nameEdited = false;
    bool m_filling = false;
    QPointer<firmware::ImportJob> m_job;
    QList<qint64> m_pendingTicks;

    QLineEdit *m_base = nullptr;
    QLineEdit *m_filter = nullptr;
    QListWidget *m_packageList = nullptr;
    QLabel *m_importLabel = nullptr;
    QPushButton *m_clearImport = nullptr;
    QLineEdit *m_fileName = nullptr;
    QLineEdit *m_oui = nullptr;
    QLineEdit *m_productClass = nullptr;
    QPlainTextEdit *m_xmlView = nullptr;
    QListWidget *m_issueList = nullptr;
    QProgressBar *m_progress = nullptr;
    QLabel *m_status = nullptr;
    QPushButton *m_check = nullptr;
    QPushButton *m_cancel = nullptr;
    QPushButton *m_add = nullptr;
};

} // namespace fwd::ui
