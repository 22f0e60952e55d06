#pragma once

#include "firmware/filerecord.h"

#include <QPointer>
#include <QWidget>

#include <optional>

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTableView;
class QToolButton;

namespace fwd::firmware {
class FileLibrary;
class LinkProbe;
} // namespace fwd::firmware
namespace fwd::store {
class AuditLog;
}
namespace fwd::models {
class FilesModel;
class FilesFilterModel;
} // namespace fwd::models

namespace fwd::ui {

class DescriptorDialog;
class FilePublisher;
class FileUpload;
class GenieAcsFileUploader;
class UploadDialog;

// The Files screen (issue 6 §4): the guide's table (name, type, OUI, product class, version,
// size) plus SHA-256, where published and the batches that use each file; filters by type, OUI
// and text; Upload (also by dropping files from the desktop), the descriptor builder, delete
// (refused while a batch uses the file), publish/unpublish on the built-in server, upload to
// GenieACS with progress and Cancel, and Copy URL. Publishing and GenieACS come in through the
// FilePublisher and GenieAcsFileUploader interfaces; either may be null, and then its actions
// are disabled with the reason in their tooltip.
class FilesScreen final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FilesScreen)

public:
    struct Services
    {
        firmware::FileLibrary &library;
        store::AuditLog &audit;
        firmware::LinkProbe *linkProbe = nullptr;
        FilePublisher *publisher = nullptr;
        GenieAcsFileUploader *uploader = nullptr;
    };

    explicit FilesScreen(Services services, QWidget *parent = nullptr);
    ~FilesScreen() override;

    // Opens the upload dialog for these files (none: empty, Browse to choose); tests drive it.
    UploadDialog *openUpload(const QStringList &paths = {});
    DescriptorDialog *openDescriptorBuilder();

    // Actions on the selected file (also the buttons and the context menu).
    void deleteSelected();
    void publishSelected();
    void unpublishSelected();
    void uploadSelectedToGenieAcs();
    void copySelectedUrl();
    void cancelGenieAcsUpload();

    // Call when the publisher or uploader became (un)available (file server started or stopped,
    // GenieACS profile changed): the actions and their tooltips follow.
    void refreshActions() { updateActions(); }

    std::optional<firmware::FileRecord> selectedRecord() const;
    void selectFile(const QString &fileName);

    // For tests.
    QTableView *view() const { return m_view; }
    models::FilesModel *model() const { return m_model; }
    models::FilesFilterModel *proxy() const { return m_proxy; }
    QComboBox *typeFilter() const { return m_typeFilter; }
    QComboBox *ouiFilter() const { return m_ouiFilter; }
    QLineEdit *searchEdit() const { return m_search; }
    QPushButton *uploadButton() const { return m_uploadButton; }
    QPushButton *publishButton() const { return m_publish; }
    QPushButton *unpublishButton() const { return m_unpublish; }
    QPushButton *genieAcsButton() const { return m_toAcs; }
    QPushButton *copyUrlButton() const { return m_copyUrl; }
    QPushButton *deleteButton() const { return m_delete; }
    QProgressBar *transferProgress() const { return m_transfer; }
    QLabel *statusLabel() const { return m_status; }

Q_SIGNALS:
    void genieAcsUploadFinished(bool ok);

protected:
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dragMoveEvent(QDragMoveEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void updateActions();
    void updateOuiFilter();
    void updateStatus();
    void afterImport(const firmware::FileRecord &record, bool builtIn, bool genieAcs);
    bool publish(const firmware::FileRecord &record);
    void startGenieAcsUpload(const firmware::FileRecord &record);

    Services m_services;
    models::FilesModel *m_model = nullptr;
    models::FilesFilterModel *m_proxy = nullptr;
    QComboBox *m_typeFilter = nullptr;
    QComboBox *m_ouiFilter = nullptr;
    QLineEdit *m_search = nullptr;
    QTableView *m_view = nullptr;
    QPushButton *m_uploadButton = nullptr;
    QPushButton *m_builder = nullptr;
    QPushButton *m_publish = nullptr;
    QPushButton *m_unpublish = nullptr;
    QPushButton *m_toAcs = nullptr;
    QPushButton *m_copyUrl = nullptr;
    QPushButton *m_delete = nullptr;
    QProgressBar *m_transfer = nullptr;
    QPushButton *m_cancelTransfer = nullptr;
    QLabel *m_status = nullptr;
    QLabel *m_dropHint = nullptr;
    QPointer<FileUpload> m_upload;
    qint64 m_uploadId = 0;
    QList<qint64> m_acsQueue; // waiting uploads to GenieACS
};

} // namespace fwd::ui
