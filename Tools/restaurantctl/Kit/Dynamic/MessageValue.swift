/// One value of a field, typed by the field's protobuf type.
public indirect enum ProtoValue: Sendable, Hashable {
    /// int32, sint32, sfixed32
    case int32(Int32)
    /// int64, sint64, sfixed64
    case int64(Int64)
    /// uint32, fixed32
    case uint32(UInt32)
    /// uint64, fixed64
    case uint64(UInt64)
    case float(Float)
    case double(Double)
    case bool(Bool)
    case string(String)
    case bytes([UInt8])
    /// An enum value by number (known to the enum or not).
    case enumNumber(Int32)
    case message(MessageValue)

    /// The proto3 default value of a field of `type` (an empty message of
    /// `typeName` for message fields).
    static func defaultValue(for type: ProtoFieldType, typeName: String?) -> ProtoValue {
        switch type {
        case .int32, .sint32, .sfixed32: .int32(0)
        case .int64, .sint64, .sfixed64: .int64(0)
        case .uint32, .fixed32: .uint32(0)
        case .uint64, .fixed64: .uint64(0)
        case .float: .float(0)
        case .double: .double(0)
        case .bool: .bool(false)
        case .string: .string("")
        case .bytes: .bytes([])
        case .enum: .enumNumber(0)
        case .message, .group: .message(MessageValue(typeName: typeName ?? ""))
        }
    }

    /// Whether this is the zero value of its kind (what proto3 does not
    /// send for fields without presence). `-0.0` is not zero here.
    var isZero: Bool {
        switch self {
        case let .int32(value): value == 0
        case let .int64(value): value == 0
        case let .uint32(value): value == 0
        case let .uint64(value): value == 0
        case let .float(value): value.bitPattern == 0
        case let .double(value): value.bitPattern == 0
        case let .bool(value): !value
        case let .string(value): value.isEmpty
        case let .bytes(value): value.isEmpty
        case let .enumNumber(value): value == 0
        case .message: false
        }
    }

    /// Floats compare by value, except that NaN equals NaN (so a message
    /// equals itself after a round trip).
    public static func == (lhs: ProtoValue, rhs: ProtoValue) -> Bool {
        switch (lhs, rhs) {
        case let (.int32(a), .int32(b)): a == b
        case let (.int64(a), .int64(b)): a == b
        case let (.uint32(a), .uint32(b)): a == b
        case let (.uint64(a), .uint64(b)): a == b
        case let (.float(a), .float(b)): a == b || (a.isNaN && b.isNaN)
        case let (.double(a), .double(b)): a == b || (a.isNaN && b.isNaN)
        case let (.bool(a), .bool(b)): a == b
        case let (.string(a), .string(b)): a == b
        case let (.bytes(a), .bytes(b)): a == b
        case let (.enumNumber(a), .enumNumber(b)): a == b
        case let (.message(a), .message(b)): a == b
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case let .int32(value): hasher.combine(value)
        case let .int64(value): hasher.combine(value)
        case let .uint32(value): hasher.combine(value)
        case let .uint64(value): hasher.combine(value)
        case let .float(value): hasher.combine(value.isNaN ? Float.nan.bitPattern : (value == 0 ? 0 : value.bitPattern))
        case let .double(value): hasher.combine(value.isNaN ? Double.nan.bitPattern : (value == 0 ? 0 : value.bitPattern))
        case let .bool(value): hasher.combine(value)
        case let .string(value): hasher.combine(value)
        case let .bytes(value): hasher.combine(value)
        case let .enumNumber(value): hasher.combine(value)
        case let .message(value): hasher.combine(value)
        }
    }
}

/// A map field's entries: unique keys, kept in insertion order.
public struct MapValue: Sendable, Hashable {
    public private(set) var keys: [ProtoValue] = []
    private var values: [ProtoValue: ProtoValue] = [:]

    public init() {}

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    public subscript(key: ProtoValue) -> ProtoValue? {
        get { values[key] }
        set {
            if let newValue {
                if values.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if values.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    /// The entries in insertion order.
    public var entries: [(key: ProtoValue, value: ProtoValue)] {
        keys.map { ($0, values[$0]!) }
    }

    /// The entries ordered by key, as deterministic serialization writes
    /// them: numbers numerically, false before true, strings by UTF-8 bytes.
    public var sortedEntries: [(key: ProtoValue, value: ProtoValue)] {
        entries.sorted { Self.keyOrder($0.key, $1.key) }
    }

    static func keyOrder(_ a: ProtoValue, _ b: ProtoValue) -> Bool {
        switch (a, b) {
        case let (.int32(x), .int32(y)): x < y
        case let (.int64(x), .int64(y)): x < y
        case let (.uint32(x), .uint32(y)): x < y
        case let (.uint64(x), .uint64(y)): x < y
        case let (.bool(x), .bool(y)): !x && y
        case let (.string(x), .string(y)): x.utf8.lexicographicallyPrecedes(y.utf8)
        default: false
        }
    }

    public static func == (lhs: MapValue, rhs: MapValue) -> Bool {
        lhs.values == rhs.values  // Order is not part of a map's value.
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(values)
    }
}

/// The values a message holds for one field.
public enum FieldValue: Sendable, Hashable {
    case single(ProtoValue)
    case repeated([ProtoValue])
    case map(MapValue)
}

/// A message of any type, described by a ``ProtoMessage`` in a
/// ``DescriptorPool``: field values by number, plus the bytes of fields the
/// descriptor does not know (kept, and written back when encoding).
public struct MessageValue: Sendable, Hashable {
    /// The message type's full name.
    public let typeName: String
    public private(set) var fields: [Int32: FieldValue] = [:]
    /// Encoded fields unknown to the descriptor, in the order received.
    public var unknownFields: [UInt8] = []

    public init(typeName: String) {
        self.typeName = typeName
    }

    /// The field's values; an empty list or map is stored as "not set".
    public subscript(number: Int32) -> FieldValue? {
        get { fields[number] }
        set {
            switch newValue {
            case let .repeated(values)? where values.isEmpty: fields[number] = nil
            case let .map(map)? where map.isEmpty: fields[number] = nil
            default: fields[number] = newValue
            }
        }
    }

    /// Whether the field holds something (a value, or a non-empty list/map).
    public func has(_ number: Int32) -> Bool {
        switch fields[number] {
        case nil: false
        case .single?: true
        case let .repeated(values)?: !values.isEmpty
        case let .map(map)?: !map.isEmpty
        }
    }

    /// The value of a singular field.
    public func value(_ number: Int32) -> ProtoValue? {
        if case let .single(value)? = fields[number] { return value }
        return nil
    }

    /// Sets a singular field; for a oneof member the oneof's other members
    /// are cleared.
    /// A field without presence set to its zero value is simply not set.
    public mutating func set(_ field: ProtoField, _ value: ProtoValue, in type: ProtoMessage) {
        if !field.hasPresence, value.isZero {
            fields[field.number] = nil
            return
        }
        if let oneofIndex = field.oneofIndex {
            for number in type.oneofs[oneofIndex].fieldNumbers where number != field.number {
                fields[number] = nil
            }
        }
        fields[field.number] = .single(value)
    }

    /// Appends to a repeated field.
    public mutating func append(_ field: ProtoField, _ value: ProtoValue) {
        if case var .repeated(values)? = fields[field.number] {
            fields[field.number] = nil  // Keep the array uniquely referenced.
            values.append(value)
            fields[field.number] = .repeated(values)
        } else {
            fields[field.number] = .repeated([value])
        }
    }

    /// Sets one entry of a map field.
    public mutating func setEntry(_ field: ProtoField, key: ProtoValue, value: ProtoValue) {
        var map: MapValue
        if case let .map(existing)? = fields[field.number] {
            map = existing
            fields[field.number] = nil
        } else {
            map = MapValue()
        }
        map[key] = value
        fields[field.number] = .map(map)
    }

    /// Removes the field's values.
    public mutating func clear(_ number: Int32) {
        fields[number] = nil
    }
}
