extension Bool: PostgresEncodable, PostgresDecodable {
    public static var postgresDataType: PostgresDataType { .bool }

    public func encode(into buffer: inout [UInt8]) {
        buffer.append(self ? 1 : 0)
    }

    public init(postgresValue bytes: ArraySlice<UInt8>, type: PostgresDataType) throws(PostgresDecodingError.Reason) {
        guard type == .bool else { throw .typeMismatch }
        guard bytes.count == 1, let byte = bytes.first, byte <= 1 else { throw .malformedValue }
        self = byte == 1
    }
}
