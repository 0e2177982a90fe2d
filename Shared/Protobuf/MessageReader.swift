import CProtobufC
import Foundation

/// Reads the fields of one unpacked protobuf-c message.
///
/// Generated code receives a reader while a decode is in progress and copies
/// every field into Swift values. The reader is non-copyable and only ever
/// lent out (`borrowing`), so it cannot outlive the C memory it reads.
/// Fields are addressed by their index in the descriptor (ordered by field
/// number, as protoc-c emits them).
public struct MessageReader: ~Copyable {
    @usableFromInline let message: UnsafeRawPointer
    /// NULL for messages without fields, which never ask for one.
    @usableFromInline let fields: UnsafePointer<ProtobufCFieldDescriptor>?

    init(message: UnsafeRawPointer) {
        self.message = message
        let descriptor = message.load(as: UnsafePointer<ProtobufCMessageDescriptor>.self)
        self.fields = descriptor.pointee.fields
    }

    @inlinable
    func field(_ index: Int) -> UnsafePointer<ProtobufCFieldDescriptor> { fields.unsafelyUnwrapped + index }

    /// Whether the field at `index` is set: a oneof member that is the active
    /// case, a proto2 field with its `has_` flag or a non-null pointer.
    /// Proto3 scalars without presence always report true.
    @_spi(ProtobufGenerated) @inlinable
    public func has(_ index: Int) -> Bool {
        let field = field(index)
        if field.isOneofMember {
            return message.load(fromByteOffset: field.quantifierOffset, as: UInt32.self) == field.pointee.id
        }
        if field.hasPresenceFlag {
            return message.load(fromByteOffset: field.quantifierOffset, as: Int32.self) != 0
        }
        if field.isPointerValued {
            return message.load(fromByteOffset: field.offset, as: UnsafeRawPointer?.self) != nil
        }
        return true
    }

    /// The field number of the active member of the oneof that the field at
    /// `index` belongs to, or 0 when none is set.
    @_spi(ProtobufGenerated) @inlinable
    public func oneofCase(_ index: Int) -> Int {
        let field = field(index)
        assert(field.isOneofMember, "field is not part of a oneof")
        return Int(message.load(fromByteOffset: field.quantifierOffset, as: UInt32.self))
    }

    // MARK: Singular fields

    /// A numeric field stored as `T` (enums as `Int32`).
    @_spi(ProtobufGenerated) @inlinable
    public func scalar<T: ProtobufScalar>(_ index: Int, as type: T.Type = T.self) -> T {
        message.load(fromByteOffset: field(index).offset, as: T.self)
    }

    @_spi(ProtobufGenerated) @inlinable
    public func bool(_ index: Int) -> Bool {
        message.load(fromByteOffset: field(index).offset, as: Int32.self) != 0
    }

    @_spi(ProtobufGenerated)
    public func string(_ index: Int) -> String {
        Self.string(message.load(fromByteOffset: field(index).offset, as: UnsafePointer<CChar>?.self))
    }

    @_spi(ProtobufGenerated)
    public func bytes(_ index: Int) -> Data {
        Self.data(message.load(fromByteOffset: field(index).offset, as: ProtobufCBinaryData.self))
    }

    /// A message field as a generated type, nil when unset.
    @_spi(ProtobufGenerated)
    public func message<M: ProtobufMessage>(_ index: Int, as type: M.Type = M.self) throws -> M? {
        try message(index) { try M(reader: $0) }
    }

    /// A message field converted by `body`, nil when unset.
    @_spi(ProtobufGenerated)
    public func message<T>(_ index: Int, _ body: (borrowing MessageReader) throws -> T) rethrows -> T? {
        let field = field(index)
        if field.isOneofMember && !has(index) { return nil }
        guard let nested = message.load(fromByteOffset: field.offset, as: UnsafeRawPointer?.self) else { return nil }
        return try body(MessageReader(message: nested))
    }

    // MARK: Repeated fields

    /// A repeated field's elements where protobuf-c keeps them: one array
    /// of `T` (pointers, for strings and messages).
    @inlinable
    func elements<T>(_ index: Int, as type: T.Type) -> UnsafeBufferPointer<T> {
        let field = field(index)
        let count = message.load(fromByteOffset: field.quantifierOffset, as: Int.self)
        guard count > 0, let base = message.load(fromByteOffset: field.offset, as: UnsafeRawPointer?.self) else {
            return UnsafeBufferPointer(start: nil, count: 0)
        }
        return UnsafeBufferPointer(start: base.assumingMemoryBound(to: T.self), count: count)
    }

    @_spi(ProtobufGenerated) @inlinable
    public func repeatedScalar<T: ProtobufScalar>(_ index: Int, as type: T.Type = T.self) -> [T] {
        Array(elements(index, as: T.self))
    }

    @_spi(ProtobufGenerated)
    public func repeatedBool(_ index: Int) -> [Bool] {
        elements(index, as: Int32.self).map { $0 != 0 }
    }

    @_spi(ProtobufGenerated) @inlinable
    public func repeatedEnum<E: ProtobufEnum>(_ index: Int, as type: E.Type = E.self) -> [E] {
        elements(index, as: Int32.self).map(E.init(rawValue:))
    }

    @_spi(ProtobufGenerated)
    public func repeatedString(_ index: Int) -> [String] {
        elements(index, as: UnsafePointer<CChar>?.self).map(Self.string)
    }

    @_spi(ProtobufGenerated)
    public func repeatedBytes(_ index: Int) -> [Data] {
        elements(index, as: ProtobufCBinaryData.self).map(Self.data)
    }

    @_spi(ProtobufGenerated)
    public func repeatedMessage<M: ProtobufMessage>(_ index: Int, as type: M.Type = M.self) throws -> [M] {
        try repeatedMessage(index) { try M(reader: $0) }
    }

    /// Each element of a repeated message field (or map) converted by `body`.
    @_spi(ProtobufGenerated)
    public func repeatedMessage<T>(_ index: Int, _ body: (borrowing MessageReader) throws -> T) rethrows -> [T] {
        try elements(index, as: UnsafeRawPointer.self).map { try body(MessageReader(message: $0)) }
    }

    /// A map field: entries are messages whose key is field 0 and value field 1.
    /// Later duplicates of a key win, as the protobuf spec requires.
    @_spi(ProtobufGenerated)
    public func map<K: Hashable, V>(_ index: Int, _ entry: (borrowing MessageReader) throws -> (K, V)) rethrows -> [K: V] {
        let entries = elements(index, as: UnsafeRawPointer.self)
        var result = [K: V](minimumCapacity: entries.count)
        for message in entries {
            let (key, value) = try entry(MessageReader(message: message))
            result[key] = value
        }
        return result
    }

    // MARK: Conversions

    static func string(_ pointer: UnsafePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        // The validator checked UTF-8 and NUL before protobuf-c unpacked.
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: strlen(pointer)), as: UTF8.self)
    }

    static func data(_ binary: ProtobufCBinaryData) -> Data {
        guard binary.len > 0, let bytes = binary.data else { return Data() }
        return Data(bytes: bytes, count: binary.len)
    }
}
