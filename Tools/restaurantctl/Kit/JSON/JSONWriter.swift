/// Serializes ``JSONValue``s: indented (two spaces, like jq) or compact on one
/// line. Numbers are written as their text; strings are UTF-8 with only the
/// escapes JSON requires.
public enum JSONWriter {
    public static func write(_ value: JSONValue, pretty: Bool = true) -> String {
        var output = ""
        if pretty {
            writePretty(value, indent: 0, into: &output)
        } else {
            writeCompact(value, into: &output)
        }
        return output
    }

    /// `text` as a JSON string literal.
    public static func quoted(_ text: String) -> String {
        var output = ""
        appendQuoted(text, to: &output)
        return output
    }

    private static func writeCompact(_ value: JSONValue, into output: inout String) {
        switch value {
        case let .array(values):
            output += "["
            for (offset, element) in values.enumerated() {
                if offset > 0 { output += "," }
                writeCompact(element, into: &output)
            }
            output += "]"
        case let .object(members):
            output += "{"
            for (offset, member) in members.enumerated() {
                if offset > 0 { output += "," }
                appendQuoted(member.key, to: &output)
                output += ":"
                writeCompact(member.value, into: &output)
            }
            output += "}"
        default:
            writeScalar(value, into: &output)
        }
    }

    private static func writePretty(_ value: JSONValue, indent: Int, into output: inout String) {
        switch value {
        case let .array(values):
            guard !values.isEmpty else { output += "[]"; return }
            output += "[\n"
            for (offset, element) in values.enumerated() {
                output += String(repeating: "  ", count: indent + 1)
                writePretty(element, indent: indent + 1, into: &output)
                output += offset == values.count - 1 ? "\n" : ",\n"
            }
            output += String(repeating: "  ", count: indent) + "]"
        case let .object(members):
            guard !members.isEmpty else { output += "{}"; return }
            output += "{\n"
            for (offset, member) in members.enumerated() {
                output += String(repeating: "  ", count: indent + 1)
                appendQuoted(member.key, to: &output)
                output += ": "
                writePretty(member.value, indent: indent + 1, into: &output)
                output += offset == members.count - 1 ? "\n" : ",\n"
            }
            output += String(repeating: "  ", count: indent) + "}"
        default:
            writeScalar(value, into: &output)
        }
    }

    private static func writeScalar(_ value: JSONValue, into output: inout String) {
        switch value {
        case .null: output += "null"
        case let .bool(flag): output += flag ? "true" : "false"
        case let .number(text): output += text
        case let .string(text): appendQuoted(text, to: &output)
        case .array, .object: preconditionFailure("not a scalar")
        }
    }

    private static func appendQuoted(_ text: String, to output: inout String) {
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            case "\u{2028}": output += "\\u2028"
            case "\u{2029}": output += "\\u2029"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }
}
