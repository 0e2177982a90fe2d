/// W3C Trace Context `traceparent` values: `00-<trace id>-<parent id>-<flags>`.
enum TraceParent {
    /// A new sampled trace: 16 random bytes of trace id, 8 of parent (span) id.
    static func random() -> String {
        "00-\(randomHex(bytes: 16))-\(randomHex(bytes: 8))-01"
    }

    /// The trace id of a well-formed `traceparent`, else nil.
    static func traceID(of value: String) -> String? {
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[0].count == 2, parts[1].count == 32, parts[2].count == 16,
            parts[1].allSatisfy(\.isHexDigit), parts[1].contains(where: { $0 != "0" })
        else { return nil }
        return String(parts[1])
    }

    /// Lowercase hex of `bytes` random bytes, never all zeros (invalid for both ids).
    private static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        while true {
            let value = (0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) }
            guard value.contains(where: { $0 != 0 }) else { continue }
            return value.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        }
    }
}
