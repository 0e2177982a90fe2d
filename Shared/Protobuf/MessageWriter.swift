import CProtobufC
import Foundation

/// Fills in one protobuf-c message struct before it is packed.
///
/// Generated code receives a writer (`inout`) during an encode and stores
/// every non-default field into it. Strings, bytes, arrays and nested
/// messages are copied into the encode's arena, so nothing outlives the
/// encode and nothing needs freeing. Fields are addressed by their index in
/// the descriptor, as with ``MessageReader``.
public struct MessageWriter: ~Copyable {
    let message: UnsafeMutableRawPointer
    /// NULL for messages without fields, which never ask for one.
    let fields: UnsafePointer<ProtobufCFieldDescriptor>?
    let descriptor: UnsafePointer<ProtobufCMessageDescriptor>
    unowned let arena: Arena

    /// Allocates and initializes an empty message of `descriptor`'s type.
    init(descriptor: UnsafePointer<ProtobufCMessageDescriptor>, arena: Arena) {
        let storage = arena.allocateOrTrap(Int(descriptor.pointee.sizeof_message))
        descriptor.pointee.message_init(storage.assumingMemoryBound(to: ProtobufCMessage.self))
        self.message = storage
        self.fields = descriptor.pointee.fields
        self.descriptor = descriptor
        self.arena = arena
    }

    private func field(_ index: Int) -> UnsafePointer<ProtobufCFieldDescriptor> { fields.unsafelyUnwrapped + index }

    /// Records that the field is present: its oneof case or its `has_` flag.
    private func markPresent(_ field: UnsafePointer<ProtobufCFieldDescriptor>) {
        if field.isOneofMember {
            message.storeBytes(of: field.pointee.id, toByteOffset: field.quantifierOffset, as: UInt32.self)
        } else if field.hasPresenceFlag {
            message.storeBytes(of: 1, toByteOffset: field.quantifierOffset, as: Int32.self)
        }
    }

    private func allocate(_ byteCount: Int) -> UnsafeMutableRawPointer {
        arena.allocateOrTrap(byteCount)
    }

    // MARK: Singular fields

    @_spi(ProtobufGenerated)
    public mutating func setScalar<T: ProtobufScalar>(_ index: Int, _ value: T) {
        let field = field(index)
        message.storeBytes(of: value, toByteOffset: field.offset, as: T.self)
        markPresent(field)
    }

    @_spi(ProtobufGenerated)
    public mutating func setBool(_ index: Int, _ value: Bool) {
        setScalar(index, Int32(value ? 1 : 0))
    }

    @_spi(ProtobufGenerated)
    public mutating func setString(_ index: Int, _ value: String) throws {
        let field = field(index)
        let pointer = try cString(value, field: field)
        message.storeBytes(of: pointer, toByteOffset: field.offset, as: UnsafeMutablePointer<CChar>.self)
        markPresent(field)
    }

    @_spi(ProtobufGenerated)
    public mutating func setBytes(_ index: Int, _ value: Data) {
        let field = field(index)
        message.storeBytes(of: binary(value), toByteOffset: field.offset, as: ProtobufCBinaryData.self)
        markPresent(field)
    }

    @_spi(ProtobufGenerated)
    public mutating func setMessage<M: ProtobufMessage>(_ index: Int, _ value: M) throws {
        try setMessage(index) { try value.write(to: &$0) }
    }

    /// Sets a message field whose contents `body` writes.
    @_spi(ProtobufGenerated)
    public mutating func setMessage(_ index: Int, _ body: (inout MessageWriter) throws -> Void) rethrows {
        let field = field(index)
        var nested = MessageWriter(descriptor: field.nestedMessageDescriptor, arena: arena)
        try body(&nested)
        message.storeBytes(of: nested.message, toByteOffset: field.offset, as: UnsafeMutableRawPointer.self)
        markPresent(field)
    }

    // MARK: Repeated fields

    private func setElements(_ index: Int, count: Int, _ elements: UnsafeMutableRawPointer) {
        let field = field(index)
        message.storeBytes(of: count, toByteOffset: field.quantifierOffset, as: Int.self)
        message.storeBytes(of: elements, toByteOffset: field.offset, as: UnsafeMutableRawPointer.self)
    }

    @_spi(ProtobufGenerated)
    public mutating func setRepeatedScalar<T: ProtobufScalar>(_ index: Int, _ values: [T]) {
        guard !values.isEmpty else { return }
        let storage = allocate(MemoryLayout<T>.stride * values.count)
        values.withUnsafeBytes { storage.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        setElements(index, count: values.count, storage)
    }

    /// Stores `values` converted by `element` straight into the arena array
    /// protobuf-c reads, with no intermediate Swift array.
    private func setRepeated<C: Collection, T>(_ index: Int, _ values: C, _ element: (C.Element) throws -> T) rethrows {
        guard !values.isEmpty else { return }
        let storage = allocate(MemoryLayout<T>.stride * values.count)
        let elements = storage.bindMemory(to: T.self, capacity: values.count)
        for (i, value) in values.enumerated() {
            (elements + i).initialize(to: try element(value))
        }
        setElements(index, count: values.count, storage)
    }

    @_spi(ProtobufGenerated)
    public mutating func setRepeatedBool(_ index: Int, _ values: [Bool]) {
        setRepeated(index, values) { Int32($0 ? 1 : 0) }
    }

    @_spi(ProtobufGenerated)
    public mutating func setRepeatedEnum<E: ProtobufEnum>(_ index: Int, _ values: [E]) {
        setRepeated(index, values) { $0.rawValue }
    }

    @_spi(ProtobufGenerated)
    public mutating func setRepeatedString(_ index: Int, _ values: [String]) throws {
        let field = field(index)
        try setRepeated(index, values) { try cString($0, field: field) }
    }

    @_spi(ProtobufGenerated)
    public mutating func setRepeatedBytes(_ index: Int, _ values: [Data]) {
        setRepeated(index, values) { binary($0) }
    }

    @_spi(ProtobufGenerated)
    public mutating func setRepeatedMessage<M: ProtobufMessage>(_ index: Int, _ values: [M]) throws {
        try setRepeatedMessage(index, values) { writer, value in try value.write(to: &writer) }
    }

    /// Sets a repeated message field (or map, from its entries) whose
    /// elements `body` writes one by one.
    @_spi(ProtobufGenerated)
    public mutating func setRepeatedMessage<C: Collection>(
        _ index: Int, _ values: C, _ body: (inout MessageWriter, C.Element) throws -> Void
    ) rethrows {
        let nestedDescriptor = field(index).nestedMessageDescriptor
        try setRepeated(index, values) { value in
            var nested = MessageWriter(descriptor: nestedDescriptor, arena: arena)
            try body(&nested, value)
            return nested.message
        }
    }

    // MARK: Conversions

    private func cString(_ value: String, field: UnsafePointer<ProtobufCFieldDescriptor>) throws -> UnsafeMutablePointer<CChar> {
        var value = value
        return try value.withUTF8 { utf8 in
            guard utf8.isEmpty || memchr(utf8.baseAddress!, 0, utf8.count) == nil else {
                throw ProtobufEncodingError.stringContainsNUL(field: field.qualifiedName(in: descriptor))
            }
            return arena.copyCString(UnsafeRawBufferPointer(utf8))
        }
    }

    private func binary(_ value: Data) -> ProtobufCBinaryData {
        guard !value.isEmpty else { return ProtobufCBinaryData(len: 0, data: nil) }
        let storage = allocate(value.count)
        value.copyBytes(to: storage.assumingMemoryBound(to: UInt8.self), count: value.count)
        return ProtobufCBinaryData(len: value.count, data: storage.assumingMemoryBound(to: UInt8.self))
    }
}
