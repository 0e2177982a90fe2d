import Foundation

extension UUID: PostgresEncodable, PostgresDecodable {
    public static var postgresDataType: PostgresDataType { .uuid }

    /// The 16 bytes in order, appended one by one: no temporary array.
    public func encode(into buffer: inout [UInt8]) {
        let b = uuid
        buffer.append(b.0)
        buffer.append(b.1)
        buffer.append(b.2)
        buffer.append(b.3)
        buffer.append(b.4)
        buffer.append(b.5)
        buffer.append(b.6)
        buffer.append(b.7)
        buffer.append(b.8)
        buffer.append(b.9)
        buffer.append(b.10)
        buffer.append(b.11)
        buffer.append(b.12)
        buffer.append(b.13)
        buffer.append(b.14)
        buffer.append(b.15)
    }

    public init(postgresValue bytes: ArraySlice<UInt8>, type: PostgresDataType) throws(PostgresDecodingError.Reason) {
        guard type == .uuid else { throw .typeMismatch }
        guard bytes.count == 16 else { throw .malformedValue }
        // Read straight from the slice; no copy into an array.
        let i = bytes.startIndex
        self = UUID(uuid: (
            bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3], bytes[i + 4], bytes[i + 5], bytes[i + 6], bytes[i + 7],
            bytes[i + 8], bytes[i + 9], bytes[i + 10], bytes[i + 11], bytes[i + 12], bytes[i + 13], bytes[i + 14], bytes[i + 15]
        ))
    }
}
