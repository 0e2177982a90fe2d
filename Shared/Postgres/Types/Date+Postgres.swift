import Foundation

extension Date: PostgresEncodable, PostgresDecodable {
    public static var postgresDataType: PostgresDataType { .timestamptz }

    /// PostgreSQL's epoch, 2000-01-01 00:00:00 UTC, in Unix time.
    private static let postgresEpoch: TimeInterval = 946_684_800

    /// Binary timestamps count microseconds from the PostgreSQL epoch in UTC,
    /// whatever the session's TimeZone, so no zone conversion is involved.
    public func encode(into buffer: inout [UInt8]) {
        let microseconds = ((timeIntervalSince1970 - Date.postgresEpoch) * 1_000_000).rounded()
        Int64(microseconds).appendBigEndian(to: &buffer)
    }

    /// Decodes timestamptz, timestamp (taken as UTC) and date (midnight UTC).
    /// `infinity` and `-infinity` become `distantFuture` and `distantPast`.
    public init(postgresValue bytes: ArraySlice<UInt8>, type: PostgresDataType) throws(PostgresDecodingError.Reason) {
        var reader = BinaryReader(bytes)
        switch type {
        case .timestamptz, .timestamp:
            guard bytes.count == 8 else { throw .malformedValue }
            let microseconds: Int64 = try reader.readInteger()
            switch microseconds {
            case .max: self = .distantFuture
            case .min: self = .distantPast
            default: self = Date(timeIntervalSince1970: Date.postgresEpoch + Double(microseconds) / 1_000_000)
            }
        case .date:
            guard bytes.count == 4 else { throw .malformedValue }
            let days: Int32 = try reader.readInteger()
            switch days {
            case .max: self = .distantFuture
            case .min: self = .distantPast
            default: self = Date(timeIntervalSince1970: Date.postgresEpoch + Double(days) * 86_400)
            }
        default:
            throw .typeMismatch
        }
    }
}
