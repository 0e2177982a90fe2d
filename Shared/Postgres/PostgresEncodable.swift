/// A Swift value that can be bound as a statement parameter.
///
/// Values are sent in PostgreSQL's binary format, declared with
/// ``postgresDataType`` so the server never has to guess.
public protocol PostgresEncodable: Sendable {
    /// The type the value is bound as.
    static var postgresDataType: PostgresDataType { get }

    /// Whether this value is SQL NULL. Only `Optional.none` is.
    var isPostgresNull: Bool { get }

    /// Appends the value's binary representation to `buffer`. Not called
    /// for values that are ``isPostgresNull``.
    func encode(into buffer: inout [UInt8])
}

extension PostgresEncodable {
    public var isPostgresNull: Bool { false }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public static var postgresDataType: PostgresDataType { Wrapped.postgresDataType }

    public var isPostgresNull: Bool { self?.isPostgresNull ?? true }

    public func encode(into buffer: inout [UInt8]) {
        self?.encode(into: &buffer)
    }
}

extension FixedWidthInteger {
    /// Appends the integer in network byte order, as the binary format wants.
    func appendBigEndian(to buffer: inout [UInt8]) {
        for shift in stride(from: Self.bitWidth - 8, through: 0, by: -8) {
            buffer.append(UInt8(truncatingIfNeeded: self >> shift))
        }
    }

    /// Overwrites the bytes at `offset` with the integer in network byte
    /// order.
    func storeBigEndian(into buffer: inout [UInt8], at offset: Int) {
        var index = offset
        for shift in stride(from: Self.bitWidth - 8, through: 0, by: -8) {
            buffer[index] = UInt8(truncatingIfNeeded: self >> shift)
            index += 1
        }
    }
}
