#pragma once

#include "fileserver/fileserverconfig.h"

#include <QObject>
#include <QString>

#include <memory>

namespace fwd {
class Clock;
class Settings;
namespace store {
class Store;
}
namespace fileserver {
class AccessLogBatcher;
class FileServer;
} // namespace fileserver

// Runs the built-in file server with the application: builds its configuration from the
// settings, (re)starts it when they change, and writes its access log into the store in batches.
class FileServerController final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FileServerController)

public:
    FileServerController(Settings &settings, store::Store &store, const Clock &clock,
                         QString dataDirectory, QObject *parent = nullptr);
    ~FileServerController() override;

    fileserver::FileServer &server() { return *m_server; }
    // The configuration the settings ask for.
    fileserver::FileServerConfig configFromSettings() const;
    // Starts (or restarts) the server with the settings; false when it could not start (the
    // reason is in statusText()). Disabled in the settings: stops it and returns true.
    bool apply();
    void stop();

    enum class Level { Ok, Warning, Error, Off };
    Level level() const { return m_level; }
    // One line for the status bar, and the details (fingerprint, warnings) for its tooltip.
    QString statusText() const { return m_text; }
    QString statusDetails() const { return m_details; }
    // Access-log records lost because the database refused them.
    qint64 accessLogErrors() const { return m_logErrors; }

Q_SIGNALS:
    void statusChanged();

private:
    void setStatus(Level level, const QString &text, const QString &details);

    Settings &m_settings;
    store::Store &m_store;
    QString m_dataDirectory;
    std::unique_ptr<fileserver::AccessLogBatcher> m_batcher;
    std::unique_ptr<fileserver::FileServer> m_server;
    Level m_level = Level::Off;
    QString m_text;
    QString m_details;
    qint64 m_logErrors = 0;
};

} // namespace fwd
