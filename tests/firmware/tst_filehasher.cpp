#include "firmware/filehasher.h"

#include <QBuffer>
#include <QCryptographicHash>
#include <QDir>
#include <QSignalSpy>
#include <QStorageInfo>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>

using fwd::firmware::FileHasher;
using fwd::firmware::HashResult;
using fwd::firmware::StreamHasher;

class TestFileHasher final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void knownVectors_data();
    void knownVectors();
    void progressIsMonotonicAndEndsAtTotal();
    void unreadableFile_data();
    void unreadableFile();
    void cancel();
    void restartDropsTheOldJob();
    void destroyWhileRunning();
    void streamCopiesAndDetectsChange();
    void largeSparseFile();

private:
    QString writeFile(const QString &name, const QByteArray &content);
    QTemporaryDir m_dir;
};

void TestFileHasher::initTestCase()
{
    QVERIFY(m_dir.isValid());
}

QString TestFileHasher::writeFile(const QString &name, const QByteArray &content)
{
    const QString path = m_dir.filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(content) != content.size())
        return {};
    return path;
}

void TestFileHasher::knownVectors_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("sha256");
    // Values from sha256sum (and FIPS 180-2 for "abc").
    QTest::newRow("empty") << QByteArray()
                           << "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    QTest::newRow("abc") << QByteArray("abc")
                         << "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    QTest::newRow("1 MiB + 1 byte of a")
        << QByteArray(1024 * 1024 + 1, 'a')
        << "4a3f0c0c213adea174f9a3d4c13177315b588bdb2e9c1012d3d0bf0453ca0f6a";
    QTest::newRow("3 MiB of a")
        << QByteArray(3 * 1024 * 1024, 'a')
        << "6f850bc94ae6f7de14297c01616c36d712d22864497b28a63b81d776b035e656";
}

void TestFileHasher::knownVectors()
{
    QFETCH(QByteArray, content);
    QFETCH(QString, sha256);
    const QString path = writeFile(QStringLiteral("vector.bin"), content);
    QVERIFY(!path.isEmpty());
    FileHasher hasher;
    QSignalSpy finished(&hasher, &FileHasher::finished);
    hasher.start(path);
    QVERIFY(hasher.isRunning());
    QVERIFY(finished.wait(20000));
    QVERIFY(!hasher.isRunning());
    const HashResult r = hasher.result();
    QVERIFY2(r.ok, qPrintable(r.errorString));
    QCOMPARE(r.sha256Hex(), sha256);
    QCOMPARE(r.size, qint64(content.size()));
    QCOMPARE(r.path, path);
}

void TestFileHasher::progressIsMonotonicAndEndsAtTotal()
{
    const QByteArray content(5 * 1024 * 1024 + 3, 'x');
    const QString path = writeFile(QStringLiteral("progress.bin"), content);
    FileHasher hasher;
    QSignalSpy finished(&hasher, &FileHasher::finished);
    QSignalSpy progress(&hasher, &FileHasher::progress);
    hasher.start(path);
    QVERIFY(finished.wait(20000));
    QVERIFY(hasher.result().ok);
    QVERIFY(progress.size() >= 2); // after the first block, and at the end
    qint64 last = 0;
    for (const QList<QVariant> &args : progress) {
        QCOMPARE(args.at(1).toLongLong(), qint64(content.size()));
        QVERIFY(args.at(0).toLongLong() >= last);
        last = args.at(0).toLongLong();
    }
    QCOMPARE(progress.first().at(0).toLongLong(), StreamHasher::BlockSize);
    QCOMPARE(last, qint64(content.size()));
}

void TestFileHasher::unreadableFile_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("missing") << QStringLiteral("missing.npk")
                             << QStringLiteral("missing.npk cannot be read");
    QTest::newRow("folder") << QStringLiteral("folder") << QStringLiteral("it is a folder");
}

void TestFileHasher::unreadableFile()
{
    QFETCH(QString, name);
    QFETCH(QString, mentions);
    QVERIFY(QDir(m_dir.path()).mkpath(QStringLiteral("folder")));
    FileHasher hasher;
    QSignalSpy finished(&hasher, &FileHasher::finished);
    QSignalSpy progress(&hasher, &FileHasher::progress);
    hasher.start(m_dir.filePath(name));
    QVERIFY(finished.wait(5000));
    const HashResult r = hasher.result();
    QVERIFY(!r.ok);
    QVERIFY(!r.cancelled);
    QVERIFY(r.sha256.isEmpty());
    QVERIFY2(r.errorString.contains(mentions), qPrintable(r.errorString));
    QCOMPARE(progress.size(), 0);
}

void TestFileHasher::cancel()
{
    // A large sparse file, so the job is certainly still running at the first progress.
    const QString path = m_dir.filePath(QStringLiteral("cancel.bin"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    if (!f.resize(qint64(2) * 1024 * 1024 * 1024))
        QSKIP("The file system does not allow a 2 GiB sparse file.");
    f.close();
    FileHasher hasher;
    QSignalSpy finished(&hasher, &FileHasher::finished);
    QSignalSpy progress(&hasher, &FileHasher::progress);
    hasher.start(path);
    QVERIFY(progress.wait(20000));
    hasher.cancel();
    QVERIFY(finished.wait(20000));
    const HashResult r = hasher.result();
    QVERIFY(r.cancelled);
    QVERIFY(!r.ok);
    QVERIFY(r.sha256.isEmpty());
    QVERIFY(r.size < f.size());
}

void TestFileHasher::restartDropsTheOldJob()
{
    const QString a = writeFile(QStringLiteral("a.bin"), QByteArray(2 * 1024 * 1024, 'a'));
    const QString b = writeFile(QStringLiteral("b.bin"), QByteArray("abc"));
    FileHasher hasher;
    QSignalSpy finished(&hasher, &FileHasher::finished);
    hasher.start(a);
    hasher.start(b);
    QVERIFY(finished.wait(20000));
    QCOMPARE(hasher.result().path, b);
    QCOMPARE(hasher.result().sha256Hex(),
             QStringLiteral("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    // The first job's result never arrives.
    QThreadPool::globalInstance()->waitForDone();
    QCoreApplication::processEvents();
    QCOMPARE(finished.size(), 1);
}

void TestFileHasher::destroyWhileRunning()
{
    const QString path = writeFile(QStringLiteral("d.bin"), QByteArray(4 * 1024 * 1024, 'd'));
    auto *hasher = new FileHasher;
    hasher->start(path);
    delete hasher; // must neither crash nor deliver to a dead object
    QThreadPool::globalInstance()->waitForDone();
    QCoreApplication::processEvents();
}

void TestFileHasher::streamCopiesAndDetectsChange()
{
    QByteArray data(3 * 1024 * 1024 + 5, 'q');
    QBuffer in(&data);
    QVERIFY(in.open(QIODevice::ReadOnly));
    QBuffer out;
    QVERIFY(out.open(QIODevice::WriteOnly));
    std::atomic<bool> cancel{false};
    int calls = 0;
    HashResult r = StreamHasher::run(
        in, data.size(), cancel, [&](qint64) { ++calls; }, &out);
    QVERIFY2(r.ok, qPrintable(r.errorString));
    QCOMPARE(out.data(), data);
    QCOMPARE(calls, 4);
    QCOMPARE(r.sha256, QCryptographicHash::hash(data, QCryptographicHash::Sha256));

    // The source is shorter than when it was measured: the file changed meanwhile.
    in.seek(0);
    r = StreamHasher::run(in, data.size() + 10, cancel);
    QVERIFY(!r.ok);
    QVERIFY2(r.errorString.contains(QLatin1String("changed while it was read")),
             qPrintable(r.errorString));
    // ...or longer.
    in.seek(0);
    r = StreamHasher::run(in, 100, cancel);
    QVERIFY(!r.ok);
    QVERIFY(r.sha256.isEmpty());

    // A destination that refuses to write.
    in.seek(0);
    QBuffer closed;
    r = StreamHasher::run(in, data.size(), cancel, {}, &closed);
    QVERIFY(!r.ok);
    QVERIFY2(r.errorString.contains(QLatin1String("Writing the copy failed")),
             qPrintable(r.errorString));
}

void TestFileHasher::largeSparseFile()
{
    // 4 GiB of zeros (sparse, so it costs no disk space) followed by "fwd": sizes and offsets
    // beyond 32 bits. Expected value from sha256sum.
    const QString path = m_dir.filePath(QStringLiteral("large.bin"));
    const qint64 fourGiB = qint64(4) * 1024 * 1024 * 1024;
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        if (!f.resize(fourGiB) || !f.seek(fourGiB))
            QSKIP("The file system does not allow a 4 GiB sparse file.");
        QCOMPARE(f.write("fwd", 3), qint64(3));
    }
    FileHasher hasher;
    QSignalSpy finished(&hasher, &FileHasher::finished);
    QSignalSpy progress(&hasher, &FileHasher::progress);
    hasher.start(path);
    QVERIFY(finished.wait(300000));
    const HashResult r = hasher.result();
    QVERIFY2(r.ok, qPrintable(r.errorString));
    QCOMPARE(r.size, fourGiB + 3);
    QCOMPARE(r.sha256Hex(),
             QStringLiteral("0a3cdc4a8e1872f70a56e8e280cd47e5f1abc638a3930ada84ee804ab192c4c7"));
    QCOMPARE(progress.last().at(0).toLongLong(), fourGiB + 3);
    QVERIFY(QFile::remove(path));
}

QTEST_GUILESS_MAIN(TestFileHasher)
#include "tst_filehasher.moc"
