#pragma once

#include "firmware/filelibrary.h"

#include <QDialog>
#include <QPointer>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QPushButton;

namespace fwd::ui {

// The guide's "Upload new file" dialog (Type, OUI (Vendor), Product Class, File, File name,
// Version) for one or many files (several come from a drop on the Files screen: a list on top
// selects the file whose fields are shown). The fields are pre-filled from the file itself
// (FileLibrary::inspect); files that cannot be added (empty, unreadable, named .npk but not a
// package, a broken descriptor) are listed with the reason and left out. Unsafe names and names
// the library already holds are explained, with a safe or free name offered. Upload copies and
// hashes each file into the library with progress and Cancel.
class UploadDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UploadDialog)

public:
    // Why publishing on the built-in server / uploading to GenieACS is not possible now (empty:
    // possible); the dialog offers those follow-ups as check boxes.
    struct Options
    {
        QString builtInUnavailable;
        QString genieAcsUnavailable;
    };

    UploadDialog(firmware::FileLibrary &library, Options options, QWidget *parent = nullptr);
    ~UploadDialog() override;

    // Replaces the files to add (what Browse and a drop do).
    void setFiles(const QStringList &paths);

    // What the engineer asked to happen after the import.
    bool publishOnBuiltInServer() const;
    bool uploadToGenieAcs() const;
    bool isUploading() const { return m_job != nullptr; }

    // For tests.
    QListWidget *fileList() const { return m_files; }
    QComboBox *typeCombo() const { return m_type; }
    QComboBox *ouiCombo() const { return m_oui; }
    QComboBox *productClassCombo() const { return m_productClass; }
    QLineEdit *pathEdit() const { return m_path; }
    QLineEdit *fileNameEdit() const { return m_fileName; }
    QLineEdit *versionEdit() const { return m_version; }
    QLabel *messageLabel() const { return m_message; }
    QPushButton *useSuggestionButton() const { return m_useSuggestion; }
    QCheckBox *replaceCheck() const { return m_replace; }
    QCheckBox *builtInCheck() const { return m_builtIn; }
    QCheckBox *genieAcsCheck() const { return m_genieAcs; }
    QPushButton *uploadButton() const { return m_upload; }
    QPushButton *cancelButton() const { return m_cancel; }
    QProgressBar *progressBar() const { return m_progress; }

Q_SIGNALS:
    // One file is in the library.
    void fileAdded(const fwd::firmware::FileRecord &record);
    // The queue ended: how many files were added and how many failed or were cancelled.
    void uploadsFinished(int added, int failed);

private:
    struct Item
    {
        QString path;
        firmware::FileDraft draft;
        firmware::FileRecord metadata;
        bool replace = false;
        enum class State { Ready, Skipped, Added, Failed } state = State::Ready;
        QString message; // why skipped or failed
    };

    void browse();
    void showItem(int index);
    void storeItem();
    void updateState();
    QString problemsOf(int index, QStringList *warnings, QString *suggestion) const;
    void startUpload();
    void uploadNext();
    void onImportFinished(const firmware::ImportResult &result);
    void cancelUpload();
    void refreshListItem(int index);

    firmware::FileLibrary &m_library;
    Options m_options;
    QList<Item> m_items;
    int m_current = -1;
    bool m_loading = false;
    int m_uploadIndex = -1;
    int m_added = 0;
    int m_failed = 0;
    QPointer<firmware::ImportJob> m_job;

    QListWidget *m_files = nullptr;
    QComboBox *m_type = nullptr;
    QComboBox *m_oui = nullptr;
    QComboBox *m_productClass = nullptr;
    QLineEdit *m_path = nullptr;
    QLineEdit *m_fileName = nullptr;
    QLineEdit *m_version = nullptr;
    QLabel *m_message = nullptr;
    QPushButton *m_useSuggestion = nullptr;
    QCheckBox *m_replace = nullptr;
    QCheckBox *m_builtIn = nullptr;
    QCheckBox *m_genieAcs = nullptr;
    QProgressBar *m_progress = nullptr;
    QLabel *m_progressLabel = nullptr;
    QPushButton *m_upload = nullptr;
    QPushButton *m_cancel = nullptr;
    QPushButton *m_close = nullptr;
    QString m_suggestion;
};

} // namespace fwd::ui
