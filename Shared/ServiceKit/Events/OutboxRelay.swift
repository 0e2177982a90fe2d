import Foundation
import Logging
import Postgres
import Synchronization
import Tracing

/// Delivers an ``Outbox``'s events of one topic, in batches, through a
/// caller-supplied `deliver`, and marks them delivered.
///
/// - Immediate: a NOTIFY from ``Outbox/enqueue(_:in:)`` wakes the relay, so
///   a receiver that is up gets an event within milliseconds (after
///   ``Configuration/linger``, to gather a batch); a slow poll covers
///   notifications lost while the listening connection was down.
/// - At least once: a batch is marked delivered in the transaction that
///   locked it, after `deliver` returned; a relay killed before it commits
///   leaves the rows to be delivered again, so receivers deduplicate by
///   ``OutboxEvent/id`` (``ProcessedEvents``).
/// - Ordered per key, across replicas: rows are claimed with
///   `FOR UPDATE SKIP LOCKED`, and a relay delivers an event only when no
///   earlier event of its key is still pending, so replicas share the work
///   without overtaking each other within a key.
/// - Patient: while `deliver` fails, the batch is retried with exponential
///   backoff and jitter; attempts and the last error are kept on the rows.
/// - Tidy: delivered rows are deleted after ``Configuration/retention``.
public final class OutboxRelay: Sendable {
    public struct Configuration: Sendable {
        /// Events per `deliver` call, at most.
        public var batchSize = 100
        /// How long to wait after a wake-up before claiming, so events
        /// written together travel together.
        public var linger: Duration = .milliseconds(2)
        /// The safety-net poll when no notification arrives.
        public var pollInterval: Duration = .seconds(5)
        /// The first pause after a failed delivery, doubled per failure.
        public var initialBackoff: Duration = .milliseconds(100)
        /// The longest pause between attempts.
        public var maximumBackoff: Duration = .seconds(30)
        /// How long delivered rows are kept.
        public var retention: Duration = .seconds(7 * 24 * 3600)
        /// How often delivered rows past retention are deleted.
        public var pruneInterval: Duration = .seconds(60)

        public init() {}
    }

    public let topic: String
    public let configuration: Configuration
    private let pool: PostgresPool
    private let outbox: Outbox
    private let deliver: @Sendable ([OutboxEvent]) async throws -> Void
    private let logger: Logger
    private let wake = WakeSignal()
    private let state = Mutex(Counters())

    /// What the relay has done, for metrics and tests.
    public struct Counters: Sendable, Equatable {
        /// Claim rounds run (each one short transaction): grows with
        /// wake-ups and polls, not while the relay idles.
        public var rounds = 0
        /// Events delivered and marked so (a redelivered event counts again).
        public var delivered = 0
        /// Failed rounds: `deliver` threw, or the database failed.
        public var failures = 0
        /// Events waiting, when last measured.
        public var pending = 0
        /// Age of the oldest waiting event, in seconds, when last measured.
        public var oldestPendingAge: Double = 0
        /// The pause before the next attempt; zero while deliveries succeed.
        public var currentBackoff: Duration = .zero
    }

    /// - Parameters:
    ///   - topic: the events this relay delivers.
    ///   - deliver: sends a batch; it returns only once the receiver has
    ///     them (a throw retries the batch later).
    public init(pool: PostgresPool, outbox: Outbox, topic: String, configuration: Configuration = Configuration(),
                logger: Logger, deliver: @escaping @Sendable ([OutboxEvent]) async throws -> Void) {
        self.pool = pool
        self.outbox = outbox
        self.topic = topic
        self.configuration = configuration
        self.logger = logger
        self.deliver = deliver
    }

    public var counters: Counters { state.withLock { $0 } }

    /// Adds the relay's series to `registry`: `outbox_pending_events`,
    /// `outbox_oldest_pending_seconds`, `outbox_backoff_seconds` (gauges),
    /// `outbox_delivered_total`, `outbox_delivery_failures_total`.
    public func register(in registry: MetricsRegistry) {
        let labels = [("topic", topic)]
        registry.addGauge("outbox_pending_events", help: "Events waiting for delivery.") {
            [(labels, Double(self.counters.pending))]
        }
        registry.addGauge("outbox_oldest_pending_seconds", help: "Age of the oldest waiting event.") {
            [(labels, self.counters.oldestPendingAge)]
        }
        registry.addGauge("outbox_backoff_seconds", help: "Pause before the next delivery attempt.") {
            let (seconds, attoseconds) = self.counters.currentBackoff.components
            return [(labels, Double(seconds) + Double(attoseconds) / 1e18)]
        }
        registry.addCounter("outbox_delivered_total", help: "Events delivered.") {
            [(labels, Double(self.counters.delivered))]
        }
        registry.addCounter("outbox_delivery_failures_total", help: "Failed delivery attempts.") {
            [(labels, Double(self.counters.failures))]
        }
    }

    /// Delivers until the task is cancelled.
    public func run() async throws {
        let notifications = try await pool.listen(channel: outbox.channel)
        let listener = Task { [wake] in
            for await _ in notifications { wake.signal() }
        }
        defer { listener.cancel() }
        var failures = 0
        var lastPrune: ContinuousClock.Instant?
        // The pending count is one more query: taken before the relay idles or
        // backs off, and at most every second while it drains a backlog.
        var lastMeasure = ContinuousClock.now
        func measureIfDue(draining: Bool) async {
            guard !draining || ContinuousClock.now - lastMeasure >= .seconds(1) else { return }
            lastMeasure = ContinuousClock.now
            await measure()
        }
        while !Task.isCancelled {
            if lastPrune.map({ ContinuousClock.now - $0 >= configuration.pruneInterval }) ?? true {
                lastPrune = ContinuousClock.now
                await prune()
            }
            do {
                let claimed = try await deliverBatch()
                failures = 0
                state.withLock { $0.currentBackoff = .zero }
                let draining = claimed == configuration.batchSize  // more may wait
                await measureIfDue(draining: draining)
                if draining { continue }
                await wake.wait(timeout: configuration.pollInterval)
                if configuration.linger > .zero { try? await Task.sleep(for: configuration.linger) }
            } catch is CancellationError {
                return
            } catch {
                failures += 1
                let delay = backoff(afterFailures: failures)
                state.withLock {
                    $0.failures += 1
                    $0.currentBackoff = delay
                }
                if failures == 1 || failures.isMultiple(of: 10) {
                    logger.warning("outbox delivery failed; retrying", metadata: [
                        "topic": "\(topic)", "attempt": "\(failures)", "retry_in": "\(delay)", "error": "\(error)",
                    ])
                }
                await measureIfDue(draining: false)
                try? await Task.sleep(for: delay)
            }
        }
    }

    /// `deliver(events)`, in a span continuing the trace of the first
    /// event's change and linking the others' (without tracing, just the call).
    private func deliverTraced(_ events: [OutboxEvent]) async throws {
        guard events.contains(where: { $0.traceContext != nil }) else { return try await deliver(events) }
        let parent = StoredTraceContext.context(events[0].traceContext) ?? .topLevel
        try await withSpan("outbox deliver \(topic)", context: parent, ofKind: .producer) { span in
            span.attributes["messaging.destination.name"] = topic
            span.attributes["messaging.batch.message_count"] = events.count
            for event in events.dropFirst() {
                if let linked = StoredTraceContext.context(event.traceContext) { span.addLink(SpanLink(context: linked, attributes: [:])) }
            }
            try await deliver(events)
        }
    }

    /// Exponential backoff with jitter (half to all of the doubled delay).
    func backoff(afterFailures failures: Int) -> Duration {
        let doubled = configuration.initialBackoff * (1 << min(failures - 1, 20))
        let capped = min(doubled, configuration.maximumBackoff)
        return capped * Double.random(in: 0.5...1.0)
    }

    /// Claims up to a batch of pending events, delivers those whose key has
    /// no earlier pending event, and marks them delivered; returns how many
    /// rows it claimed. Throws what `deliver` throws, after recording the
    /// attempt on the rows.
    @discardableResult
    public func deliverBatch() async throws -> Int {
        let failure = Mutex<(any Error)?>(nil)
        let (claimed, delivered) = try await pool.withTransaction { transaction -> (Int, Int) in
            let rows = try await transaction.query("""
                SELECT id, event_id, key, payload, created_at, trace_context FROM outbox
                WHERE topic = \(topic) AND delivered_at IS NULL
                ORDER BY id LIMIT \(literal: configuration.batchSize) FOR UPDATE SKIP LOCKED
                """)
            guard !rows.isEmpty else { return (0, 0) }
            var events: [OutboxEvent] = []
            for row in rows {
                let (position, id, key, payload, createdAt, traceContext) =
                    try row.decode((Int64, UUID, String, Data, Date, String?).self)
                events.append(OutboxEvent(position: position, id: id, topic: topic, key: key,
                                          payload: [UInt8](payload), createdAt: createdAt, traceContext: traceContext))
            }
            let ready = try await Self.inKeyOrder(events, topic: topic, transaction: transaction)
            guard !ready.isEmpty else { return (rows.count, 0) }
            let positions = ready.map(\.position)
            do {
                try await deliverTraced(ready)
            } catch {
                // Keep the attempt on the rows (committed), then report it.
                try await transaction.execute("""
                    UPDATE outbox SET attempts = attempts + 1, last_error = \(String(describing: error).prefix(500).description)
                    """ + " WHERE " + .column("id", isAnyOf: positions))
                failure.withLock { $0 = error }
                return (rows.count, 0)
            }
            // Mostly one event per round: `.column` keeps that statement's plan cached.
            try await transaction.execute("UPDATE outbox SET delivered_at = now() WHERE " + .column("id", isAnyOf: positions))
            return (rows.count, ready.count)
        }
        state.withLock { $0.rounds += 1 }
        if let error = failure.withLock({ $0 }) { throw error }
        state.withLock { $0.delivered += delivered }
        return claimed
    }

    /// The claimed events that may go now: for each key, those before the
    /// first pending event of that key this relay did not claim (another
    /// relay holds it, or it was written after the claim).
    private static func inKeyOrder(_ events: [OutboxEvent], topic: String,
                                   transaction: PostgresConnection) async throws -> [OutboxEvent] {
        let keys = Array(Set(events.map(\.key)))
        let claimed = events.map(\.position)
        let blockers = try await transaction.query("""
            SELECT key, min(id) FROM outbox
            WHERE topic = \(topic) AND delivered_at IS NULL AND key = ANY(\(keys))
              AND id <= \(claimed.max()!) AND NOT (id = ANY(\(claimed)))
            GROUP BY key
            """)
        var firstBlocked: [String: Int64] = [:]
        for row in blockers {
            let (key, position) = try row.decode((String, Int64).self)
            firstBlocked[key] = position
        }
        return events.filter { event in firstBlocked[event.key].map { event.position < $0 } ?? true }
    }

    /// Refreshes the pending count and oldest age (a read of the partial index).
    private func measure() async {
        do {
            let row = try await pool.query("""
                SELECT count(*)::bigint, COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8
                FROM outbox WHERE topic = \(topic) AND delivered_at IS NULL
                """)[0]
            let (pending, age) = try row.decode((Int64, Double).self)
            state.withLock {
                $0.pending = Int(pending)
                $0.oldestPendingAge = age
            }
        } catch {
            logger.debug("cannot measure the outbox", metadata: ["error": "\(error)"])
        }
    }

    /// Deletes delivered rows older than the retention period, in bounded
    /// batches so a large backlog never holds long locks.
    private func prune() async {
        let seconds = Double(configuration.retention.components.seconds)
        do {
            while !Task.isCancelled {
                let deleted = try await pool.execute("""
                    DELETE FROM outbox WHERE id IN (
                        SELECT id FROM outbox
                        WHERE topic = \(topic) AND delivered_at < now() - make_interval(secs => \(seconds))
                        LIMIT 5000)
                    """, idempotent: true)
                if deleted < 5000 { break }
            }
        } catch {
            logger.warning("cannot prune the outbox", metadata: ["error": "\(error)"])
        }
    }
}
