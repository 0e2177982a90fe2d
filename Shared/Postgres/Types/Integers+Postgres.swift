extension Int64: PostgresEncodable, PostgresDecodable {
    public static var postgresDataType: PostgresDataType { .int8 }

    public func encode(into buffer: inout [UInt8]) {
        appendBigEndian(to: &buffer)
    }

    /// Decodes int2, int4 and int8 (and oid) values.
    public init(postgresValue bytes: ArraySlice<UInt8>, type: PostgresDataType) throws(PostgresDecodingError.Reason) {
        var reader = BinaryReader(bytes)
        switch (type, bytes.count) {
        case (.int8, 8): self = try reader.readInteger()
        case (.int4, 4): self = Int64(try reader.readInteger(as: Int32.self))
        case (.int2, 2): self = Int64(try reader.readInteger(as: Int16.self))
        case (.oid, 4): self = Int64(try reader.readInteger(as: UInt32.self))
        case (.int8, _), (.int4, _), (.int2, _), (.oid, _): throw .malformedValue
        default: throw .typeMismatch
        }
    }
}

extension Int: PostgresEncodable, PostgresDecodable {
    public static var postgresDataType: PostgresDataType { .int8 }

    public func encode(into buffer: inout [UInt8]) {
        Int64(self).encode(into: &buffer)
    }

    /// Decodes int2, int4 and int8 values.
    public init(postgresValue bytes: ArraySlice<UInt8>, type: PostgresDataType) throws(PostgresDecodingError.Reason) {
        let value = try Int64(postgresValue: bytes, type: type)
        guard let exact = Int(exactly: value) else { throw .outOfRange }
        self = exact
    }
}

extension Int32: PostgresEncodable, PostgresDecodable {
    public static var postgresDataType: PostgresDataType { .int4 }

    public func encode(into buffer: inout [UInt8]) {
        appendBigEndian(to: &buffer)
    }

    /// Decodes int2 and int4 values, and int8 values that fit.
    public init(postgresValue bytes: ArraySlice<UInt8>, type: PostgresDataType) throws(PostgresDecodingError.Reason) {
        let value = try Int64(postgresValue: bytes, type: type)
        guard let exact = Int32(exactly: value) else { throw .outOfRange }
        self = exact
    }
}
