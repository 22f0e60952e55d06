#pragma once

#include "lab/query.h"

#include <QHash>
#include <QString>
#include <QStringList>
#include <QVariant>

#include <limits>
#include <vector>

namespace fwd::lab {

// Parameter paths interned once for the whole fleet, so that a device stores 4-byte ids.
class PathTable final
{
public:
    quint32 intern(const QString &path);
    // The id of a path that was interned, or -1.
    qint64 find(const QString &path) const;
    const QString &path(quint32 id) const { return m_paths.at(id); }
    qsizetype size() const { return m_paths.size(); }

private:
    QHash<QString, quint32> m_ids;
    QList<QString> m_paths;
};

// One node of a device's data model (a parameter, or an object with attributes).
struct ParamNode
{
    static constexpr qint64 kNoTime = std::numeric_limits<qint64>::min();
    enum Flag : quint8 { Object = 1, HasWritable = 2, Writable = 4 };

    quint32 path = 0;
    quint8 type = 0; // index in DeviceRecord::typeName()
    quint8 flags = 0;
    qint64 timestamp = kNoTime;
    QVariant value; // invalid for objects
};

// A GenieACS device document kept compactly (GENIEACS.md §2): identity, lifecycle dates, tags
// and data-model nodes; the JSON document is built on demand.
class DeviceRecord final
{
public:
    static constexpr qint64 kAbsent = std::numeric_limits<qint64>::min();

    // GenieACS generateDeviceId(): OUI-ProductClass-Serial, ProductClass dropped when empty,
    // every byte outside [A-Za-z0-9_] written as %XX (upper-case hex, no zero padding).
    static QString makeId(const QString &oui, const QString &productClass, const QString &serial);
    static QString escapeIdPart(const QString &part);
    // xsd type names, stored as small indexes.
    static quint8 typeIndex(const QString &xsdType);
    static QString typeName(quint8 index);

    QString id;
    QString manufacturer;
    QString oui;
    QString productClass;
    QString serial;
    qint64 registered = kAbsent;
    qint64 lastInform = kAbsent;
    qint64 lastBoot = kAbsent;
    qint64 lastBootstrap = kAbsent;
    bool hasTags = false; // _tags exists once a tag was ever added (it may be empty)
    QStringList tags;

    const ParamNode *node(quint32 pathId) const;
    const ParamNode *node(const PathTable &paths, const QString &path) const;
    // Sets (or creates) a parameter; parent objects exist implicitly.
    void setParameter(PathTable &paths, const QString &path, const QVariant &value,
                      const QString &xsdType, qint64 timestamp);
    void setWritable(PathTable &paths, const QString &path, bool writable);
    // Declares an object node with attributes (as after a GetParameterNames).
    void setObject(PathTable &paths, const QString &path, qint64 timestamp, bool writable);
    // Removes a node and everything under it.
    void removeSubtree(const PathTable &paths, const QString &path);
    // Value of a parameter, invalid when absent.
    QVariant parameterValue(const PathTable &paths, const QString &path) const;
    const std::vector<ParamNode> &nodes() const { return m_nodes; }

    // The document; with onlyPaths, only the nodes a projection needs are built.
    QVariantMap toDocument(const PathTable &paths, const QStringList *onlyPaths = nullptr) const;
    // What a MongoDB path lookup on the document gives, built lazily.
    QVariant value(const PathTable &paths, const QString &path) const;

private:
    ParamNode *mutableNode(quint32 pathId);
    std::vector<ParamNode> m_nodes;
};

class DeviceView final : public DocumentView
{
public:
    DeviceView(const DeviceRecord &device, const PathTable &paths)
        : m_device(device)
        , m_paths(paths)
    {}
    QVariant value(const QString &path) const override { return m_device.value(m_paths, path); }

private:
    const DeviceRecord &m_device;
    const PathTable &m_paths;
};

} // namespace fwd::lab
