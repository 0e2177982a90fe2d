/// A result value could not be decoded into the requested Swift type.
///
/// Names the column and the types involved, never the value.
public struct PostgresDecodingError: Error, Sendable, CustomStringConvertible {
    /// Why a value could not be decoded.
    public enum Reason: Error, Sendable, Hashable {
        /// The column's type cannot be represented by the Swift type.
        case typeMismatch
        /// The value is NULL and the Swift type is not optional.
        case unexpectedNull
        /// The value does not fit the Swift type (e.g. int8 into Int32).
        case outOfRange
        /// The bytes are not a valid value of the column's type.
        case malformedValue
        /// The column does not exist in the row.
        case missingColumn
    }

    /// The column's name, as the server reported it.
    public let column: String
    /// The column's position in the row, from 0.
    public let columnIndex: Int
    /// The Swift type that was requested.
    public let swiftType: String
    /// The column's PostgreSQL type.
    public let postgresType: PostgresDataType
    /// What went wrong.
    public let reason: Reason

    public var description: String {
        switch reason {
        case .missingColumn:
            "PostgresDecodingError: no column \"\(column)\" in the row"
        default:
            "PostgresDecodingError: cannot decode column \"\(column)\" (index \(columnIndex)) of type \(postgresType) as \(swiftType): \(reason)"
        }
    }
}
