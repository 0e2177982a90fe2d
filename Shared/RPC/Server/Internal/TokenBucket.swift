import NIOCore

/// Allows a burst of events, then a steady rate: the rapid-reset defence
/// counts RST_STREAM frames with it.
struct TokenBucket {
    let capacity: Double
    let refillPerSecond: Double
    private var tokens: Double
    private var lastRefill: NIODeadline

    init(capacity: Int, refillPerSecond: Int, now: NIODeadline = .now()) {
        self.capacity = Double(capacity)
        self.refillPerSecond = Double(refillPerSecond)
        self.tokens = Double(capacity)
        self.lastRefill = now
    }

    /// Takes one token; false when the bucket is empty.
    mutating func take(now: NIODeadline = .now()) -> Bool {
        let elapsed = Double((now - lastRefill).nanoseconds) / 1_000_000_000
        tokens = min(capacity, tokens + elapsed * refillPerSecond)
        lastRefill = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
