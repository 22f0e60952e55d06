#include "fileserver/tlsidentity.h"

#include <QFile>
#include <QSslCertificate>
#include <QSslKey>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace fwd::fileserver;

class TestTlsIdentity final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void generatesOnceAndReuses();
    void certificateNamesTheHosts();
    void loadsConfiguredPair();
    void rejectsBadPairs_data();
    void rejectsBadPairs();
    void keepsUnusableFilesAside();
    void formatsFingerprint();
};

void TestTlsIdentity::generatesOnceAndReuses()
{
    QTemporaryDir dir;
    QString error;
    const TlsIdentity first =
        ensureSelfSignedIdentity(dir.path(), {QStringLiteral("fw.example.net")}, &error);
    QVERIFY2(!first.isNull(), qPrintable(error));
    QVERIFY(first.selfSigned);
    QCOMPARE(first.fingerprintSha256.size(), 64);

    // Fingerprint = SHA-256 of the DER, as an independent implementation computes it.
    const QList<QSslCertificate> certs =
        QSslCertificate::fromPath(selfSignedCertificatePath(dir.path()));
    QCOMPARE(certs.size(), 1);
    QCOMPARE(first.fingerprintSha256,
             QString::fromLatin1(certs.first().digest(QCryptographicHash::Sha256).toHex()));
    QVERIFY(certs.first().expiryDate() > QDateTime::currentDateTimeUtc().addYears(9));

    struct stat st = {};
    QCOMPARE(::stat(QFile::encodeName(selfSignedKeyPath(dir.path())).constData(), &st), 0);
    QCOMPARE(int(st.st_mode & 0777), 0600);

    const TlsIdentity again =
        ensureSelfSignedIdentity(dir.path(), {QStringLiteral("fw.example.net")}, &error);
    QCOMPARE(again.fingerprintSha256, first.fingerprintSha256);
    QCOMPARE(again.privateKeyPem, first.privateKeyPem);
    QVERIFY(QDir(dir.path()).entryList({QStringLiteral("*.tmp-*")}, QDir::Files).isEmpty());
}

void TestTlsIdentity::certificateNamesTheHosts()
{
    QTemporaryDir dir;
    QString error;
    const TlsIdentity id = ensureSelfSignedIdentity(
        dir.path(), {QStringLiteral("fw.example.net"), QStringLiteral("192.0.2.10")}, &error);
    QVERIFY2(!id.isNull(), qPrintable(error));
    const QSslCertificate cert = QSslCertificate::fromData(id.certificateChainPem).value(0);
    const auto san = cert.subjectAlternativeNames();
    QVERIFY(san.values(QSsl::DnsEntry).contains(QStringLiteral("fw.example.net")));
    QVERIFY(san.values(QSsl::DnsEntry).contains(QStringLiteral("localhost")));
    QVERIFY(san.values(QSsl::IpAddressEntry).contains(QStringLiteral("127.0.0.1")));
    QVERIFY(san.values(QSsl::IpAddressEntry).contains(QStringLiteral("192.0.2.10")));
    QCOMPARE(cert.subjectInfo(QSslCertificate::CommonName).value(0),
             QStringLiteral("fw.example.net"));
    QCOMPARE(QSslKey(id.privateKeyPem, QSsl::Rsa).length(), 2048);
}

void TestTlsIdentity::loadsConfiguredPair()
{
    QTemporaryDir dir;
    QString error;
    const TlsIdentity made = ensureSelfSignedIdentity(dir.path(), {}, &error);
    QVERIFY(!made.isNull());
    const TlsIdentity loaded = loadTlsIdentity(selfSignedCertificatePath(dir.path()),
                                               selfSignedKeyPath(dir.path()), &error);
    QVERIFY2(!loaded.isNull(), qPrintable(error));
    QCOMPARE(loaded.fingerprintSha256, made.fingerprintSha256);
    QCOMPARE(loaded.certificatePath, selfSignedCertificatePath(dir.path()));
}

void TestTlsIdentity::rejectsBadPairs_data()
{
    QTest::addColumn<QString>("certKind");
    QTest::addColumn<QString>("keyKind");
    QTest::addColumn<QString>("messagePart");
    QTest::newRow("key of another certificate") << "a"
                                                << "b"
                                                << "does not belong";
    QTest::newRow("garbage certificate") << "garbage"
                                         << "a"
                                         << "no PEM certificate";
    QTest::newRow("garbage key") << "a"
                                 << "garbage"
                                 << "no unencrypted PEM private key";
    QTest::newRow("missing certificate") << "missing"
                                         << "a"
                                         << "Cannot read";
    QTest::newRow("key given as certificate") << "akey"
                                              << "a"
                                              << "no PEM certificate";
}

void TestTlsIdentity::rejectsBadPairs()
{
    QFETCH(QString, certKind);
    QFETCH(QString, keyKind);
    QFETCH(QString, messagePart);
    QTemporaryDir a, b, scratch;
    QString error;
    QVERIFY(!ensureSelfSignedIdentity(a.path(), {}, &error).isNull());
    QVERIFY(!ensureSelfSignedIdentity(b.path(), {}, &error).isNull());
    const QString garbage = scratch.filePath(QStringLiteral("garbage.pem"));
    QFile g(garbage);
    QVERIFY(g.open(QIODevice::WriteOnly));
    g.write("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
    g.close();
    auto pathFor = [&](const QString &kind, bool key) {
        if (kind == QLatin1String("a"))
            return key ? selfSignedKeyPath(a.path()) : selfSignedCertificatePath(a.path());
        if (kind == QLatin1String("b"))
            return key ? selfSignedKeyPath(b.path()) : selfSignedCertificatePath(b.path());
        if (kind == QLatin1String("akey"))
            return selfSignedKeyPath(a.path());
        if (kind == QLatin1String("missing"))
            return scratch.filePath(QStringLiteral("nope.pem"));
        return garbage;
    };
    const TlsIdentity id =
        loadTlsIdentity(pathFor(certKind, false), pathFor(keyKind, true), &error);
    QVERIFY(id.isNull());
    QVERIFY2(error.contains(messagePart), qPrintable(error));
}

void TestTlsIdentity::keepsUnusableFilesAside()
{
    QTemporaryDir dir;
    QFile bad(selfSignedCertificatePath(dir.path()));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write("broken");
    bad.close();
    QString error;
    const TlsIdentity id = ensureSelfSignedIdentity(dir.path(), {}, &error);
    QVERIFY2(!id.isNull(), qPrintable(error));
    QCOMPARE(QDir(dir.path())
                 .entryList({QStringLiteral("fileserver-cert.pem.broken-*")}, QDir::Files)
                 .size(),
             1);
}

void TestTlsIdentity::formatsFingerprint()
{
    QCOMPARE(formatFingerprint(QStringLiteral("0a1bff")), QStringLiteral("0A:1B:FF"));
}

QTEST_GUILESS_MAIN(TestTlsIdentity)
#include "tst_tlsidentity.moc"
