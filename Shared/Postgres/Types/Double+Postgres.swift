extension Double: PostgresEncodable, PostgresDecodable {
    public static var postgresDataType: PostgresDataType { .float8 }

    public func encode(into buffer: inout [UInt8]) {
        bitPattern.appendBigEndian(to: &buffer)
    }

    /// Decodes float8, float4 and numeric values (numeric may lose precision).
    public init(postgresValue bytes: ArraySlice<UInt8>, type: PostgresDataType) throws(PostgresDecodingError.Reason) {
        var reader = BinaryReader(bytes)
        switch type {
        case .float8:
            guard bytes.count == 8 else { throw .malformedValue }
            self = Double(bitPattern: try reader.readInteger())
        case .float4:
            guard bytes.count == 4 else { throw .malformedValue }
            self = Double(Float(bitPattern: try reader.readInteger()))
        case .numeric:
            let text = try NumericFormatter.string(fromBinary: bytes)
            guard let value = Double(text) ?? (text == "NaN" ? .nan : nil) else { throw .malformedValue }
            self = value
        default:
            throw .typeMismatch
        }
    }
}
