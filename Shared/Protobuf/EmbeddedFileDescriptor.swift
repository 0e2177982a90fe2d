import Foundation

/// A serialized `google.protobuf.FileDescriptorProto` that a generated
/// module embeds, so servers can answer reflection and dynamic clients can
/// work without the `.proto` files.
public struct EmbeddedFileDescriptor: Sendable, Hashable {
    /// The file's path as imported, such as `restaurant/catalog/v1/catalog.proto`.
    public let name: String
    /// The encoded `FileDescriptorProto`.
    public let serialized: [UInt8]

    /// Decodes a descriptor that generated code stores as base64 text.
    @_spi(ProtobufGenerated)
    public init(name: String, base64: String) {
        guard let data = Data(base64Encoded: base64, options: .ignoreUnknownCharacters) else {
            preconditionFailure("generated descriptor for \(name) is not valid base64")
        }
        self.name = name
        self.serialized = [UInt8](data)
    }
}
