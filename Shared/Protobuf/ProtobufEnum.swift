/// An enum generated from a `.proto` file. Proto3 enums are open: a value
/// this build does not know survives decoding and re-encoding as
/// `unrecognized(value)`.
public protocol ProtobufEnum: Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The value for any wire number; unknown numbers are kept.
    init(rawValue: Int32)
    /// The wire number.
    var rawValue: Int32 { get }
    /// The value's name in the `.proto` file, or nil for an unrecognized value.
    var protoName: String? { get }
}

extension ProtobufEnum {
    public var description: String { protoName ?? String(rawValue) }
}
