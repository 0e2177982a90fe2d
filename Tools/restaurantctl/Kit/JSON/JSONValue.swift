/// A parsed JSON document. Numbers keep their source text so that 64-bit
/// integers (9223372036854775807) and exact decimals survive untouched;
/// objects keep their members in source order (duplicates included, so the
/// protobuf mapping can reject them).
public indirect enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// The number exactly as written (`-12`, `1.5e3`).
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case let .bool(value): hasher.combine(value)
        case let .number(text): hasher.combine(text)
        case let .string(text): hasher.combine(text)
        case let .array(values): hasher.combine(values)
        case let .object(members):
            hasher.combine(members.count)
            for member in members {
                hasher.combine(member.key)
                hasher.combine(member.value)
            }
        }
    }

    /// The value as error messages show it: `"abc"`, `12`, `an object`.
    public var kindDescription: String {
        switch self {
        case .null: "null"
        case let .bool(value): value ? "true" : "false"
        case let .number(text): text
        case let .string(text): JSONWriter.quoted(text.count > 40 ? String(text.prefix(40)) + "…" : text)
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// The value of the first member named `key` of an object.
    public subscript(key: String) -> JSONValue? {
        guard case let .object(members) = self else { return nil }
        return members.first(where: { $0.key == key })?.value
    }

    /// Object members, or nil for other kinds.
    public var objectMembers: [(key: String, value: JSONValue)]? {
        if case let .object(members) = self { return members }
        return nil
    }

    /// The elements of an array, or nil for other kinds.
    public var arrayElements: [JSONValue]? {
        if case let .array(values) = self { return values }
        return nil
    }

    /// The same document with object members sorted by key at every level and
    /// numbers in a canonical spelling, for comparisons where member order
    /// and number spelling (`1.0` / `1`) are free.
    public var normalized: JSONValue {
        switch self {
        case let .array(values):
            return .array(values.map(\.normalized))
        case let .object(members):
            let sorted = members.map { (key: $0.key, value: $0.value.normalized) }.sorted { $0.key < $1.key }
            return .object(sorted)
        case let .number(text):
            return .number(JSONValue.canonicalNumber(text))
        default:
            return self
        }
    }

    /// Integers as written (without a sign on zero); other numbers through
    /// Double, integral ones below 2^53 without a fraction.
    static func canonicalNumber(_ text: String) -> String {
        if let integer = Int64(text) { return String(integer) }
        if let integer = UInt64(text) { return String(integer) }
        if let double = Double(text) {
            if double == double.rounded(), abs(double) < 9_007_199_254_740_992 { return String(Int64(double)) }
            return String(double)
        }
        return text
    }
}
