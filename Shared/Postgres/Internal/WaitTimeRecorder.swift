/// Keeps the most recent acquire wait times to report percentiles without
/// growing: a fixed ring of samples, sorted only when a snapshot is taken.
struct WaitTimeRecorder {
    private var samples: [Duration] = []
    private var next = 0
    private let capacity = 4096

    mutating func record(_ wait: Duration) {
        if samples.count < capacity {
            samples.append(wait)
        } else {
            samples[next] = wait
            next = (next + 1) % capacity
        }
    }

    /// The `fraction` percentile (0…1) of the recorded waits, zero if none.
    func percentile(_ fraction: Double) -> Duration {
        guard !samples.isEmpty else { return .zero }
        let sorted = samples.sorted()
        let index = min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)
        return sorted[max(0, index)]
    }
}
