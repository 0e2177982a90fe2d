/// The `grpc-timeout` header: a positive integer of at most 8 digits and a
/// unit (H, M, S, m, u, n).
enum GRPCTimeout {
    /// Parses a header value; nil when malformed.
    static func parse(_ value: String) -> Duration? {
        let utf8 = Array(value.utf8)
        guard utf8.count >= 2, utf8.count <= 9 else { return nil }
        var amount: Int64 = 0
        for digit in utf8.dropLast() {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            amount = amount * 10 + Int64(digit - UInt8(ascii: "0"))
        }
        switch utf8.last! {
        case UInt8(ascii: "H"): return .seconds(amount * 3600)
        case UInt8(ascii: "M"): return .seconds(amount * 60)
        case UInt8(ascii: "S"): return .seconds(amount)
        case UInt8(ascii: "m"): return .milliseconds(amount)
        case UInt8(ascii: "u"): return .microseconds(amount)
        case UInt8(ascii: "n"): return .nanoseconds(amount)
        default: return nil
        }
    }

    /// Units from the finest, with their length in nanoseconds.
    private static let units: [(Character, Int64)] = [("n", 1), ("u", 1_000), ("m", 1_000_000), ("S", 1_000_000_000),
                                                       ("M", 60_000_000_000), ("H", 3_600_000_000_000)]

    /// Encodes `duration` (rounded up, never shortening the deadline) in the
    /// finest unit that fits 8 digits.
    static func encode(_ duration: Duration) -> String {
        let nanoseconds = max(duration.nanoseconds, 1)
        for (unit, scale) in units {
            let amount = (nanoseconds + scale - 1) / scale
            if amount < 100_000_000 { return "\(amount)\(unit)" }
        }
        return "99999999H"
    }
}

extension Duration {
    /// The duration in whole nanoseconds, saturating.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return scaled.addingReportingOverflow(attoseconds / 1_000_000_000).overflow ? .max : scaled + attoseconds / 1_000_000_000
    }
}
