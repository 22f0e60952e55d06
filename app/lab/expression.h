#pragma once

#include <QString>
#include <QVariant>

#include <functional>
#include <memory>
#include <optional>

namespace fwd::lab {

// GenieACS 1.2's expression language (lib/common/expression) as preset preconditions use it:
// OR, AND, NOT; = <> > >= < <=; LIKE / NOT LIKE (% and _); IS [NOT] NULL; || + - * / %;
// parentheses; "strings" and 'strings'; numbers; TRUE FALSE NULL; parameters (Tags.wave1,
// DeviceID.ProductClass, Device.DeviceInfo.SoftwareVersion); functions NOW(), UPPER(), LOWER(),
// ROUND(), COALESCE(). Evaluation uses SQL's three-valued logic (null propagates).
class Expression final
{
public:
    struct Node;
    // A parameter's value (string, number or bool), or an invalid QVariant for null.
    using Resolver = std::function<QVariant(const QString &parameter)>;

    static std::optional<Expression> parse(const QString &text, QString *error);
    // The value; null is an invalid QVariant.
    QVariant evaluate(const Resolver &resolve, qint64 nowMs) const;
    // A precondition holds when the value is true (null and false do not).
    bool holds(const Resolver &resolve, qint64 nowMs) const;

private:
    std::shared_ptr<const Node> m_root;
};

} // namespace fwd::lab
