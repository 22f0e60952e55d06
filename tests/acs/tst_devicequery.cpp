#include "acs/devicequery.h"

#include <QJsonDocument>
#include <QTest>

using namespace fwd::acs;
using Op = DeviceFilter::Op;

Q_DECLARE_METATYPE(fwd::acs::DeviceFilter)

class TestDeviceQuery final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void toJson_data();
    void toJson();
    void validate_data();
    void validate();
    void storageRoundTrip();
    void damagedStorage_data();
    void damagedStorage();
};

void TestDeviceQuery::toJson_data()
{
    QTest::addColumn<DeviceFilter>("filter");
    QTest::addColumn<QString>("json");

    const QDateTime t(QDate(2024, 1, 1), QTime(0, 0), Qt::UTC);
    const QString sv = QLatin1String(DeviceField::SoftwareVersionTr098);
    QTest::newRow("all") << DeviceFilter::all() << "{}";
    QTest::newRow("tag (T009)") << DeviceFilter::tagged(QStringLiteral("wave1"))
                                << R"({"_tags":"wave1"})";
    QTest::newRow("not tagged") << DeviceFilter::notTagged(QStringLiteral("done"))
                                << R"({"_tags":{"$ne":"done"}})";
    QTest::newRow("doc example: product class and version not V3.0")
        << (DeviceFilter::where(QLatin1String(DeviceField::ProductClass), Op::Equals,
                                QStringLiteral("HG8245")) &&
            DeviceFilter::where(sv, Op::NotEquals, QStringLiteral("V3.0")))
        << R"({"$and":[{"_deviceId._ProductClass":"HG8245"},)"
           R"({"InternetGatewayDevice.DeviceInfo.SoftwareVersion":{"$ne":"V3.0"}}]})";
    QTest::newRow("ne and exists on one field stay in separate objects (T097)")
        << (DeviceFilter::where(sv, Op::NotEquals, QStringLiteral("000001")) &&
            DeviceFilter::where(sv, Op::Exists))
        << R"({"$and":[{"InternetGatewayDevice.DeviceInfo.SoftwareVersion":{"$ne":"000001"}},)"
           R"({"InternetGatewayDevice.DeviceInfo.SoftwareVersion":{"$exists":true}}]})";
    QTest::newRow("date as ISO string, never epoch")
        << DeviceFilter::where(QLatin1String(DeviceField::LastInform), Op::Less, t)
        << R"({"_lastInform":{"$lt":"2024-01-01T00:00:00.000Z"}})";
    QTest::newRow("number as text matches numbers and strings")
        << DeviceFilter::where(QStringLiteral("Device.X.Count"), Op::Greater, 299)
        << R"({"Device.X.Count":{"$gt":"299"}})";
    QTest::newRow("literal star is not a wildcard")
        << DeviceFilter::where(QLatin1String(DeviceField::SerialNumber), Op::Equals,
                               QStringLiteral("AB*C"))
        << R"({"_deviceId._SerialNumber":{"$regex":"^AB\\*C$"}})";
    QTest::newRow("literal /re/ is not a regex")
        << DeviceFilter::where(QLatin1String(DeviceField::SerialNumber), Op::Equals,
                               QStringLiteral("/x/"))
        << R"({"_deviceId._SerialNumber":{"$regex":"^\\/x\\/$"}})";
    QTest::newRow("starts with escapes the prefix")
        << DeviceFilter::where(sv, Op::StartsWith, QStringLiteral("V1.0"))
        << R"({"InternetGatewayDevice.DeviceInfo.SoftwareVersion":{"$regex":"^V1\\.0"}})";
    QTest::newRow("contains, case-insensitive")
        << DeviceFilter::where(QLatin1String(DeviceField::SerialNumber), Op::Contains,
                               QStringLiteral("ab"), Qt::CaseInsensitive)
        << R"({"_deviceId._SerialNumber":{"$regex":"(?i)ab"}})";
    QTest::newRow("software version on both data models")
        << DeviceFilter::softwareVersion(Op::Equals, QStringLiteral("6.48.4"))
        << R"({"$or":[{"InternetGatewayDevice.DeviceInfo.SoftwareVersion":"6.48.4"},)"
           R"({"Device.DeviceInfo.SoftwareVersion":"6.48.4"}]})";
    QTest::newRow("software version not equal must hold on both")
        << DeviceFilter::softwareVersion(Op::NotEquals, QStringLiteral("6.48.4"))
        << R"({"$and":[{"InternetGatewayDevice.DeviceInfo.SoftwareVersion":{"$ne":"6.48.4"}},)"
           R"({"Device.DeviceInfo.SoftwareVersion":{"$ne":"6.48.4"}}]})";
    QTest::newRow("ids in a list") << DeviceFilter::idIn({QStringLiteral("a"), QStringLiteral("b")})
                                   << R"({"_id":{"$in":["a","b"]}})";
    QTest::newRow("nested and/or flatten")
        << ((DeviceFilter::tagged(QStringLiteral("a")) &&
             DeviceFilter::tagged(QStringLiteral("b"))) &&
            (DeviceFilter::tagged(QStringLiteral("c")) ||
             DeviceFilter::tagged(QStringLiteral("d"))))
        << R"({"$and":[{"_tags":"a"},{"_tags":"b"},{"$or":[{"_tags":"c"},{"_tags":"d"}]}]})";
    QTest::newRow("and with all is the other side")
        << (DeviceFilter::all() && DeviceFilter::tagged(QStringLiteral("a"))) << R"({"_tags":"a"})";
    QTest::newRow("or with all is all")
        << (DeviceFilter::all() || DeviceFilter::tagged(QStringLiteral("a"))) << "{}";
}

void TestDeviceQuery::toJson()
{
    QFETCH(DeviceFilter, filter);
    QFETCH(QString, json);
    QVERIFY2(filter.validate().isEmpty(), qPrintable(filter.validate()));
    QCOMPARE(filter.toQueryString(), json);
}

void TestDeviceQuery::validate_data()
{
    QTest::addColumn<DeviceFilter>("filter");
    QTest::addColumn<int>("generation");
    QTest::addColumn<bool>("ok");
    using G = GenieAcsVersion::Generation;
    const QString sv = QLatin1String(DeviceField::SoftwareVersionTr098);
    QTest::newRow("field with $") << DeviceFilter::where(QStringLiteral("$where"), Op::Equals,
                                                         QStringLiteral("x"))
                                  << int(G::Modern) << false;
    QTest::newRow("empty segment")
        << DeviceFilter::where(QStringLiteral("a..b"), Op::Exists) << int(G::Modern) << false;
    QTest::newRow("date before 1984")
        << DeviceFilter::where(QLatin1String(DeviceField::LastInform), Op::Less,
                               QDateTime(QDate(1983, 12, 31), QTime(0, 0), Qt::UTC))
        << int(G::Modern) << false;
    QTest::newRow("date field with non-date text")
        << DeviceFilter::where(QLatin1String(DeviceField::LastInform), Op::Less,
                               QStringLiteral("yesterday"))
        << int(G::Modern) << false;
    QTest::newRow("ne numeric text on 1.2.9 crashes it")
        << DeviceFilter::where(sv, Op::NotEquals, QStringLiteral("300")) << int(G::Legacy) << false;
    QTest::newRow("ne numeric text on 1.2.16 is fine")
        << DeviceFilter::where(sv, Op::NotEquals, QStringLiteral("300")) << int(G::Modern) << true;
    QTest::newRow("wildcard text in a comparison")
        << DeviceFilter::where(sv, Op::Greater, QStringLiteral("V1*")) << int(G::Modern) << false;
    QTest::newRow("invalid regex")
        << DeviceFilter::where(sv, Op::Matches, QStringLiteral("(")) << int(G::Modern) << false;
    QTest::newRow("empty in-list") << DeviceFilter::idIn({}) << int(G::Modern) << false;
    QTest::newRow("no value") << DeviceFilter::where(sv, Op::Equals) << int(G::Modern) << false;
    QTest::newRow("nested invalid child")
        << (DeviceFilter::tagged(QStringLiteral("a")) ||
            DeviceFilter::where(QStringLiteral("bad field"), Op::Exists))
        << int(G::Modern) << false;
}

void TestDeviceQuery::validate()
{
    QFETCH(DeviceFilter, filter);
    QFETCH(int, generation);
    QFETCH(bool, ok);
    const QString error = filter.validate(GenieAcsVersion::Generation(generation));
    QVERIFY2(error.isEmpty() == ok, qPrintable(error));
}

void TestDeviceQuery::storageRoundTrip()
{
    const DeviceFilter f =
        (DeviceFilter::tagged(QStringLiteral("wave1")) &&
         DeviceFilter::where(QLatin1String(DeviceField::LastInform), Op::Greater,
                             QDateTime(QDate(2026, 11, 1), QTime(0, 0), Qt::UTC))) ||
        (DeviceFilter::where(QStringLiteral("Device.X.Count"), Op::LessOrEqual, qint64(12)) &&
         DeviceFilter::where(QLatin1String(DeviceField::SerialNumber), Op::Contains,
                             QStringLiteral("ab"), Qt::CaseInsensitive) &&
         DeviceFilter::idIn({QStringLiteral("a"), QStringLiteral("b*")}) &&
         DeviceFilter::where(QStringLiteral("Device.X.Enabled"), Op::Equals, true) &&
         DeviceFilter::where(QStringLiteral("Device.X.Ratio"), Op::Less, 0.5) &&
         DeviceFilter::where(QStringLiteral("Device.X.Y"), Op::NotExists));
    QString error;
    const auto back = DeviceFilter::fromStorage(
        QJsonDocument::fromJson(QJsonDocument(f.toStorage()).toJson()).object(), &error);
    QVERIFY2(back.has_value(), qPrintable(error));
    QCOMPARE(back->toQueryString(), f.toQueryString());
    QCOMPARE(back->toStorage(), f.toStorage());
    QCOMPARE(DeviceFilter::fromStorage(DeviceFilter::all().toStorage())->isAll(), true);
}

void TestDeviceQuery::damagedStorage_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::newRow("empty object") << QByteArray("{}");
    QTest::newRow("unknown op") << QByteArray(
        R"({"field":"_tags","op":"like","value":{"text":"x"}})");
    QTest::newRow("field not text") << QByteArray(R"({"field":1,"op":"eq","value":{"text":"x"}})");
    QTest::newRow("value of unknown kind")
        << QByteArray(R"({"field":"_tags","op":"eq","value":{"blob":"x"}})");
    QTest::newRow("bad date") << QByteArray(
        R"({"field":"_lastInform","op":"lt","value":{"date":"soon"}})");
    QTest::newRow("and not a list") << QByteArray(R"({"and":{"field":"_tags"}})");
    QTest::newRow("valid form, invalid filter")
        << QByteArray(R"({"field":"a..b","op":"eq","value":{"text":"x"}})");
}

void TestDeviceQuery::damagedStorage()
{
    QFETCH(QByteArray, json);
    QString error;
    QVERIFY(!DeviceFilter::fromStorage(QJsonDocument::fromJson(json).object(), &error));
    QVERIFY(!error.isEmpty());
}

QTEST_GUILESS_MAIN(TestDeviceQuery)
#include "tst_devicequery.moc"
