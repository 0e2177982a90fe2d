extension String: PostgresEncodable, PostgresDecodable {
    public static var postgresDataType: PostgresDataType { .text }

    public func encode(into buffer: inout [UInt8]) {
        buffer.append(contentsOf: utf8)
    }

    /// Decodes the textual types (text, varchar, bpchar, name, char, json,
    /// jsonb, xml, unknown) and numeric, whose exact decimal form it keeps.
    public init(postgresValue bytes: ArraySlice<UInt8>, type: PostgresDataType) throws(PostgresDecodingError.Reason) {
        switch type {
        case .text, .varchar, .bpchar, .name, .char, .json, .xml, .unknown:
            self = String(decoding: bytes, as: UTF8.self)
        case .jsonb:
            // Binary jsonb is a version byte (1) followed by the JSON text.
            guard bytes.first == 1 else { throw .malformedValue }
            self = String(decoding: bytes.dropFirst(), as: UTF8.self)
        case .numeric:
            self = try NumericFormatter.string(fromBinary: bytes)
        default:
            throw .typeMismatch
        }
    }
}
