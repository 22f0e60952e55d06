#pragma once

#include "ui/genieacsfileuploader.h"

#include <QPointer>

namespace fwd::acs {
class NbiClient;
}

namespace fwd::ui {

// GenieAcsFileUploader over the NBI client of the active GenieACS profile.
class NbiFileUploader final : public GenieAcsFileUploader
{
public:
    // client may be null (no profile configured); setClient() follows profile changes.
    explicit NbiFileUploader(acs::NbiClient *client);

    void setClient(acs::NbiClient *client) { m_client = client; }

    QString unavailableReason() const override;
    FileUpload *upload(const firmware::FileRecord &record, QObject *parent) override;

private:
    QPointer<acs::NbiClient> m_client;
};

} // namespace fwd::ui
