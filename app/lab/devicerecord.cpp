#include "lab/devicerecord.h"

#include "lab/docvalue.h"

#include <algorithm>
#include <map>

namespace fwd::lab {

quint32 PathTable::intern(const QString &path)
{
    auto it = m_ids.constFind(path);
    if (it != m_ids.cend())
        return it.value();
    const auto id = quint32(m_paths.size());
    m_paths.append(path);
    m_ids.insert(path, id);
    return id;
}

qint64 PathTable::find(const QString &path) const
{
    auto it = m_ids.constFind(path);
    return it == m_ids.cend() ? -1 : qint64(it.value());
}

QString DeviceRecord::escapeIdPart(const QString &part)
{
    QString out;
    out.reserve(part.size());
    const QByteArray utf8 = part.toUtf8();
    for (const char c : utf8) {
        const auto b = uchar(c);
        if ((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '_')
            out.append(QChar(char16_t(b)));
        else
            out.append(u'%').append(QString::number(b, 16).toUpper());
    }
    return out;
}

QString DeviceRecord::makeId(const QString &oui, const QString &productClass, const QString &serial)
{
    if (!productClass.isEmpty())
        return escapeIdPart(oui) + u'-' + escapeIdPart(productClass) + u'-' + escapeIdPart(serial);
    return escapeIdPart(oui) + u'-' + escapeIdPart(serial);
}

namespace {

QStringList &typeTable()
{
    static QStringList table = {QStringLiteral("xsd:string"),       QStringLiteral("xsd:boolean"),
                                QStringLiteral("xsd:unsignedInt"),  QStringLiteral("xsd:int"),
                                QStringLiteral("xsd:dateTime"),     QStringLiteral("xsd:long"),
                                QStringLiteral("xsd:unsignedLong"), QStringLiteral("xsd:base64"),
                                QStringLiteral("xsd:hexBinary")};
    return table;
}

struct TreeNode
{
    QVariantMap attrs;
    std::map<QString, TreeNode> children;

    QVariantMap toMap() const
    {
        QVariantMap m = attrs;
        for (const auto &[k, child] : children)
            m.insert(k, child.toMap());
        return m;
    }
};

bool wanted(const QString &nodePath, const QStringList *onlyPaths)
{
    if (!onlyPaths)
        return true;
    for (const QString &p : *onlyPaths) {
        if (nodePath == p)
            return true;
        if (nodePath.size() > p.size() && nodePath.startsWith(p) && nodePath.at(p.size()) == u'.')
            return true;
        if (p.size() > nodePath.size() && p.startsWith(nodePath) && p.at(nodePath.size()) == u'.')
            return true;
    }
    return false;
}

bool topWanted(const QString &field, const QStringList *onlyPaths)
{
    return wanted(field, onlyPaths);
}

} // namespace

quint8 DeviceRecord::typeIndex(const QString &xsdType)
{
    QStringList &t = typeTable();
    const qsizetype i = t.indexOf(xsdType);
    if (i >= 0)
        return quint8(i);
    if (t.size() >= 255)
        return 0;
    t.append(xsdType);
    return quint8(t.size() - 1);
}

QString DeviceRecord::typeName(quint8 index)
{
    const QStringList &t = typeTable();
    return index < t.size() ? t.at(index) : QStringLiteral("xsd:string");
}

const ParamNode *DeviceRecord::node(quint32 pathId) const
{
    for (const ParamNode &n : m_nodes) {
        if (n.path == pathId)
            return &n;
    }
    return nullptr;
}

const ParamNode *DeviceRecord::node(const PathTable &paths, const QString &path) const
{
    const qint64 id = paths.find(path);
    return id < 0 ? nullptr : node(quint32(id));
}

ParamNode *DeviceRecord::mutableNode(quint32 pathId)
{
    for (ParamNode &n : m_nodes) {
        if (n.path == pathId)
            return &n;
    }
    return nullptr;
}

void DeviceRecord::setParameter(PathTable &paths, const QString &path, const QVariant &value,
                                const QString &xsdType, qint64 timestamp)
{
    const quint32 id = paths.intern(path);
    ParamNode *n = mutableNode(id);
    if (!n) {
        m_nodes.push_back(ParamNode{});
        n = &m_nodes.back();
        n->path = id;
    }
    n->flags &= ~ParamNode::Object;
    n->type = typeIndex(xsdType);
    n->timestamp = timestamp;
    n->value = value;
}

void DeviceRecord::setWritable(PathTable &paths, const QString &path, bool writable)
{
    ParamNode *n = mutableNode(paths.intern(path));
    if (!n)
        return;
    n->flags |= ParamNode::HasWritable;
    if (writable)
        n->flags |= ParamNode::Writable;
    else
        n->flags &= ~ParamNode::Writable;
}

void DeviceRecord::setObject(PathTable &paths, const QString &path, qint64 timestamp, bool writable)
{
    const quint32 id = paths.intern(path);
    ParamNode *n = mutableNode(id);
    if (!n) {
        m_nodes.push_back(ParamNode{});
        n = &m_nodes.back();
        n->path = id;
    }
    n->flags = ParamNode::Object | ParamNode::HasWritable | (writable ? ParamNode::Writable : 0);
    n->timestamp = timestamp;
    n->value = QVariant();
}

void DeviceRecord::removeSubtree(const PathTable &paths, const QString &path)
{
    const QString prefix = path + u'.';
    std::erase_if(m_nodes, [&](const ParamNode &n) {
        const QString &p = paths.path(n.path);
        return p == path || p.startsWith(prefix);
    });
}

QVariant DeviceRecord::parameterValue(const PathTable &paths, const QString &path) const
{
    const ParamNode *n = node(paths, path);
    return n && !(n->flags & ParamNode::Object) ? n->value : QVariant();
}

QVariantMap DeviceRecord::toDocument(const PathTable &paths, const QStringList *onlyPaths) const
{
    TreeNode root;
    root.attrs.insert(QStringLiteral("_id"), id);
    if (topWanted(QStringLiteral("_deviceId"), onlyPaths)) {
        QVariantMap d;
        d.insert(QStringLiteral("_Manufacturer"), manufacturer);
        d.insert(QStringLiteral("_OUI"), oui);
        d.insert(QStringLiteral("_ProductClass"), productClass);
        d.insert(QStringLiteral("_SerialNumber"), serial);
        root.attrs.insert(QStringLiteral("_deviceId"), d);
    }
    const std::pair<const char *, qint64> dates[] = {{"_registered", registered},
                                                     {"_lastInform", lastInform},
                                                     {"_lastBoot", lastBoot},
                                                     {"_lastBootstrap", lastBootstrap}};
    for (const auto &[name, ms] : dates) {
        if (ms != kAbsent && topWanted(QLatin1String(name), onlyPaths))
            root.attrs.insert(QLatin1String(name), docvalue::fromMs(ms));
    }
    if (hasTags && topWanted(QStringLiteral("_tags"), onlyPaths))
        root.attrs.insert(QStringLiteral("_tags"), QVariant(tags).toList());

    for (const ParamNode &n : m_nodes) {
        const QString &p = paths.path(n.path);
        if (!wanted(p, onlyPaths))
            continue;
        TreeNode *t = &root;
        qsizetype start = 0;
        while (true) {
            const qsizetype dot = p.indexOf(u'.', start);
            const QString seg = p.mid(start, dot < 0 ? -1 : dot - start);
            t = &t->children[seg];
            if (dot < 0)
                break;
            t->attrs.insert(QStringLiteral("_object"), true);
            start = dot + 1;
        }
        if (n.flags & ParamNode::Object) {
            t->attrs.insert(QStringLiteral("_object"), true);
        } else {
            t->attrs.insert(QStringLiteral("_object"), false);
            t->attrs.insert(QStringLiteral("_value"), n.value);
            t->attrs.insert(QStringLiteral("_type"), typeName(n.type));
        }
        if (n.timestamp != ParamNode::kNoTime)
            t->attrs.insert(QStringLiteral("_timestamp"), docvalue::fromMs(n.timestamp));
        if (n.flags & ParamNode::HasWritable)
            t->attrs.insert(QStringLiteral("_writable"), bool(n.flags & ParamNode::Writable));
    }
    return root.toMap();
}

QVariant DeviceRecord::value(const PathTable &paths, const QString &path) const
{
    if (path.startsWith(u'_')) {
        const qsizetype dot = path.indexOf(u'.');
        const QString head = dot < 0 ? path : path.left(dot);
        auto date = [&](qint64 ms) {
            return ms == kAbsent ? QVariant() : QVariant(docvalue::fromMs(ms));
        };
        if (head == QLatin1String("_id"))
            return dot < 0 ? QVariant(id) : QVariant();
        if (head == QLatin1String("_lastInform"))
            return dot < 0 ? date(lastInform) : QVariant();
        if (head == QLatin1String("_registered"))
            return dot < 0 ? date(registered) : QVariant();
        if (head == QLatin1String("_lastBoot"))
            return dot < 0 ? date(lastBoot) : QVariant();
        if (head == QLatin1String("_lastBootstrap"))
            return dot < 0 ? date(lastBootstrap) : QVariant();
        if (head == QLatin1String("_deviceId")) {
            const QStringView sub = dot < 0 ? QStringView() : QStringView(path).mid(dot + 1);
            if (sub == QLatin1String("_OUI"))
                return oui;
            if (sub == QLatin1String("_ProductClass"))
                return productClass;
            if (sub == QLatin1String("_SerialNumber"))
                return serial;
            if (sub == QLatin1String("_Manufacturer"))
                return manufacturer;
        }
        if (head == QLatin1String("_tags") && !hasTags)
            return {};
        const QStringList only{head};
        return docvalue::getPath(toDocument(paths, &only), path);
    }

    const qint64 exact = paths.find(path);
    if (exact >= 0) {
        if (const ParamNode *n = node(quint32(exact)); n && !(n->flags & ParamNode::Object)) {
            const QStringList only{path};
            return docvalue::getPath(toDocument(paths, &only), path);
        }
    }
    const qsizetype dot = path.lastIndexOf(u'.');
    if (dot > 0 && path.at(dot + 1) == u'_') {
        const QString prefix = path.left(dot);
        const QStringView attr = QStringView(path).mid(dot + 1);
        const qint64 pid = paths.find(prefix);
        const ParamNode *n = pid >= 0 ? node(quint32(pid)) : nullptr;
        if (n) {
            const bool isObject = n->flags & ParamNode::Object;
            if (attr == QLatin1String("_value"))
                return isObject ? QVariant() : n->value;
            if (attr == QLatin1String("_type"))
                return isObject ? QVariant() : QVariant(typeName(n->type));
            if (attr == QLatin1String("_object"))
                return isObject;
            if (attr == QLatin1String("_timestamp"))
                return n->timestamp == ParamNode::kNoTime
                           ? QVariant()
                           : QVariant(docvalue::fromMs(n->timestamp));
            if (attr == QLatin1String("_writable"))
                return (n->flags & ParamNode::HasWritable)
                           ? QVariant(bool(n->flags & ParamNode::Writable))
                           : QVariant();
            return {};
        }
        // Not a stored node: an implicit object (some node below it) or nothing.
        if (attr == QLatin1String("_value") || attr == QLatin1String("_type"))
            return {};
    }
    const QStringList only{path};
    return docvalue::getPath(toDocument(paths, &only), path);
}

} // namespace fwd::lab
