import CProtobufC
import Foundation
import NIOCore

/// A message type generated from a `.proto` file, encoded and decoded by
/// protobuf-c.
///
/// Conforming types are plain Swift values; `rpcgen` writes the conformance.
public protocol ProtobufMessage: Sendable, Equatable {
    /// A message with every field at its proto3 default.
    init()

    /// The protobuf-c descriptor of the C struct this message converts to.
    @_spi(ProtobufGenerated)
    static var protobufDescriptor: MessageDescriptor { get }

    /// Copies every field out of an unpacked protobuf-c message.
    @_spi(ProtobufGenerated)
    init(reader: borrowing MessageReader) throws

    /// Stores every field into a protobuf-c message about to be packed.
    @_spi(ProtobufGenerated)
    func write(to writer: inout MessageWriter) throws
}

extension ProtobufMessage {
    /// Returns a message built by `populate`, for one-expression construction:
    /// `.with { $0.id = 42 }`.
    @inlinable
    public static func with(_ populate: (inout Self) throws -> Void) rethrows -> Self {
        var message = Self()
        try populate(&message)
        return message
    }

    /// Decodes a message from its binary encoding.
    ///
    /// The input is checked against `limits` and validated before protobuf-c
    /// sees it; unknown fields are skipped.
    public init(serializedBytes bytes: some ContiguousBytes, limits: DecodingLimits = .default) throws {
        self = try bytes.withUnsafeBytes { try Self.decode($0, limits: limits) }
    }

    /// Decodes a message from the readable bytes of `buffer`.
    public init(buffer: ByteBuffer, limits: DecodingLimits = .default) throws {
        self = try buffer.withUnsafeReadableBytes { try Self.decode($0, limits: limits) }
    }

    /// The message's binary encoding.
    public func serializedBytes() throws -> [UInt8] {
        try encode { size, pack in
            [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
                count = pack(UnsafeMutableRawBufferPointer(buffer))
            }
        }
    }

    /// Appends the message's binary encoding to `buffer` and returns its size.
    @discardableResult
    public func serialize(into buffer: inout ByteBuffer) throws -> Int {
        try encode { size, pack in
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { pack($0) }
        }
    }

    private static func decode(_ bytes: UnsafeRawBufferPointer, limits: DecodingLimits) throws -> Self {
        try withUnpacked(bytes, descriptor: protobufDescriptor.pointer, limits: limits) { message in
            try Self(reader: MessageReader(message: message))
        }
    }

    /// Builds the C struct in an arena, then lets `output` reserve `size`
    /// bytes and call `pack` to fill them.
    private func encode<R>(
        _ output: (_ size: Int, _ pack: (UnsafeMutableRawBufferPointer) -> Int) throws -> R
    ) throws -> R {
        let arena = Arena()
        var writer = MessageWriter(descriptor: Self.protobufDescriptor.pointer, arena: arena)
        try write(to: &writer)
        let message = writer.message.assumingMemoryBound(to: ProtobufCMessage.self)
        let size = protobuf_c_message_get_packed_size(message)
        return try withExtendedLifetime(arena) {
            try output(size) { destination in
                precondition(destination.count >= size, "pack buffer too small")
                return protobuf_c_message_pack(message, destination.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
    }
}
