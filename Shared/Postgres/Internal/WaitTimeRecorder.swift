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

    /// The samples in storage of their own, taken under the pool's lock to
    /// be sorted outside it. Sharing the ring's buffer instead would make
    /// the next `record` copy it, under the lock.
    func copySamples() -> [Duration] {
        var copy: [Duration] = []
        copy.reserveCapacity(samples.count)
        copy.append(contentsOf: samples)
        return copy
    }

    /// The median and 99th percentile of `samples` (zero if none), sorting
    /// them once.
    static func medianAndP99(of samples: consuming [Duration]) -> (p50: Duration, p99: Duration) {
        guard !samples.isEmpty else { return (.zero, .zero) }
        samples.sort()
        func percentile(_ fraction: Double) -> Duration {
            let index = min(samples.count - 1, Int((Double(samples.count) * fraction).rounded(.up)) - 1)
            return samples[max(0, index)]
        }
        return (percentile(0.5), percentile(0.99))
    }
}
