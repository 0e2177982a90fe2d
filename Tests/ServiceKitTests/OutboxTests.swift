import Foundation
import Postgres
import ServiceKit
import ServiceKitTesting
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(2))) struct OutboxTests {
    static let topic = "test.events"

    /// Writes `perKey` events for each of `keys` keys: one writer per key,
    /// in sequence (as an order's events are), all keys at once, a few
    /// events per transaction.
    static func produce(_ pool: PostgresPool, outbox: Outbox, keys: Int, perKey: Int, perTransaction: Int = 5) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for key in 0..<keys {
                group.addTask {
                    var sequence = 1
                    while sequence <= perKey {
                        let upTo = min(sequence + perTransaction - 1, perKey)
                        let messages = (sequence...upTo).map {
                            Outbox.Message(topic: topic, key: "key-\(key)", payload: Array("key-\(key):\($0)".utf8))
                        }
                        try await pool.withTransaction { try await outbox.enqueue(messages, in: $0) }
                        sequence = upTo + 1
                    }
                }
                if key % 8 == 7 { try await group.next() }  // at most 8 writers at once
            }
            try await group.waitForAll()
        }
    }

    static func configuration() -> OutboxRelay.Configuration {
        var configuration = OutboxRelay.Configuration()
        configuration.initialBackoff = .milliseconds(20)
        configuration.maximumBackoff = .milliseconds(500)
        configuration.pollInterval = .seconds(1)
        return configuration
    }

    /// The value of the series `name{labels}` in Prometheus text.
    static func sample(_ series: String, in text: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last!) }
    }

    @Test(.timeLimit(.minutes(3)))
    func tenThousandEventsAcrossThreeRelaysArriveOnceAndInKeyOrder() async throws {
        try await KitDatabase.with { database in
            let outbox = Outbox(schema: database.schema.name)
            let receiver = ReceivingService(pool: database.pool)
            // Every fifth call fails after nothing was applied: retried batches.
            let calls = Atomic(0)
            let replicas = try (0..<3).map { try database.replica("relay\($0)") }
            let relays = replicas.map { pool in
                OutboxRelay(pool: pool, outbox: outbox, topic: Self.topic, configuration: Self.configuration(),
                            logger: TestEnvironment.logger("relay")) { events in
                    if calls.add(1, ordering: .relaxed).newValue % 5 == 0 { throw ReceivingService.Down() }
                    try await receiver.receive(events)
                }
            }
            let tasks = relays.map { relay in Task { try await relay.run() } }
            try await Self.produce(database.pool, outbox: outbox, keys: 100, perKey: 100)

            let done = await eventually(timeout: .seconds(120)) { receiver.applied >= 10_000 }
            #expect(done, "applied \(receiver.applied) of 10000")
            // Applied is not yet marked delivered: the last batches commit after.
            #expect(try await eventually(timeout: .seconds(30)) {
                try await database.pool.query("SELECT count(*) FROM outbox WHERE delivered_at IS NULL")[0].decode(Int.self, at: 0) == 0
            })
            for task in tasks { task.cancel() }
            for task in tasks { _ = try? await task.value }
            for replica in replicas { await replica.shutdown() }

            #expect(receiver.applied == 10_000)
            #expect(receiver.outOfOrder.isEmpty, "\(receiver.outOfOrder.prefix(5))")
            // The work was shared, and failed batches were retried.
            #expect(relays.filter { $0.counters.delivered > 0 }.count >= 2, "\(relays.map(\.counters.delivered))")
            #expect(relays.map(\.counters.failures).reduce(0, +) > 0)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aReceiverThatIsDownGetsEverythingOnceItIsBackWithBackoffMeanwhile() async throws {
        try await KitDatabase.with { database in
            let outbox = Outbox(schema: database.schema.name)
            let receiver = ReceivingService(pool: database.pool)
            receiver.down.withLock { $0 = true }
            let relay = OutboxRelay(pool: database.pool, outbox: outbox, topic: Self.topic,
                                    configuration: Self.configuration(), logger: TestEnvironment.logger("relay"),
                                    deliver: receiver.receive)
            let registry = MetricsRegistry(service: "test")
            relay.register(in: registry)
            let task = Task { try await relay.run() }
            try await Self.produce(database.pool, outbox: outbox, keys: 5, perKey: 10)

            // Down: attempts back off (far fewer calls than 2 s of polling
            // would make), and the metrics show it.
            try await Task.sleep(for: .seconds(2))
            let failures = relay.counters.failures
            #expect(failures >= 3 && failures <= 40, "\(failures) failed attempts in 2 s")
            #expect(receiver.applied == 0)
            let metrics = registry.render()
            let labels = "{service=\"test\",topic=\"\(Self.topic)\"}"
            #expect(try #require(Self.sample("outbox_delivery_failures_total" + labels, in: metrics)) >= Double(failures))
            #expect(Self.sample("outbox_pending_events" + labels, in: metrics) == 50)
            #expect(try #require(Self.sample("outbox_backoff_seconds" + labels, in: metrics)) > 0)
            #expect(Self.sample("outbox_delivered_total" + labels, in: metrics) == 0)
            let attempts = try await database.pool.query("SELECT min(attempts), max(last_error) FROM outbox")[0]
            #expect(try attempts.decode(Int32.self, at: 0) >= 1)
            #expect(try attempts.decode(String.self, at: 1) == "the receiver is down")

            receiver.down.withLock { $0 = false }
            #expect(await eventually(timeout: .seconds(10)) { receiver.applied == 50 })
            #expect(receiver.outOfOrder.isEmpty)
            #expect(await eventually(timeout: .seconds(5)) { relay.counters.pending == 0 })
            task.cancel()
            _ = try? await task.value
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aRelayThatDiesAfterDeliveringRedeliversAndTheConsumerCountsOnce() async throws {
        try await KitDatabase.with { database in
            let outbox = Outbox(schema: database.schema.name)
            let receiver = ReceivingService(pool: database.pool)
            let relayPool = try database.replica("dying")
            // The first delivery is applied, then the relay's connections
            // die before it can mark the batch delivered.
            let crashed = Mutex(false)
            receiver.afterApply.withLock { hook in
                hook = {
                    guard crashed.withLock({ done in defer { done = true }; return !done }) else { return }
                    try await database.terminate("dying")
                }
            }
            let relay = OutboxRelay(pool: relayPool, outbox: outbox, topic: Self.topic,
                                    configuration: Self.configuration(), logger: TestEnvironment.logger("relay"),
                                    deliver: receiver.receive)
            try await Self.produce(database.pool, outbox: outbox, keys: 4, perKey: 5)
            let task = Task { try await relay.run() }

            #expect(try await eventually(timeout: .seconds(20)) {
                try await database.pool.query("SELECT count(*) FROM outbox WHERE delivered_at IS NULL")[0]
                    .decode(Int.self, at: 0) == 0
            })
            task.cancel()
            _ = try? await task.value
            await relayPool.shutdown()
            #expect(crashed.withLock { $0 })
            // Delivered more than once, applied once.
            #expect(relay.counters.failures >= 1)
            #expect(relay.counters.delivered == 20)
            #expect(receiver.calls > 1)
            #expect(receiver.applied == 20)
            #expect(receiver.outOfOrder.isEmpty)
        }
    }

    @Test func anIdleRelayOnlyPollsAndANotificationWakesItAtOnce() async throws {
        try await KitDatabase.with { database in
            let outbox = Outbox(schema: database.schema.name)
            var configuration = Self.configuration()
            configuration.pollInterval = .seconds(1)
            configuration.linger = .zero
            let receiver = ReceivingService(pool: database.pool)
            let relay = OutboxRelay(pool: database.pool, outbox: outbox, topic: Self.topic, configuration: configuration,
                                    logger: TestEnvironment.logger("relay"), deliver: receiver.receive)
            let task = Task { try await relay.run() }
            try await Task.sleep(for: .milliseconds(300))
            // Woken by the notification, not the poll.
            for sequence in 1...2 {
                let started = ContinuousClock.now
                try await database.pool.withTransaction {
                    try await outbox.enqueue(topic: Self.topic, key: "k", payload: Array("k:\(sequence)".utf8), in: $0)
                }
                #expect(await eventually(timeout: .seconds(5), interval: .milliseconds(5)) { receiver.applied == sequence })
                #expect(ContinuousClock.now - started < .milliseconds(800))
            }
            // Then idle: a claim round per poll, not a spin.
            let before = relay.counters.rounds
            try await Task.sleep(for: .milliseconds(2500))
            let idleRounds = relay.counters.rounds - before
            #expect(idleRounds >= 1 && idleRounds <= 4, "\(idleRounds) rounds in 2.5 s of polling every second")
            task.cancel()
            _ = try? await task.value
        }
    }

    @Test func anEventIsOnlyWrittenWhenItsTransactionCommits() async throws {
        try await KitDatabase.with { database in
            let outbox = Outbox(schema: database.schema.name)
            struct Abandon: Error {}
            await #expect(throws: Abandon.self) {
                try await database.pool.withTransaction { transaction in
                    try await outbox.enqueue(topic: Self.topic, key: "k", payload: [1], in: transaction)
                    throw Abandon()
                }
            }
            let id = try await database.pool.withTransaction {
                try await outbox.enqueue(topic: Self.topic, key: "k", payload: [2], in: $0)
            }
            let rows = try await database.pool.query("SELECT event_id, payload FROM outbox")
            #expect(rows.count == 1)
            #expect(try rows[0].decode(UUID.self, at: 0) == id)
            #expect(try rows[0].decode(Data.self, at: 1) == Data([2]))
        }
    }

    @Test func deliveredEventsArePrunedAfterTheRetention() async throws {
        try await KitDatabase.with { database in
            let outbox = Outbox(schema: database.schema.name)
            var configuration = Self.configuration()
            configuration.retention = .seconds(1)
            configuration.pruneInterval = .milliseconds(200)
            configuration.pollInterval = .milliseconds(100)
            let receiver = ReceivingService(pool: database.pool)
            let relay = OutboxRelay(pool: database.pool, outbox: outbox, topic: Self.topic, configuration: configuration,
                                    logger: TestEnvironment.logger("relay"), deliver: receiver.receive)
            try await Self.produce(database.pool, outbox: outbox, keys: 2, perKey: 3)
            let task = Task { try await relay.run() }
            #expect(await eventually(timeout: .seconds(10)) { receiver.applied == 6 })
            #expect(try await eventually(timeout: .seconds(10)) {
                try await database.pool.query("SELECT count(*) FROM outbox")[0].decode(Int.self, at: 0) == 0
            })
            task.cancel()
            _ = try? await task.value
        }
    }
}
