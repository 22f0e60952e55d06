#pragma once

#include <QObject>

class QSocketNotifier;

namespace fwd {

// Turns SIGTERM, SIGINT and SIGHUP into a Qt signal in the thread that created it (the
// self-pipe pattern: the handler only writes a byte), so headless mode stops through the event
// loop and every service shuts down in order: the file server closes its connections and the
// access log reaches the database. One instance per process.
class TerminationSignals final : public QObject
{
    Q_OBJECT

public:
    explicit TerminationSignals(QObject *parent = nullptr);
    ~TerminationSignals() override;

    // False when the pipe or the handlers could not be installed; error() says why.
    bool isActive() const { return m_notifier != nullptr; }
    QString error() const { return m_error; }

Q_SIGNALS:
    void received(int signalNumber);

private:
    void onReadable();

    QSocketNotifier *m_notifier = nullptr;
    QString m_error;
};

} // namespace fwd
