#include "lab/expression.h"

#include <QList>
#include <QRegularExpression>

#include <cmath>

namespace fwd::lab {

struct Expression::Node
{
    enum class Kind { Literal, Parameter, Unary, Binary, Function };
    Kind kind = Kind::Literal;
    QString op; // operator or function name, upper-case
    QVariant value;
    QString name;
    QList<std::shared_ptr<const Node>> args;
};

namespace {

using NodePtr = std::shared_ptr<const Expression::Node>;
using Node = Expression::Node;

struct Token
{
    enum Type { End, Ident, String, Number, Op, LParen, RParen, Comma } type = End;
    QString text;
};

class Parser
{
public:
    explicit Parser(const QString &s)
        : m_s(s)
    {}

    NodePtr parseAll(QString *error)
    {
        next();
        NodePtr n = parseOr();
        if (n && m_tok.type != Token::End)
            fail(QStringLiteral("unexpected '%1'").arg(m_tok.text));
        if (!m_error.isEmpty()) {
            *error = m_error;
            return nullptr;
        }
        return n;
    }

private:
    void fail(const QString &why)
    {
        if (m_error.isEmpty())
            m_error = why + QStringLiteral(" at position %1").arg(m_pos);
    }

    void next()
    {
        while (m_pos < m_s.size() && m_s.at(m_pos).isSpace())
            ++m_pos;
        m_tok = Token{};
        if (m_pos >= m_s.size())
            return;
        const QChar c = m_s.at(m_pos);
        if (c == u'"' || c == u'\'') {
            QString out;
            ++m_pos;
            while (m_pos < m_s.size() && m_s.at(m_pos) != c) {
                if (m_s.at(m_pos) == u'\\' && m_pos + 1 < m_s.size()) {
                    const QChar e = m_s.at(++m_pos);
                    out += e == u'n' ? QChar(u'\n') : e == u't' ? QChar(u'\t') : e;
                } else {
                    out += m_s.at(m_pos);
                }
                ++m_pos;
            }
            if (m_pos >= m_s.size()) {
                fail(QStringLiteral("unterminated string"));
                return;
            }
            ++m_pos;
            m_tok = {Token::String, out};
            return;
        }
        if (c.isDigit() || (c == u'.' && m_pos + 1 < m_s.size() && m_s.at(m_pos + 1).isDigit())) {
            static const QRegularExpression num(
                QStringLiteral("\\G\\d*\\.?\\d+(?:[eE][+-]?\\d+)?"));
            const auto m = num.match(m_s, m_pos);
            m_tok = {Token::Number, m.captured()};
            m_pos += m.capturedLength();
            return;
        }
        if (c.isLetter() || c == u'_') {
            const qsizetype start = m_pos;
            while (m_pos < m_s.size() &&
                   (m_s.at(m_pos).isLetterOrNumber() || m_s.at(m_pos) == u'_' ||
                    m_s.at(m_pos) == u'.' || m_s.at(m_pos) == u'*' || m_s.at(m_pos) == u'-' ||
                    m_s.at(m_pos) == u':'))
                ++m_pos;
            m_tok = {Token::Ident, m_s.mid(start, m_pos - start)};
            return;
        }
        if (c == u'(') {
            ++m_pos;
            m_tok = {Token::LParen, QStringLiteral("(")};
            return;
        }
        if (c == u')') {
            ++m_pos;
            m_tok = {Token::RParen, QStringLiteral(")")};
            return;
        }
        if (c == u',') {
            ++m_pos;
            m_tok = {Token::Comma, QStringLiteral(",")};
            return;
        }
        for (const char *op : {">=", "<=", "<>", "||", "=", ">", "<", "+", "-", "*", "/", "%"}) {
            const QLatin1String o(op);
            if (QStringView(m_s).mid(m_pos).startsWith(o)) {
                m_pos += o.size();
                m_tok = {Token::Op, o};
                return;
            }
        }
        fail(QStringLiteral("unexpected character '%1'").arg(c));
        m_pos = m_s.size();
    }

    bool isWord(const char *w) const
    {
        return m_tok.type == Token::Ident &&
               m_tok.text.compare(QLatin1String(w), Qt::CaseInsensitive) == 0;
    }

    static NodePtr binary(const QString &op, NodePtr a, NodePtr b)
    {
        auto n = std::make_shared<Node>();
        n->kind = Node::Kind::Binary;
        n->op = op;
        n->args = {std::move(a), std::move(b)};
        return n;
    }

    static NodePtr unary(const QString &op, NodePtr a)
    {
        auto n = std::make_shared<Node>();
        n->kind = Node::Kind::Unary;
        n->op = op;
        n->args = {std::move(a)};
        return n;
    }

    NodePtr parseOr()
    {
        NodePtr l = parseAnd();
        while (l && isWord("OR")) {
            next();
            l = binary(QStringLiteral("OR"), l, parseAnd());
        }
        return l;
    }

    NodePtr parseAnd()
    {
        NodePtr l = parseNot();
        while (l && isWord("AND")) {
            next();
            l = binary(QStringLiteral("AND"), l, parseNot());
        }
        return l;
    }

    NodePtr parseNot()
    {
        if (isWord("NOT")) {
            next();
            return unary(QStringLiteral("NOT"), parseNot());
        }
        return parseComparison();
    }

    NodePtr parseComparison()
    {
        NodePtr l = parseConcat();
        if (!l)
            return l;
        if (m_tok.type == Token::Op &&
            (m_tok.text == QLatin1String("=") || m_tok.text == QLatin1String("<>") ||
             m_tok.text == QLatin1String(">") || m_tok.text == QLatin1String(">=") ||
             m_tok.text == QLatin1String("<") || m_tok.text == QLatin1String("<="))) {
            const QString op = m_tok.text;
            next();
            return binary(op, l, parseConcat());
        }
        if (isWord("LIKE")) {
            next();
            return binary(QStringLiteral("LIKE"), l, parseConcat());
        }
        if (isWord("NOT")) {
            next();
            if (!isWord("LIKE")) {
                fail(QStringLiteral("expected LIKE"));
                return nullptr;
            }
            next();
            return binary(QStringLiteral("NOT LIKE"), l, parseConcat());
        }
        if (isWord("IS")) {
            next();
            bool negate = false;
            if (isWord("NOT")) {
                negate = true;
                next();
            }
            if (!isWord("NULL")) {
                fail(QStringLiteral("expected NULL"));
                return nullptr;
            }
            next();
            return unary(negate ? QStringLiteral("IS NOT NULL") : QStringLiteral("IS NULL"), l);
        }
        return l;
    }

    NodePtr parseConcat()
    {
        NodePtr l = parseAdditive();
        while (l && m_tok.type == Token::Op && m_tok.text == QLatin1String("||")) {
            next();
            l = binary(QStringLiteral("||"), l, parseAdditive());
        }
        return l;
    }

    NodePtr parseAdditive()
    {
        NodePtr l = parseMultiplicative();
        while (l && m_tok.type == Token::Op &&
               (m_tok.text == QLatin1String("+") || m_tok.text == QLatin1String("-"))) {
            const QString op = m_tok.text;
            next();
            l = binary(op, l, parseMultiplicative());
        }
        return l;
    }

    NodePtr parseMultiplicative()
    {
        NodePtr l = parseUnary();
        while (l && m_tok.type == Token::Op &&
               (m_tok.text == QLatin1String("*") || m_tok.text == QLatin1String("/") ||
                m_tok.text == QLatin1String("%"))) {
            const QString op = m_tok.text;
            next();
            l = binary(op, l, parseUnary());
        }
        return l;
    }

    NodePtr parseUnary()
    {
        if (m_tok.type == Token::Op && m_tok.text == QLatin1String("-")) {
            next();
            return unary(QStringLiteral("NEG"), parseUnary());
        }
        return parsePrimary();
    }

    NodePtr parsePrimary()
    {
        auto n = std::make_shared<Node>();
        switch (m_tok.type) {
        case Token::String:
            n->value = m_tok.text;
            next();
            return n;
        case Token::Number:
            n->value = m_tok.text.toDouble();
            next();
            return n;
        case Token::LParen: {
            next();
            NodePtr inner = parseOr();
            if (m_tok.type != Token::RParen) {
                fail(QStringLiteral("expected ')'"));
                return nullptr;
            }
            next();
            return inner;
        }
        case Token::Ident: {
            const QString word = m_tok.text;
            next();
            if (word.compare(QLatin1String("TRUE"), Qt::CaseInsensitive) == 0) {
                n->value = true;
                return n;
            }
            if (word.compare(QLatin1String("FALSE"), Qt::CaseInsensitive) == 0) {
                n->value = false;
                return n;
            }
            if (word.compare(QLatin1String("NULL"), Qt::CaseInsensitive) == 0)
                return n;
            if (m_tok.type == Token::LParen) {
                next();
                n->kind = Node::Kind::Function;
                n->op = word.toUpper();
                while (m_tok.type != Token::RParen) {
                    NodePtr a = parseOr();
                    if (!a)
                        return nullptr;
                    n->args.append(a);
                    if (m_tok.type == Token::Comma)
                        next();
                    else if (m_tok.type != Token::RParen) {
                        fail(QStringLiteral("expected ',' or ')'"));
                        return nullptr;
                    }
                }
                next();
                return n;
            }
            n->kind = Node::Kind::Parameter;
            n->name = word;
            return n;
        }
        default:
            fail(m_tok.type == Token::End ? QStringLiteral("unexpected end")
                                          : QStringLiteral("unexpected '%1'").arg(m_tok.text));
            return nullptr;
        }
    }

    QString m_s;
    qsizetype m_pos = 0;
    Token m_tok;
    QString m_error;
};

bool isNull(const QVariant &v)
{
    return !v.isValid() || v.isNull();
}

bool isNum(const QVariant &v)
{
    return v.typeId() == QMetaType::Double || v.typeId() == QMetaType::Int ||
           v.typeId() == QMetaType::LongLong;
}

// <0, 0, >0, or nullopt when the values cannot be compared.
std::optional<int> compareValues(const QVariant &a, const QVariant &b)
{
    if (isNum(a) && isNum(b))
        return a.toDouble() < b.toDouble() ? -1 : (a.toDouble() > b.toDouble() ? 1 : 0);
    if (a.typeId() == QMetaType::Bool || b.typeId() == QMetaType::Bool) {
        if (a.typeId() != b.typeId())
            return std::nullopt;
        return int(a.toBool()) - int(b.toBool());
    }
    if (isNum(a) != isNum(b)) {
        // JavaScript's loose comparison turns the string into a number.
        bool ok = false;
        const double x = isNum(a) ? a.toDouble() : a.toString().toDouble(&ok);
        const double y = isNum(b) ? b.toDouble() : b.toString().toDouble(&ok);
        if (!ok)
            return std::nullopt;
        return x < y ? -1 : (x > y ? 1 : 0);
    }
    const int c = QString::compare(a.toString(), b.toString());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

bool likeMatches(const QString &value, const QString &pattern)
{
    QString re = QStringLiteral("^");
    for (qsizetype i = 0; i < pattern.size(); ++i) {
        const QChar c = pattern.at(i);
        if (c == u'\\' && i + 1 < pattern.size())
            re += QRegularExpression::escape(QString(pattern.at(++i)));
        else if (c == u'%')
            re += QStringLiteral(".*");
        else if (c == u'_')
            re += u'.';
        else
            re += QRegularExpression::escape(QString(c));
    }
    re += u'$';
    return QRegularExpression(re, QRegularExpression::DotMatchesEverythingOption)
        .match(value)
        .hasMatch();
}

QVariant eval(const Node &n, const Expression::Resolver &resolve, qint64 now)
{
    switch (n.kind) {
    case Node::Kind::Literal:
        return n.value;
    case Node::Kind::Parameter:
        return resolve(n.name);
    case Node::Kind::Function: {
        QVariantList a;
        for (const auto &arg : n.args)
            a.append(eval(*arg, resolve, now));
        if (n.op == QLatin1String("NOW"))
            return double(now);
        if (n.op == QLatin1String("UPPER"))
            return isNull(a.value(0)) ? QVariant() : QVariant(a.value(0).toString().toUpper());
        if (n.op == QLatin1String("LOWER"))
            return isNull(a.value(0)) ? QVariant() : QVariant(a.value(0).toString().toLower());
        if (n.op == QLatin1String("ROUND"))
            return isNull(a.value(0)) ? QVariant() : QVariant(std::round(a.value(0).toDouble()));
        if (n.op == QLatin1String("COALESCE")) {
            for (const QVariant &v : a) {
                if (!isNull(v))
                    return v;
            }
            return {};
        }
        return {};
    }
    case Node::Kind::Unary: {
        const QVariant v = eval(*n.args.at(0), resolve, now);
        if (n.op == QLatin1String("IS NULL"))
            return isNull(v);
        if (n.op == QLatin1String("IS NOT NULL"))
            return !isNull(v);
        if (isNull(v))
            return {};
        if (n.op == QLatin1String("NOT"))
            return !v.toBool();
        return -v.toDouble();
    }
    case Node::Kind::Binary: {
        if (n.op == QLatin1String("AND") || n.op == QLatin1String("OR")) {
            const bool isAnd = n.op == QLatin1String("AND");
            const QVariant a = eval(*n.args.at(0), resolve, now);
            const QVariant b = eval(*n.args.at(1), resolve, now);
            const bool aNull = isNull(a);
            const bool bNull = isNull(b);
            if (isAnd) {
                if ((!aNull && !a.toBool()) || (!bNull && !b.toBool()))
                    return false;
                if (aNull || bNull)
                    return {};
                return true;
            }
            if ((!aNull && a.toBool()) || (!bNull && b.toBool()))
                return true;
            if (aNull || bNull)
                return {};
            return false;
        }
        const QVariant a = eval(*n.args.at(0), resolve, now);
        const QVariant b = eval(*n.args.at(1), resolve, now);
        if (isNull(a) || isNull(b))
            return {};
        if (n.op == QLatin1String("||"))
            return QString(a.toString() + b.toString());
        if (n.op == QLatin1String("LIKE") || n.op == QLatin1String("NOT LIKE")) {
            const bool m = likeMatches(a.toString(), b.toString());
            return n.op == QLatin1String("LIKE") ? m : !m;
        }
        if (n.op == QLatin1String("+") || n.op == QLatin1String("-") ||
            n.op == QLatin1String("*") || n.op == QLatin1String("/") ||
            n.op == QLatin1String("%")) {
            const double x = a.toDouble();
            const double y = b.toDouble();
            if (n.op == QLatin1String("+"))
                return x + y;
            if (n.op == QLatin1String("-"))
                return x - y;
            if (n.op == QLatin1String("*"))
                return x * y;
            if (n.op == QLatin1String("/"))
                return y == 0 ? QVariant() : QVariant(x / y);
            return y == 0 ? QVariant() : QVariant(std::fmod(x, y));
        }
        const auto c = compareValues(a, b);
        if (!c)
            return n.op == QLatin1String("<>");
        if (n.op == QLatin1String("="))
            return *c == 0;
        if (n.op == QLatin1String("<>"))
            return *c != 0;
        if (n.op == QLatin1String(">"))
            return *c > 0;
        if (n.op == QLatin1String(">="))
            return *c >= 0;
        if (n.op == QLatin1String("<"))
            return *c < 0;
        return *c <= 0;
    }
    }
    return {};
}

} // namespace

std::optional<Expression> Expression::parse(const QString &text, QString *error)
{
    Parser p(text);
    QString e;
    NodePtr root = p.parseAll(&e);
    if (!root) {
        if (error)
            *error = e;
        return std::nullopt;
    }
    Expression x;
    x.m_root = root;
    return x;
}

QVariant Expression::evaluate(const Resolver &resolve, qint64 nowMs) const
{
    return eval(*m_root, resolve, nowMs);
}

bool Expression::holds(const Resolver &resolve, qint64 nowMs) const
{
    const QVariant v = evaluate(resolve, nowMs);
    return !isNull(v) && v.toBool();
}

} // namespace fwd::lab
