#include "lab/devicerecord.h"
#include "lab/docvalue.h"
#include "lab/query.h"

#include <QTest>

using namespace fwd::lab;

// GenieACS's device query language (GENIEACS.md §2; the rows of GENIEACS-CHECKED.md §2 were
// measured on GenieACS 1.2.16 against five genieacs-sim routers, reproduced here).
class TestQuery final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void deviceQuery_data();
    void deviceQuery();
    void expansionShape_data();
    void expansionShape();
    void wildcard_data();
    void wildcard();
    void rejected_data();
    void rejected();
    void genericOperators_data();
    void genericOperators();
    void tasksQuery_data();
    void tasksQuery();
    void projection_data();
    void projection();
    void jsonErrors_data();
    void jsonErrors();
    void jsonWriting();
    void deviceIdEscaping_data();
    void deviceIdEscaping();

private:
    int count(const QByteArray &queryJson, QString *error);
    PathTable m_paths;
    std::vector<DeviceRecord> m_devices;
};

void TestQuery::initTestCase()
{
    const qint64 t = QDateTime(QDate(2026, 12, 1), QTime(6, 30), Qt::UTC).toMSecsSinceEpoch();
    const char *codes[] = {nullptr, "lab-b", "lab-a", "lab-c", nullptr};
    for (int i = 0; i < 5; ++i) {
        DeviceRecord d;
        d.oui = QStringLiteral("202BC1");
        d.productClass = QStringLiteral("BM632w");
        d.manufacturer = QStringLiteral("Huawei Technologies Co., Ltd.");
        d.serial = QStringLiteral("00000%1").arg(i);
        d.id = DeviceRecord::makeId(d.oui, d.productClass, d.serial);
        d.registered = t;
        d.lastInform = t + i * 1000;
        d.setParameter(m_paths, QStringLiteral("InternetGatewayDevice.DeviceInfo.SoftwareVersion"),
                       QStringLiteral("V100R001IRQC56B017"), QStringLiteral("xsd:string"), t);
        d.setParameter(
            m_paths, QStringLiteral("InternetGatewayDevice.ManagementServer.ConnectionRequestURL"),
            QStringLiteral("http://127.0.0.1:5250%1/").arg(i), QStringLiteral("xsd:string"), t);
        d.setParameter(
            m_paths,
            QStringLiteral("InternetGatewayDevice.ManagementServer.PeriodicInformInterval"), 300.0,
            QStringLiteral("xsd:unsignedInt"), t);
        if (codes[i])
            d.setParameter(m_paths,
                           QStringLiteral("InternetGatewayDevice.DeviceInfo.ProvisioningCode"),
                           QString::fromLatin1(codes[i]), QStringLiteral("xsd:string"), t);
        if (i == 1 || i == 2) {
            d.hasTags = true;
            d.tags = i == 1 ? QStringList{QStringLiteral("wave1")}
                            : QStringList{QStringLiteral("wave1"), QStringLiteral("done")};
        }
        m_devices.push_back(d);
    }
}

int TestQuery::count(const QByteArray &queryJson, QString *error)
{
    QString e;
    const QVariant parsed = docvalue::parseJson(queryJson, &e);
    if (!parsed.isValid()) {
        *error = e;
        return -1;
    }
    const auto expanded = Query::expandDeviceQuery(parsed.toMap(), &e);
    if (!expanded) {
        *error = e;
        return -1;
    }
    const auto q = Query::compile(*expanded, &e);
    if (!q) {
        *error = e;
        return -1;
    }
    int n = 0;
    for (const DeviceRecord &d : m_devices)
        n += q->matches(DeviceView(d, m_paths)) ? 1 : 0;
    return n;
}

void TestQuery::deviceQuery_data()
{
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<int>("expected");

    QTest::newRow("A _id as written") << QByteArray(R"({"_id":"202BC1-BM632w-000000"})") << 1;
    QTest::newRow("B _deviceId._ProductClass as written")
        << QByteArray(R"({"_deviceId._ProductClass":"BM632w"})") << 5;
    QTest::newRow("C numeric string matches a number")
        << QByteArray(R"({"InternetGatewayDevice.ManagementServer.PeriodicInformInterval":"300"})")
        << 5;
    QTest::newRow("C3 $gt with a numeric string")
        << QByteArray(
               R"({"InternetGatewayDevice.ManagementServer.PeriodicInformInterval":{"$gt":"299"}})")
        << 5;
    QTest::newRow("D date string $lt")
        << QByteArray(R"({"_lastInform":{"$lt":"2099-01-01T00:00:00Z"}})") << 5;
    QTest::newRow("D2 date-only string $gt")
        << QByteArray(R"({"_lastInform":{"$gt":"2020-01-01"}})") << 5;
    QTest::newRow("D3 epoch number is not a date")
        << QByteArray(R"({"_lastInform":{"$gt":0}})") << 0;
    QTest::newRow("D4 epoch string is not a date")
        << QByteArray(R"({"_lastInform":{"$gt":"1000000000000"}})") << 0;
    QTest::newRow("D5 short date string (<8 chars) is not a date")
        << QByteArray(R"({"_lastInform":{"$gt":"2020"}})") << 0;
    QTest::newRow("D6 date range on _lastInform")
        << QByteArray(
               R"({"_lastInform":{"$gte":"2026-12-01T06:30:02Z","$lt":"2026-12-01T06:30:04Z"}})")
        << 2;
    QTest::newRow("E /regex/i")
        << QByteArray(R"({"InternetGatewayDevice.DeviceInfo.SoftwareVersion":"/^v100r/i"})") << 5;
    QTest::newRow("E2 /regex/ is case sensitive")
        << QByteArray(R"({"InternetGatewayDevice.DeviceInfo.SoftwareVersion":"/^v100r/"})") << 0;
    QTest::newRow("F prefix wildcard")
        << QByteArray(R"({"InternetGatewayDevice.DeviceInfo.SoftwareVersion":"V100*"})") << 5;
    QTest::newRow("F2 contains wildcard")
        << QByteArray(R"({"InternetGatewayDevice.DeviceInfo.SoftwareVersion":"*IRQC*"})") << 5;
    QTest::newRow("F3 suffix wildcard")
        << QByteArray(R"({"InternetGatewayDevice.DeviceInfo.SoftwareVersion":"*B017"})") << 5;
    QTest::newRow("F4 only the first special character is escaped")
        << QByteArray(
               R"({"InternetGatewayDevice.ManagementServer.ConnectionRequestURL":"ht.p://*"})")
        << 0;
    QTest::newRow("F5 later dots stay regex wildcards")
        << QByteArray(
               R"({"InternetGatewayDevice.ManagementServer.ConnectionRequestURL":"http://127.0.0.1.5*"})")
        << 5;
    QTest::newRow("G1 only the first inner * becomes .*")
        << QByteArray(R"({"InternetGatewayDevice.DeviceInfo.SoftwareVersion":"V100*IRQC*B017"})")
        << 0;
    QTest::newRow("G2 one inner *")
        << QByteArray(R"({"InternetGatewayDevice.DeviceInfo.SoftwareVersion":"V100*B017"})") << 5;
    QTest::newRow("H $ne alternatives are AND-ed")
        << QByteArray(R"({"_deviceId._SerialNumber":{"$ne":"000001"}})") << 4;
    QTest::newRow("H2 $in") << QByteArray(
                                   R"({"_deviceId._SerialNumber":{"$in":["000001","000002"]}})")
                            << 2;
    QTest::newRow("H3 $nin") << QByteArray(
                                    R"({"_deviceId._SerialNumber":{"$nin":["000001","000002"]}})")
                             << 3;
    QTest::newRow("I $exists on a parameter gets ._value")
        << QByteArray(R"({"InternetGatewayDevice.DeviceInfo.ProvisioningCode":{"$exists":true}})")
        << 3;
    QTest::newRow("I2 $exists false")
        << QByteArray(R"({"InternetGatewayDevice.DeviceInfo.ProvisioningCode":{"$exists":false}})")
        << 2;
    QTest::newRow("J $regex on a parameter")
        << QByteArray(R"({"InternetGatewayDevice.DeviceInfo.SoftwareVersion":{"$regex":"^V100"}})")
        << 5;
    QTest::newRow("J2 $regex with $options")
        << QByteArray(
               R"({"InternetGatewayDevice.DeviceInfo.ProvisioningCode":{"$regex":"^LAB-[ab]","$options":"i"}})")
        << 2;
    QTest::newRow("K $or")
        << QByteArray(
               R"({"$or":[{"_deviceId._SerialNumber":"000001"},{"_deviceId._SerialNumber":"000002"}]})")
        << 2;
    QTest::newRow("K2 $and")
        << QByteArray(
               R"({"$and":[{"_tags":"wave1"},{"InternetGatewayDevice.DeviceInfo.ProvisioningCode":"lab-a"}]})")
        << 1;
    QTest::newRow("L doc example, other product class")
        << QByteArray(
               R"({"_deviceId._ProductClass":"HG8245","InternetGatewayDevice.DeviceInfo.SoftwareVersion":{"$ne":"V3.0"}})")
        << 0;
    QTest::newRow("L2 doc example, this product class")
        << QByteArray(
               R"({"_deviceId._ProductClass":"BM632w","InternetGatewayDevice.DeviceInfo.SoftwareVersion":{"$ne":"V3.0"}})")
        << 5;
    QTest::newRow("M tags") << QByteArray(R"({"_tags":"wave1"})") << 2;
    QTest::newRow("M2 tags $ne") << QByteArray(R"({"_tags":{"$ne":"done"}})") << 4;
    QTest::newRow("M3 tags $exists") << QByteArray(R"({"_tags":{"$exists":true}})") << 2;
    QTest::newRow("N $gt on strings")
        << QByteArray(R"({"InternetGatewayDevice.DeviceInfo.ProvisioningCode":{"$gt":"lab-a"}})")
        << 2;
    QTest::newRow("O empty query") << QByteArray("{}") << 5;
    QTest::newRow("P parameter attribute _type")
        << QByteArray(
               R"({"InternetGatewayDevice.ManagementServer.PeriodicInformInterval._type":"xsd:unsignedInt"})")
        << 5;
    QTest::newRow("Q value equal to a string that looks like nothing special")
        << QByteArray(R"({"InternetGatewayDevice.DeviceInfo.ProvisioningCode":"lab-c"})") << 1;
}

void TestQuery::deviceQuery()
{
    QFETCH(QByteArray, query);
    QFETCH(int, expected);
    QString error;
    QCOMPARE(count(query, &error), expected);
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TestQuery::expansionShape_data()
{
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<QByteArray>("expanded");

    QTest::newRow("plain string") << QByteArray(R"({"A.B":"x"})")
                                  << QByteArray(R"({"A.B._value":"x"})");
    QTest::newRow("underscore key untouched")
        << QByteArray(R"({"_deviceId._OUI":"x"})") << QByteArray(R"({"_deviceId._OUI":"x"})");
    QTest::newRow("numeric string -> OR")
        << QByteArray(R"({"A":"300"})")
        << QByteArray(R"({"$and":[{"$or":[{"A._value":"300"},{"A._value":300}]}]})");
    QTest::newRow("$ne numeric -> AND")
        << QByteArray(R"({"A":{"$ne":"1"}})")
        << QByteArray(R"({"$and":[{"A._value":{"$ne":"1"}},{"A._value":{"$ne":1}}]})");
    QTest::newRow("$in concatenates alternatives")
        << QByteArray(R"({"A":{"$in":["1","x"]}})")
        << QByteArray(R"({"A._value":{"$in":["1",1,"x"]}})");
    QTest::newRow("number untouched")
        << QByteArray(R"({"A":5})") << QByteArray(R"({"A._value":5})");
    QTest::newRow("$exists untouched") << QByteArray(R"({"A":{"$exists":true}})")
                                       << QByteArray(R"({"A._value":{"$exists":true}})");
    QTest::newRow("date alternative")
        << QByteArray(R"({"_lastInform":{"$lt":"2024-01-01T00:00:00Z"}})")
        << QByteArray(
               R"({"$and":[{"$or":[{"_lastInform":{"$lt":"2024-01-01T00:00:00Z"}},{"_lastInform":{"$lt":"2024-01-01T00:00:00.000Z"}}]}]})");
}

void TestQuery::expansionShape()
{
    QFETCH(QByteArray, query);
    QFETCH(QByteArray, expanded);
    QString error;
    const auto q = Query::expandDeviceQuery(docvalue::parseJson(query, &error).toMap(), &error);
    QVERIFY2(q.has_value(), qPrintable(error));
    QCOMPARE(docvalue::toJsonBytes(*q),
             docvalue::toJsonBytes(docvalue::parseJson(expanded, &error)));
}

void TestQuery::wildcard_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("pattern");
    QTest::newRow("prefix") << QStringLiteral("V100*") << QStringLiteral("^V100");
    QTest::newRow("contains") << QStringLiteral("*x*") << QStringLiteral("x");
    QTest::newRow("suffix") << QStringLiteral("**B017") << QStringLiteral("B017$");
    QTest::newRow("inner") << QStringLiteral("a*b") << QStringLiteral("^a.*b$");
    QTest::newRow("two inner, second kept")
        << QStringLiteral("a*b*c") << QStringLiteral("^a.*b*c$");
    QTest::newRow("first special escaped only")
        << QStringLiteral("a.b.c*") << QStringLiteral("^a\\.b.c");
}

void TestQuery::wildcard()
{
    QFETCH(QString, input);
    QFETCH(QString, pattern);
    QCOMPARE(Query::wildcardPattern(input).value_or(QString()), pattern);
    QVERIFY(!Query::wildcardPattern(QStringLiteral("no star")).has_value());
}

void TestQuery::rejected_data()
{
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<QString>("errorPart");
    QTest::newRow("T097 $ne mixed with $exists")
        << QByteArray(R"({"_deviceId._SerialNumber":{"$ne":"000001","$exists":true}})")
        << QStringLiteral("Cannot mix $ne or $not with other operators");
    QTest::newRow("unknown operator")
        << QByteArray(R"({"A":{"$foo":1}})") << QStringLiteral("unknown operator: $foo");
    QTest::newRow("unknown top level operator")
        << QByteArray(R"({"$foo":[{}]})") << QStringLiteral("unknown top level operator: $foo");
    QTest::newRow("$or not an array")
        << QByteArray(R"({"$or":{"a":1}})") << QStringLiteral("TypeError");
    QTest::newRow("$in not an array")
        << QByteArray(R"({"_id":{"$in":"x"}})") << QStringLiteral("$in needs an array");
    QTest::newRow("invalid /regex/")
        << QByteArray(R"({"A":"/a(/"})") << QStringLiteral("Invalid regular expression");
}

void TestQuery::rejected()
{
    QFETCH(QByteArray, query);
    QFETCH(QString, errorPart);
    QString error;
    QCOMPARE(count(query, &error), -1);
    QVERIFY2(error.contains(errorPart), qPrintable(error));
}

void TestQuery::genericOperators_data()
{
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<bool>("matches");
    // doc: {"_id":"t1","name":"reboot","retries":2,"list":[1,5],"sub":{"a":"x"},"n":null}
    QTest::newRow("$eq") << QByteArray(R"({"name":"reboot"})") << true;
    QTest::newRow("array any element") << QByteArray(R"({"list":5})") << true;
    QTest::newRow("array $gt any element") << QByteArray(R"({"list":{"$gt":4}})") << true;
    QTest::newRow("array $size") << QByteArray(R"({"list":{"$size":2}})") << true;
    QTest::newRow("array $all") << QByteArray(R"({"list":{"$all":[1,5]}})") << true;
    QTest::newRow("$elemMatch") << QByteArray(R"({"list":{"$elemMatch":{"$gt":1,"$lt":6}}})")
                                << true;
    QTest::newRow("cross-type $gt never matches")
        << QByteArray(R"({"retries":{"$gt":"1"}})") << false;
    QTest::newRow("null matches missing") << QByteArray(R"({"missing":null})") << true;
    QTest::newRow("null matches null") << QByteArray(R"({"n":null})") << true;
    QTest::newRow("$ne matches missing") << QByteArray(R"({"missing":{"$ne":1}})") << true;
    QTest::newRow("dotted path") << QByteArray(R"({"sub.a":"x"})") << true;
    QTest::newRow("embedded document equality") << QByteArray(R"({"sub":{"a":"x"}})") << true;
    QTest::newRow("$not") << QByteArray(R"({"retries":{"$not":{"$gt":1}}})") << false;
    QTest::newRow("$nor") << QByteArray(R"({"$nor":[{"name":"x"}]})") << true;
    QTest::newRow("$type string") << QByteArray(R"({"name":{"$type":"string"}})") << true;
    QTest::newRow("$regex string prefix") << QByteArray(R"({"_id":{"$regex":"^t"}})") << true;
}

void TestQuery::genericOperators()
{
    QFETCH(QByteArray, query);
    QFETCH(bool, matches);
    QString error;
    const QVariantMap doc =
        docvalue::parseJson(
            R"({"_id":"t1","name":"reboot","retries":2,"list":[1,5],"sub":{"a":"x"},"n":null})",
            &error)
            .toMap();
    const auto q = Query::compile(docvalue::parseJson(query, &error), &error);
    QVERIFY2(q.has_value(), qPrintable(error));
    QCOMPARE(q->matches(VariantDocumentView(doc)), matches);
}

void TestQuery::tasksQuery_data()
{
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<int>("expected"); // -1: rejected (GenieACS's NBI worker dies)
    QTest::newRow("T036 _id string coerced")
        << QByteArray(R"({"_id":"6B0E6C1BD9D97B726A6A100C"})") << 1;
    QTest::newRow("N6 epoch number timestamp") << QByteArray(R"({"timestamp":{"$gt":0}})") << 2;
    QTest::newRow("ISO timestamp")
        << QByteArray(R"({"timestamp":{"$gt":"2026-12-01T06:40:00Z"}})") << 1;
    QTest::newRow("retries from a string") << QByteArray(R"({"retries":"1"})") << 1;
    QTest::newRow("$regex on _id is not supported")
        << QByteArray(R"({"_id":{"$regex":"^6b"}})") << -1;
    QTest::newRow("bad ObjectId") << QByteArray(R"({"_id":"nothex"})") << -1;
    QTest::newRow("$in coerced") << QByteArray(R"({"_id":{"$in":["6b0e6c1bd9d97b726a6a100c"]}})")
                                 << 1;
}

void TestQuery::tasksQuery()
{
    QFETCH(QByteArray, query);
    QFETCH(int, expected);
    QString error;
    const QVariantMap t1 = {
        {QStringLiteral("_id"), QStringLiteral("6b0e6c1bd9d97b726a6a100c")},
        {QStringLiteral("timestamp"), QDateTime(QDate(2026, 12, 1), QTime(6, 41, 31), Qt::UTC)},
        {QStringLiteral("retries"), 1.0}};
    const QVariantMap t2 = {
        {QStringLiteral("_id"), QStringLiteral("6b0e6a88d9d97b726a6a0ff4")},
        {QStringLiteral("timestamp"), QDateTime(QDate(2026, 12, 1), QTime(6, 34, 48), Qt::UTC)}};
    const auto sanitized =
        Query::sanitizeTasksQuery(docvalue::parseJson(query, &error).toMap(), &error);
    if (expected < 0) {
        QVERIFY(!sanitized.has_value());
        QVERIFY(!error.isEmpty());
        return;
    }
    QVERIFY2(sanitized.has_value(), qPrintable(error));
    const auto q = Query::compile(*sanitized, &error);
    QVERIFY2(q.has_value(), qPrintable(error));
    QCOMPARE(int(q->matches(VariantDocumentView(t1))) + int(q->matches(VariantDocumentView(t2))),
             expected);
}

void TestQuery::projection_data()
{
    QTest::addColumn<QString>("projection");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("T004 parameter path gives its attribute object")
        << QStringLiteral(
               "_deviceId._SerialNumber,InternetGatewayDevice.DeviceInfo.SoftwareVersion,_tags")
        << QByteArray(
               R"({"_deviceId":{"_SerialNumber":"000001"},"_id":"202BC1-BM632w-000001","_tags":["wave1"],)"
               R"("InternetGatewayDevice":{"DeviceInfo":{"SoftwareVersion":{"_object":false,"_timestamp":"2026-12-01T06:30:00.000Z",)"
               R"("_type":"xsd:string","_value":"V100R001IRQC56B017"}}}})");
    QTest::newRow("T007 ._value path gives only _value")
        << QStringLiteral("InternetGatewayDevice.DeviceInfo.ProvisioningCode._value")
        << QByteArray(
               R"({"_id":"202BC1-BM632w-000001","InternetGatewayDevice":{"DeviceInfo":{"ProvisioningCode":{"_value":"lab-b"}}}})");
    QTest::newRow("covered path dropped (optimizeProjection)")
        << QStringLiteral("InternetGatewayDevice.DeviceInfo,InternetGatewayDevice.DeviceInfo."
                          "SoftwareVersion._value,_id")
        << QByteArray(
               R"({"_id":"202BC1-BM632w-000001","InternetGatewayDevice":{"DeviceInfo":{"_object":true,)"
               R"("ProvisioningCode":{"_object":false,"_timestamp":"2026-12-01T06:30:00.000Z","_type":"xsd:string","_value":"lab-b"},)"
               R"("SoftwareVersion":{"_object":false,"_timestamp":"2026-12-01T06:30:00.000Z","_type":"xsd:string","_value":"V100R001IRQC56B017"}}}})");
    QTest::newRow("absent path omitted")
        << QStringLiteral("_lastBoot") << QByteArray(R"({"_id":"202BC1-BM632w-000001"})");
}

void TestQuery::projection()
{
    QFETCH(QString, projection);
    QFETCH(QByteArray, expected);
    QString error;
    const auto p = Projection::parse(projection, &error);
    QVERIFY2(p.has_value(), qPrintable(error));
    const DeviceRecord &d = m_devices.at(1);
    const QVariantMap partial = d.toDocument(m_paths, &p->paths());
    const QVariantMap full = d.toDocument(m_paths);
    QCOMPARE(docvalue::toJsonBytes(p->apply(partial)),
             docvalue::toJsonBytes(docvalue::parseJson(expected, &error)));
    QCOMPARE(docvalue::toJsonBytes(p->apply(full)), docvalue::toJsonBytes(p->apply(partial)));
    QVERIFY(!Projection::parse(QString(), &error).has_value());
}

void TestQuery::jsonErrors_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("message");
    QTest::newRow("T084 truncated")
        << QByteArray(R"({"_id":)") << QStringLiteral("SyntaxError: Unexpected end of JSON input");
    QTest::newRow("T085 unquoted key")
        << QByteArray("{_id:1}")
        << QStringLiteral("SyntaxError: Expected property name or '}' in JSON at position 1");
    QTest::newRow("T079 trailing comma")
        << QByteArray(R"({"weight":0,)")
        << QStringLiteral(
               "SyntaxError: Expected double-quoted property name in JSON at position 12");
    QTest::newRow("T086 truncated task")
        << QByteArray(R"({"name":)") << QStringLiteral("SyntaxError: Unexpected end of JSON input");
    QTest::newRow("empty") << QByteArray("")
                           << QStringLiteral("SyntaxError: Unexpected end of JSON input");
}

void TestQuery::jsonErrors()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, message);
    QString error;
    QVERIFY(!docvalue::parseJson(text, &error).isValid());
    QCOMPARE(error, message);
    QVERIFY(docvalue::parseJson("5", &error).isValid());
    QVERIFY(docvalue::parseJson(" [1, {\"a\": null}] ", &error).isValid());
}

void TestQuery::jsonWriting()
{
    // As JSON.stringify writes it: integers without a fraction, shortest doubles, escapes,
    // dates as ISO strings, undefined members left out, NaN as null.
    QVariantMap m;
    m.insert(QStringLiteral("s"), QString::fromUtf8("q\"b\\n\n\x01\xc3\xa9"));
    m.insert(QStringLiteral("i"), 300.0);
    m.insert(QStringLiteral("f"), 0.1);
    m.insert(QStringLiteral("neg"), -2.5e-7);
    m.insert(QStringLiteral("nan"), double(NAN));
    m.insert(QStringLiteral("d"), QDateTime(QDate(2026, 12, 1), QTime(6, 30, 56, 337), Qt::UTC));
    m.insert(QStringLiteral("u"), QVariant());
    m.insert(QStringLiteral("n"), docvalue::null());
    m.insert(QStringLiteral("l"), QVariantList{true, false, QVariantMap()});
    QCOMPARE(
        docvalue::toJsonBytes(m),
        QByteArray(
            R"({"d":"2026-12-01T06:30:56.337Z","f":0.1,"i":300,"l":[true,false,{}],"n":null,"nan":null,)"
            R"("neg":-2.5e-7,"s":"q\"b\\n\n\u0001)") +
            QByteArray("\xc3\xa9\"}"));
    QString e;
    QCOMPARE(docvalue::toJsonBytes(docvalue::parseJson(docvalue::toJsonBytes(m), &e)).size(),
             docvalue::toJsonBytes(m).size());
}

void TestQuery::deviceIdEscaping_data()
{
    QTest::addColumn<QString>("oui");
    QTest::addColumn<QString>("productClass");
    QTest::addColumn<QString>("serial");
    QTest::addColumn<QString>("id");
    QTest::newRow("T003 dash escaped")
        << QStringLiteral("00AAAA") << QStringLiteral("LabBox") << QStringLiteral("LAB-001")
        << QStringLiteral("00AAAA-LabBox-LAB%2D001");
    QTest::newRow("T050 empty product class dropped")
        << QStringLiteral("00AAAA") << QString() << QStringLiteral("LAB-404")
        << QStringLiteral("00AAAA-LAB%2D404");
    QTest::newRow("MikroTik space")
        << QStringLiteral("E48D8C") << QStringLiteral("hAP lite") << QStringLiteral("8CE6085532C7")
        << QStringLiteral("E48D8C-hAP%20lite-8CE6085532C7");
    QTest::newRow("MikroTik superscript two (UTF-8)")
        << QStringLiteral("E48D8C") << QString::fromUtf8("hAP ac\xc2\xb2")
        << QStringLiteral("D7160BFE779D") << QStringLiteral("E48D8C-hAP%20ac%C2%B2-D7160BFE779D");
}

void TestQuery::deviceIdEscaping()
{
    QFETCH(QString, oui);
    QFETCH(QString, productClass);
    QFETCH(QString, serial);
    QFETCH(QString, id);
    QCOMPARE(DeviceRecord::makeId(oui, productClass, serial), id);
}

QTEST_GUILESS_MAIN(TestQuery)
#include "tst_query.moc"
