/// A Swift type that a result value can be decoded into.
///
/// Results arrive in PostgreSQL's binary format; a conforming type checks
/// the column's type and throws a ``PostgresDecodingError/Reason`` when it
/// cannot represent it.
public protocol PostgresDecodable: Sendable {
    /// Decodes a non-NULL value of the given type.
    init(postgresValue bytes: ArraySlice<UInt8>, type: PostgresDataType) throws(PostgresDecodingError.Reason)

    /// The value for SQL NULL. Throws ``PostgresDecodingError/Reason/unexpectedNull``
    /// unless the type can represent NULL (only `Optional` can).
    static func postgresNull() throws(PostgresDecodingError.Reason) -> Self
}

extension PostgresDecodable {
    public static func postgresNull() throws(PostgresDecodingError.Reason) -> Self {
        throw .unexpectedNull
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public init(postgresValue bytes: ArraySlice<UInt8>, type: PostgresDataType) throws(PostgresDecodingError.Reason) {
        self = .some(try Wrapped(postgresValue: bytes, type: type))
    }

    public static func postgresNull() -> Self { nil }
}

extension PostgresDecodable {
    /// Decodes `bytes`, or NULL when nil.
    static func decode(_ bytes: ArraySlice<UInt8>?, type: PostgresDataType) throws(PostgresDecodingError.Reason) -> Self {
        guard let bytes else { return try postgresNull() }
        return try Self(postgresValue: bytes, type: type)
    }
}
