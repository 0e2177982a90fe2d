import Foundation
import Synchronization

/// Counters and latency histograms of the calls a server handles, rendered
/// in Prometheus' text format, plus gauges sampled at scrape time.
public final class MetricsRegistry: Sendable {
    /// Upper bounds of the latency buckets, in seconds.
    static let buckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private struct Histogram {
        var counts = [UInt64](repeating: 0, count: MetricsRegistry.buckets.count)
        var count: UInt64 = 0
        var sum: Double = 0
    }

    private struct State {
        var calls: [String: [String: UInt64]] = [:]  // method → code → count
        var latencies: [String: Histogram] = [:]
        var samples: [Samples] = []
    }

    /// A series read when metrics are scraped.
    private struct Samples {
        let name: String
        let help: String
        let type: String
        let read: @Sendable () -> [(labels: String, value: Double)]
    }

    private let state = Mutex(State())
    private let service: String

    /// - Parameter service: the `service` label on every series.
    public init(service: String) {
        self.service = service
    }

    /// Records a finished call.
    public func record(method: String, code: String, seconds: Double) {
        state.withLock { state in
            state.calls[method, default: [:]][code, default: 0] += 1
            var histogram = state.latencies[method] ?? Histogram()
            histogram.count += 1
            histogram.sum += seconds
            if let bucket = Self.buckets.firstIndex(where: { seconds <= $0 }) { histogram.counts[bucket] += 1 }
            state.latencies[method] = histogram
        }
    }

    /// Adds gauges read when metrics are scraped (pool connections, say).
    /// `read` returns label sets (`state="idle"`) and values.
    public func addGauge(_ name: String, help: String, read: @escaping @Sendable () -> [(labels: String, value: Double)]) {
        state.withLock { $0.samples.append(Samples(name: name, help: help, type: "gauge", read: read)) }
    }

    /// Adds counters kept elsewhere (an outbox relay's deliveries, say),
    /// read when metrics are scraped; `read` returns cumulative totals.
    public func addCounter(_ name: String, help: String, read: @escaping @Sendable () -> [(labels: String, value: Double)]) {
        state.withLock { $0.samples.append(Samples(name: name, help: help, type: "counter", read: read)) }
    }

    /// Everything in Prometheus' text exposition format.
    public func render() -> String {
        let (calls, latencies, series) = state.withLock { ($0.calls, $0.latencies, $0.samples) }
        let service = Self.escape(self.service)
        var out = "# HELP rpc_server_calls_total Calls handled, by method and status code.\n# TYPE rpc_server_calls_total counter\n"
        for (method, codes) in calls.sorted(by: { $0.key < $1.key }) {
            for (code, count) in codes.sorted(by: { $0.key < $1.key }) {
                out += "rpc_server_calls_total{service=\"\(service)\",method=\"\(Self.escape(method))\",code=\"\(code)\"} \(count)\n"
            }
        }
        out += "# HELP rpc_server_call_duration_seconds Call latency, by method.\n# TYPE rpc_server_call_duration_seconds histogram\n"
        for (method, histogram) in latencies.sorted(by: { $0.key < $1.key }) {
            let labels = "service=\"\(service)\",method=\"\(Self.escape(method))\""
            var cumulative: UInt64 = 0
            for (bound, count) in zip(Self.buckets, histogram.counts) {
                cumulative += count
                out += "rpc_server_call_duration_seconds_bucket{\(labels),le=\"\(bound)\"} \(cumulative)\n"
            }
            out += "rpc_server_call_duration_seconds_bucket{\(labels),le=\"+Inf\"} \(histogram.count)\n"
            out += "rpc_server_call_duration_seconds_sum{\(labels)} \(histogram.sum)\n"
            out += "rpc_server_call_duration_seconds_count{\(labels)} \(histogram.count)\n"
        }
        for samples in series {
            out += "# HELP \(samples.name) \(samples.help)\n# TYPE \(samples.name) \(samples.type)\n"
            for sample in samples.read() {
                let labels = sample.labels.isEmpty ? "service=\"\(service)\"" : "service=\"\(service)\",\(sample.labels)"
                out += "\(samples.name){\(labels)} \(sample.value)\n"
            }
        }
        return out
    }

    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}

