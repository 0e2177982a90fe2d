import Foundation

extension UUID: PostgresEncodable, PostgresDecodable {
    public static var postgresDataType: PostgresDataType { .uuid }

    public func encode(into buffer: inout [UInt8]) {
        let bytes = uuid
        buffer.append(contentsOf: [
            bytes.0, bytes.1, bytes.2, bytes.3, bytes.4, bytes.5, bytes.6, bytes.7,
            bytes.8, bytes.9, bytes.10, bytes.11, bytes.12, bytes.13, bytes.14, bytes.15,
        ])
    }

    public init(postgresValue bytes: ArraySlice<UInt8>, type: PostgresDataType) throws(PostgresDecodingError.Reason) {
        guard type == .uuid else { throw .typeMismatch }
        guard bytes.count == 16 else { throw .malformedValue }
        let b = Array(bytes)
        self = UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }
}
