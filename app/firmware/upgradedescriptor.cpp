#include "upgradedescriptor.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QXmlStreamReader>

namespace fwd::firmware {

namespace {

const char *const kContext = "fwd::firmware::UpgradeDescriptor";

QString tr(const char *text)
{
    return QCoreApplication::translate(kContext, text);
}

class Parser
{
public:
    Parser(const QByteArray &xml, QString name)
        : m_xml(xml)
        , m_name(std::move(name))
    {}

    DescriptorParseResult run();

private:
    // Records the first error only; returns false so callers can `return fail(...)`.
    bool fail(const QString &why)
    {
        if (m_result.errorString.isEmpty()) {
            m_result.line = m_xml.lineNumber();
            m_result.errorString =
                tr("%1, line %2: %3.").arg(m_name).arg(m_xml.lineNumber()).arg(why);
        }
        return false;
    }

    QString xmlError() const
    {
        QString detail = m_xml.errorString();
        while (detail.endsWith(QLatin1Char('.')))
            detail.chop(1);
        if (!m_seenElement)
            return tr("the file is not an XML document (%1)").arg(detail);
        return tr("the XML is not well-formed (%1)").arg(detail);
    }

    // Reads up to the next start or end element; text other than whitespace is an error.
    bool next(QXmlStreamReader::TokenType *type);
    bool parseUpgrade();
    bool parseConfig();
    bool parseLinks();
    bool parseLink();

    QXmlStreamReader m_xml;
    QString m_name;
    DescriptorParseResult m_result;
    bool m_seenElement = false;
};

bool Parser::next(QXmlStreamReader::TokenType *type)
{
    while (!m_xml.atEnd()) {
        const auto t = m_xml.readNext();
        switch (t) {
        case QXmlStreamReader::StartElement:
            m_seenElement = true;
            *type = t;
            return true;
        case QXmlStreamReader::EndElement:
        case QXmlStreamReader::EndDocument:
            *type = t;
            return true;
        case QXmlStreamReader::Characters:
            if (!m_xml.isWhitespace()) {
                return fail(tr("unexpected text \"%1\"")
                                .arg(m_xml.text().toString().simplified().left(40)));
            }
            break;
        case QXmlStreamReader::DTD:
            return fail(tr("a document type declaration is not allowed in a descriptor"));
        case QXmlStreamReader::EntityReference:
            return fail(tr("entity references are not allowed in a descriptor"));
        case QXmlStreamReader::Invalid:
            return fail(xmlError());
        default:
            break; // declaration, comments, processing instructions
        }
    }
    if (m_xml.hasError())
        return fail(xmlError());
    *type = QXmlStreamReader::EndDocument;
    return true;
}

DescriptorParseResult Parser::run()
{
    QXmlStreamReader::TokenType t{};
    if (!next(&t))
        return m_result;
    if (t != QXmlStreamReader::StartElement) {
        fail(tr("the file contains no XML element (it is empty or not XML)"));
        return m_result;
    }
    if (m_xml.name() != QLatin1String("upgrade")) {
        fail(tr("the root element is <%1>; a MikroTik upgrade descriptor starts with "
                "<upgrade version=\"1\" type=\"links\">")
                 .arg(m_xml.name().toString()));
        return m_result;
    }
    if (!parseUpgrade())
        return m_result;
    if (!next(&t))
        return m_result;
    if (t != QXmlStreamReader::EndDocument) {
        fail(tr("unexpected content after </upgrade>"));
        return m_result;
    }
    if (m_result.descriptor.links.isEmpty())
        fail(tr("the descriptor lists no package links"));
    return m_result;
}

bool Parser::parseUpgrade()
{
    const QXmlStreamAttributes attrs = m_xml.attributes();
    for (const QXmlStreamAttribute &a : attrs) {
        if (a.name() != QLatin1String("version") && a.name() != QLatin1String("type"))
            return fail(
                tr("<upgrade> has an undocumented attribute \"%1\"").arg(a.name().toString()));
    }
    if (!attrs.hasAttribute(QLatin1String("version")))
        return fail(tr("<upgrade> has no version attribute; MikroTik expects version=\"1\""));
    if (attrs.value(QLatin1String("version")) != QLatin1String("1")) {
        return fail(tr("<upgrade> has version=\"%1\"; only version=\"1\" is documented")
                        .arg(attrs.value(QLatin1String("version")).toString()));
    }
    if (!attrs.hasAttribute(QLatin1String("type")))
        return fail(tr("<upgrade> has no type attribute; MikroTik expects type=\"links\""));
    if (attrs.value(QLatin1String("type")) != QLatin1String("links")) {
        return fail(tr("<upgrade> has type=\"%1\"; only type=\"links\" is documented")
                        .arg(attrs.value(QLatin1String("type")).toString()));
    }
    bool seenConfig = false;
    bool seenLinks = false;
    QXmlStreamReader::TokenType t{};
    while (next(&t)) {
        if (t == QXmlStreamReader::EndElement)
            return true;
        if (t == QXmlStreamReader::EndDocument)
            return fail(tr("the document ends before </upgrade>"));
        if (m_xml.name() == QLatin1String("config")) {
            if (seenConfig)
                return fail(tr("<config> appears twice"));
            seenConfig = true;
            if (!parseConfig())
                return false;
        } else if (m_xml.name() == QLatin1String("links")) {
            if (seenLinks)
                return fail(tr("<links> appears twice"));
            seenLinks = true;
            if (!parseLinks())
                return false;
        } else {
            return fail(tr("unexpected element <%1> in <upgrade>; only <config/> and <links> "
                           "are documented")
                            .arg(m_xml.name().toString()));
        }
    }
    return false;
}

bool Parser::parseConfig()
{
    QXmlStreamReader::TokenType t{};
    if (!next(&t))
        return false;
    if (t != QXmlStreamReader::EndElement)
        return fail(tr("<config> must be empty; MikroTik documents no content for it"));
    return true;
}

bool Parser::parseLinks()
{
    QXmlStreamReader::TokenType t{};
    while (next(&t)) {
        if (t == QXmlStreamReader::EndElement)
            return true;
        if (t == QXmlStreamReader::EndDocument)
            return fail(tr("the document ends inside <links>"));
        if (m_xml.name() != QLatin1String("link")) {
            return fail(tr("unexpected element <%1> in <links>; expected <link>")
                            .arg(m_xml.name().toString()));
        }
        if (!parseLink())
            return false;
    }
    return false;
}

bool Parser::parseLink()
{
    QXmlStreamReader::TokenType t{};
    bool seenUrl = false;
    while (next(&t)) {
        if (t == QXmlStreamReader::EndElement) {
            if (!seenUrl)
                return fail(tr("<link> has no <url>"));
            return true;
        }
        if (t == QXmlStreamReader::EndDocument)
            return fail(tr("the document ends inside <link>"));
        if (m_xml.name() != QLatin1String("url")) {
            return fail(tr("unexpected element <%1> in <link>; expected <url>")
                            .arg(m_xml.name().toString()));
        }
        if (seenUrl)
            return fail(tr("<link> has more than one <url>"));
        seenUrl = true;
        const QString text =
            m_xml.readElementText(QXmlStreamReader::ErrorOnUnexpectedElement).trimmed();
        if (m_xml.hasError())
            return fail(tr("<url> must contain only the address: %1").arg(m_xml.errorString()));
        const QUrl url(text, QUrl::StrictMode);
        const QString scheme = url.scheme().toLower();
        if (text.isEmpty())
            return fail(tr("<url> is empty"));
        if (!url.isValid() || url.host().isEmpty() ||
            (scheme != QLatin1String("http") && scheme != QLatin1String("https"))) {
            return fail(tr("\"%1\" is not an absolute http:// or https:// address").arg(text));
        }
        m_result.descriptor.links << url;
    }
    return false;
}

DescriptorParseResult tooLarge(const QString &displayName, qint64 size)
{
    DescriptorParseResult r;
    r.errorString = QCoreApplication::translate(kContext, "%1 is %2 bytes long, too large for an "
                                                          "upgrade descriptor (at most %3).")
                        .arg(displayName)
                        .arg(size)
                        .arg(UpgradeDescriptor::MaxSize);
    return r;
}

} // namespace

QByteArray UpgradeDescriptor::toXml() const
{
    QByteArray out = "<upgrade version=\"1\" type=\"links\">\n"
                     "    <config/>\n"
                     "    <links>\n";
    for (const QUrl &url : links) {
        out += "        <link>\n"
               "            <url>";
        out += url.toString(QUrl::FullyEncoded).toHtmlEscaped().toUtf8();
        out += "</url>\n"
               "        </link>\n";
    }
    out += "    </links>\n"
           "</upgrade>\n";
    return out;
}

DescriptorParseResult UpgradeDescriptor::fromXml(const QByteArray &xml, const QString &displayName)
{
    if (xml.size() > MaxSize)
        return tooLarge(displayName, xml.size());
    if (xml.trimmed().isEmpty()) {
        DescriptorParseResult r;
        r.errorString = QCoreApplication::translate(kContext, "%1 is empty.").arg(displayName);
        return r;
    }
    return Parser(xml, displayName).run();
}

DescriptorParseResult UpgradeDescriptor::readFile(const QString &path)
{
    const QString display = QFileInfo(path).fileName();
    QFile file(path);
    DescriptorParseResult r;
    if (!file.open(QIODevice::ReadOnly)) {
        r.errorString = QCoreApplication::translate(kContext, "%1 cannot be read: %2.")
                            .arg(display, file.errorString());
        return r;
    }
    if (file.size() > MaxSize)
        return tooLarge(display, file.size());
    const QByteArray data = file.readAll();
    if (data.size() != file.size()) {
        r.errorString = QCoreApplication::translate(kContext, "%1 cannot be read: %2.")
                            .arg(display, file.errorString());
        return r;
    }
    return fromXml(data, display);
}

QString UpgradeDescriptor::fileNameFor(const QString &version, const QString &architecture)
{
    return QStringLiteral("upgrade_") + version + QLatin1Char('_') + architecture +
           QStringLiteral(".xml");
}

QUrl UpgradeDescriptor::linkFor(const QUrl &publicBase, const QString &fileName)
{
    QUrl base = publicBase;
    QString path = base.path();
    if (!path.endsWith(QLatin1Char('/')))
        path += QLatin1Char('/');
    base.setPath(path + fileName, QUrl::DecodedMode);
    base.setQuery(QString());
    base.setFragment(QString());
    return base;
}

} // namespace fwd::firmware
