#include "core/settings.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using fwd::AcsProfile;
using fwd::Settings;

class TestSettings final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void defaultsWhenUnset();
    void changeSignalOnlyOnRealChange();
    void profilesRoundTrip();
    void activeProfile();
    void migratesUnversionedSingleConnection();
    void newerLayoutIsLeftAlone();
    void valuesSurviveReopen();

private:
    std::unique_ptr<QSettings> backend() const
    {
        return std::make_unique<QSettings>(m_dir->filePath(QStringLiteral("fwd.ini")),
                                           QSettings::IniFormat);
    }
    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestSettings::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestSettings::defaultsWhenUnset()
{
    Settings s(backend());
    QCOMPARE(s.value(Settings::DatabaseUrl), QString());
    QCOMPARE(s.value(Settings::WindowGeometry), QByteArray());
    QVERIFY(s.acsProfiles().isEmpty());
    QVERIFY(!s.activeAcsProfile().has_value());
    QCOMPARE(s.layoutVersion(), Settings::CurrentVersion);
}

void TestSettings::changeSignalOnlyOnRealChange()
{
    Settings s(backend());
    QSignalSpy spy(&s, &Settings::changed);
    s.setValue(Settings::DatabaseUrl, QStringLiteral("postgresql://db/fleet"));
    QCOMPARE(spy.size(), 1);
    QCOMPARE(spy.at(0).at(0).toString(), QStringLiteral("store/databaseUrl"));
    s.setValue(Settings::DatabaseUrl, QStringLiteral("postgresql://db/fleet"));
    QCOMPARE(spy.size(), 1);
    QCOMPARE(s.value(Settings::DatabaseUrl), QStringLiteral("postgresql://db/fleet"));
}

void TestSettings::profilesRoundTrip()
{
    Settings s(backend());
    AcsProfile a{
        QStringLiteral("Lab"), QUrl(QStringLiteral("http://127.0.0.1:7557/")), {}, {}, 5000};
    AcsProfile b{QStringLiteral("Production"),
                 QUrl(QStringLiteral("https://acs.isp.example:7557/")),
                 QStringLiteral("noc"),
                 {QStringLiteral("ab12")},
                 20000};
    AcsProfile lab{QStringLiteral("Lab (embedded)"),
                   QUrl(QStringLiteral("http://127.0.0.1:4711/")),
                   {},
                   {},
                   15000,
                   true};
    QSignalSpy spy(&s, &Settings::changed);
    s.setAcsProfiles({a, b});
    QCOMPARE(spy.size(), 1);
    QCOMPARE(s.acsProfiles(), (QList<AcsProfile>{a, b}));
    s.setAcsProfiles({a, b});
    QCOMPARE(spy.size(), 1); // unchanged
    s.setAcsProfiles({b});
    QCOMPARE(s.acsProfiles(), QList<AcsProfile>{b});
    s.setAcsProfiles({b, lab});
    QCOMPARE(s.acsProfiles().at(1).embeddedLab, true);
    QCOMPARE(s.acsProfiles().at(0).embeddedLab, false);
}

void TestSettings::activeProfile()
{
    Settings s(backend());
    AcsProfile a{
        QStringLiteral("Lab"), QUrl(QStringLiteral("http://127.0.0.1:7557/")), {}, {}, 5000};
    s.setAcsProfiles({a});
    s.setValue(Settings::ActiveProfile, QStringLiteral("Nope"));
    QVERIFY(!s.activeAcsProfile().has_value());
    s.setValue(Settings::ActiveProfile, QStringLiteral("Lab"));
    QCOMPARE(s.activeAcsProfile().value(), a);
}

void TestSettings::migratesUnversionedSingleConnection()
{
    {
        auto raw = backend();
        raw->setValue(QStringLiteral("acs/url"), QStringLiteral("https://acs.old:7557/"));
        raw->setValue(QStringLiteral("acs/user"), QStringLiteral("admin"));
    }
    Settings s(backend());
    QCOMPARE(s.layoutVersion(), 1);
    const auto profiles = s.acsProfiles();
    QCOMPARE(profiles.size(), 1);
    QCOMPARE(profiles.first().nbiUrl, QUrl(QStringLiteral("https://acs.old:7557/")));
    QCOMPARE(profiles.first().username, QStringLiteral("admin"));
    QCOMPARE(s.activeAcsProfile()->name, profiles.first().name);
    s.sync();
    QSettings raw(m_dir->filePath(QStringLiteral("fwd.ini")), QSettings::IniFormat);
    QVERIFY(!raw.contains(QStringLiteral("acs/url")));
}

void TestSettings::newerLayoutIsLeftAlone()
{
    {
        auto raw = backend();
        raw->setValue(QStringLiteral("meta/layoutVersion"), 7);
        raw->setValue(QStringLiteral("acs/url"), QStringLiteral("https://future/"));
    }
    Settings s(backend());
    QCOMPARE(s.layoutVersion(), 7);
    s.sync();
    QSettings raw(m_dir->filePath(QStringLiteral("fwd.ini")), QSettings::IniFormat);
    QVERIFY(raw.contains(QStringLiteral("acs/url")));
}

void TestSettings::valuesSurviveReopen()
{
    {
        Settings s(backend());
        s.setValue(Settings::WindowGeometry, QByteArray("\x01\x02geometry", 10));
    }
    Settings s(backend());
    QCOMPARE(s.value(Settings::WindowGeometry), QByteArray("\x01\x02geometry", 10));
}

QTEST_GUILESS_MAIN(TestSettings)
#include "tst_settings.moc"
