#pragma once

#include <QByteArray>

// A provision script that makes `count` GetParameterValues RPCs in the lab (a JavaScript
// expression, e.g. "args[0]" or "300"): every turn clears the value and declares a fresher one
// (GenieACS would merge the declarations into fewer RPCs). For the RPC and session limits.
inline QByteArray rpcLoopScript(const QByteArray &count = QByteArrayLiteral("args[0]"))
{
    return "for (let i = 0; i < " + count +
           "; ++i) {\n"
           "  clear(\"Device.DeviceInfo.UpTime\");\n"
           "  declare(\"Device.DeviceInfo.UpTime\", {value: Date.now()});\n"
           "}\n";
}
