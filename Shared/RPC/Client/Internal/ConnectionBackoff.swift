/// gRPC's connection backoff: exponential with jitter, as in grpc's
/// `doc/connection-backoff.md`.
public struct ConnectionBackoff: Sendable, Hashable {
    public var initial: Duration
    public var multiplier: Double
    public var jitter: Double
    public var maximum: Duration

    public init(initial: Duration = .seconds(1), multiplier: Double = 1.6, jitter: Double = 0.2,
                maximum: Duration = .seconds(120)) {
        self.initial = initial
        self.multiplier = multiplier
        self.jitter = jitter
        self.maximum = maximum
    }

    /// The wait before attempt number `attempt` (1 after the first failure).
    func delay(afterFailures attempt: Int) -> Duration {
        var seconds = Double(initial.nanoseconds) / 1e9
        for _ in 1..<max(attempt, 1) { seconds *= multiplier }
        seconds = min(seconds, Double(maximum.nanoseconds) / 1e9)
        seconds *= Double.random(in: (1 - jitter)...(1 + jitter))
        return .nanoseconds(Int64(seconds * 1e9))
    }
}
