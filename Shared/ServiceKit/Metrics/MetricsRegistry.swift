import CoreMetrics
import Prometheus
import Synchronization

/// A service's metrics: swift-metrics instruments recorded into a
/// swift-prometheus registry of the service's own (``factory``), plus
/// gauges and counters kept elsewhere (pool state, outbox backlog), read
/// when metrics are scraped. Every series carries `service="<name>"`.
///
/// The factory is passed explicitly rather than bootstrapped globally, so
/// services sharing a process (the tests run many) never mix their series.
public final class MetricsRegistry: Sendable {
    /// Upper bounds of latency histograms: 0.5 ms to 10 s.
    static let latencyBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    /// The registry ``render()`` writes out.
    public let prometheus: PrometheusCollectorRegistry
    /// Where this service's swift-metrics instruments record:
    /// `Counter(label:dimensions:factory:)`.
    public let factory: any MetricsFactory
    public let service: String

    private enum Kind { case gauge, counter }

    private struct Sampled {
        let name: String
        let help: String
        let kind: Kind
        let read: @Sendable () -> [(labels: [(String, String)], value: Double)]
    }

    private struct State {
        var sampled: [Sampled] = []
        /// The last total reported per counter series (name and labels).
        var reportedTotals: [String: Double] = [:]
    }

    private let state = Mutex(State())

    /// - Parameter service: the `service` label on every series.
    public init(service: String) {
        prometheus = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: prometheus)
        factory.defaultDurationHistogramBuckets = Self.latencyBuckets
        self.factory = factory
        self.service = service
    }

    /// `labels` after the `service` label.
    public func dimensions(_ labels: [(String, String)]) -> [(String, String)] {
        [("service", service)] + labels
    }

    /// Adds gauges read when metrics are scraped (pool connections, say):
    /// `read` returns label sets and values.
    public func addGauge(_ name: String, help: String,
                         read: @escaping @Sendable () -> [(labels: [(String, String)], value: Double)]) {
        state.withLock { $0.sampled.append(Sampled(name: name, help: help, kind: .gauge, read: read)) }
    }

    /// Adds counters kept elsewhere (an outbox relay's deliveries, say),
    /// read when metrics are scraped: `read` returns cumulative totals.
    public func addCounter(_ name: String, help: String,
                           read: @escaping @Sendable () -> [(labels: [(String, String)], value: Double)]) {
        state.withLock { $0.sampled.append(Sampled(name: name, help: help, kind: .counter, read: read)) }
    }

    /// Everything in Prometheus' text exposition format.
    public func render() -> String {
        // Under the lock: two scrapes at once must not both add a counter's growth.
        state.withLock { state in
            for sampled in state.sampled {
                for sample in sampled.read() {
                    let labels = dimensions(sample.labels)
                    switch sampled.kind {
                    case .gauge:
                        prometheus.makeGauge(name: sampled.name, labels: labels, help: sampled.help).set(sample.value)
                    case .counter:
                        let key = sampled.name + labels.map { "\u{0}\($0.0)=\($0.1)" }.joined()
                        // Made even at 0, so the series exists from the first scrape.
                        let counter = prometheus.makeCounter(name: sampled.name, labels: labels, help: sampled.help)
                        let growth = sample.value - state.reportedTotals[key, default: 0]
                        guard growth > 0 else { continue }
                        counter.increment(by: growth)
                        state.reportedTotals[key] = sample.value
                    }
                }
            }
        }
        var buffer: [UInt8] = []
        prometheus.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
