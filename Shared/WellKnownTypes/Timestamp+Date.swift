import Foundation

extension Google_Protobuf_Timestamp {
    /// The timestamp of `date`, to the nanosecond Foundation can represent.
    public init(_ date: Date) {
        let interval = date.timeIntervalSince1970
        var seconds = interval.rounded(.down)
        var nanos = ((interval - seconds) * 1_000_000_000).rounded()
        if nanos >= 1_000_000_000 {
            seconds += 1
            nanos -= 1_000_000_000
        }
        self.init()
        self.seconds = Int64(seconds)
        self.nanos = Int32(nanos)
    }

    /// The timestamp of `date` rounded to whole microseconds: for times read
    /// from stores that keep microseconds (PostgreSQL's timestamptz), whose
    /// exact value a `Date` cannot hold but rounding recovers.
    public init(microsecondsOf date: Date) {
        let micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        let seconds = (micros / 1_000_000).rounded(.down)
        self.init()
        self.seconds = Int64(seconds)
        self.nanos = Int32(micros - seconds * 1_000_000) * 1000
    }

    /// The current time.
    public static var now: Google_Protobuf_Timestamp { Google_Protobuf_Timestamp(Date()) }

    /// The timestamp as a `Date`.
    public var date: Date {
        Date(timeIntervalSince1970: Double(seconds) + Double(nanos) / 1_000_000_000)
    }

    /// The seconds the protobuf spec allows: 0001-01-01T00:00:00Z to
    /// 9999-12-31T23:59:59Z.
    public static let validSeconds: ClosedRange<Int64> = -62_135_596_800...253_402_300_799

    /// Whether the value is inside the range the protobuf spec allows
    /// (``validSeconds``, nanos in 0..<1e9).
    public var isValid: Bool {
        Self.validSeconds.contains(seconds) && nanos >= 0 && nanos < 1_000_000_000
    }
}
