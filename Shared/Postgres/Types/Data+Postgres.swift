import Foundation

extension Data: PostgresEncodable, PostgresDecodable {
    public static var postgresDataType: PostgresDataType { .bytea }

    public func encode(into buffer: inout [UInt8]) {
        buffer.append(contentsOf: self)
    }

    /// Decodes bytea values (sent raw in the binary format, so no hex or
    /// escape decoding is involved).
    public init(postgresValue bytes: ArraySlice<UInt8>, type: PostgresDataType) throws(PostgresDecodingError.Reason) {
        guard type == .bytea else { throw .typeMismatch }
        self = Data(bytes)
    }
}
