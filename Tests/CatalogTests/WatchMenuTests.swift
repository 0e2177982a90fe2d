import ServiceKitTesting
import Foundation
import RestaurantAPI
import RPC
import Testing
@testable import Catalog

/// Collects a watcher's events until one matches `last`.
private func collect(_ stream: RPCResponseStream<MenuEvent>, until last: @escaping @Sendable (MenuEvent) -> Bool,
                     into events: Locked<[MenuEvent]>) -> Task<Void, any Error> {
    Task {
        for try await event in stream {
            events.mutate { $0.append(event) }
            if last(event) { return }
        }
    }
}

@Suite("WatchMenu", .timeLimit(.minutes(2)))
struct WatchMenuTests {
    static let eventTimeout: Duration = .seconds(20)

    @Test("Two watchers get created, updated, availability changed (only on change) and deleted; a category filter applies")
    func events() async throws {
        try await CatalogHarness.with { catalog in
            let soups = try await catalog.category("Soups")
            let desserts = try await catalog.category("Desserts")

            let first = catalog.client.watchMenu(.init(), options: CallOptions())
            let second = catalog.client.watchMenu(.with { $0.categoryId = 0 }, options: CallOptions())
            let dessertsOnly = catalog.client.watchMenu(.with { $0.categoryId = desserts.id }, options: CallOptions())
            // Headers arrive once the server has subscribed.
            for stream in [first, second, dessertsOnly] {
                _ = try await withTimeout(Self.eventTimeout, "WatchMenu headers") { try await stream.initialMetadata() }
            }
            let isSentinel: @Sendable (MenuEvent) -> Bool = { $0.product?.name == "Sentinel" }
            let firstEvents = Locked<[MenuEvent]>([]), secondEvents = Locked<[MenuEvent]>([]), dessertEvents = Locked<[MenuEvent]>([])
            let tasks = [collect(first, until: isSentinel, into: firstEvents),
                         collect(second, until: isSentinel, into: secondEvents),
                         collect(dessertsOnly, until: isSentinel, into: dessertEvents)]

            /// Waits until both all-category watchers saw `count` events.
            func waitForEvents(_ count: Int) async throws {
                let arrived = await eventually(timeout: Self.eventTimeout, interval: .milliseconds(20)) {
                    firstEvents.value.count >= count && secondEvents.value.count >= count
                }
                if !arrived {
                    Issue.record("expected \(count) events, got \(firstEvents.value.map(\.type)) and \(secondEvents.value.map(\.type))")
                    throw TimedOut(what: "menu events")
                }
            }

            let created = try await catalog.product(soups.id, "Pea soup", price: 650, tags: ["green"])
            try await waitForEvents(1)
            let updated = try await catalog.client.updateProduct(.with {
                $0.product = .with {
                    $0.id = created.id
                    $0.priceCents = 700
                }
                $0.updateMask = .init(paths: ["price_cents"])
            }, options: CatalogHarness.auth)
            try await waitForEvents(2)
            let unavailable = try await catalog.client.setProductAvailability(.with {
                $0.id = created.id
                $0.available = false
            }, options: CatalogHarness.auth)
            try await waitForEvents(3)
            // No change: no event. The next event must be the deletion.
            _ = try await catalog.client.setProductAvailability(.with {
                $0.id = created.id
                $0.available = false
            }, options: CatalogHarness.auth)
            _ = try await catalog.client.deleteProduct(.with { $0.id = created.id }, options: CatalogHarness.auth)
            try await waitForEvents(4)
            let sentinel = try await catalog.product(desserts.id, "Sentinel")
            for task in tasks {
                try await withTimeout(Self.eventTimeout, "the sentinel event") { try await task.value }
            }

            for events in [firstEvents.value, secondEvents.value] {
                #expect(events.map(\.type) == [.productCreated, .productUpdated, .productAvailabilityChanged, .productDeleted, .productCreated])
                #expect(events.map(\.productId) == [created.id, created.id, created.id, created.id, sentinel.id])
                #expect(events.allSatisfy { $0.productId == $0.product?.id })
                #expect(events.allSatisfy { $0.product?.rating == nil })
                #expect(events.allSatisfy { $0.occurredAt != nil })
                guard events.count == 5 else { continue }
                #expect(events[0].product?.name == "Pea soup")
                #expect(events[0].product?.tags == ["green"])
                #expect(events[0].occurredAt == created.updatedAt)
                #expect(events[1].product?.priceCents == 700)
                #expect(events[1].occurredAt == updated.updatedAt)
                #expect(events[2].product?.available == false)
                #expect(events[2].occurredAt == unavailable.updatedAt)
                #expect(events[3].product?.archived == true)
                #expect(events[3].occurredAt!.micros >= unavailable.updatedAt!.micros)
                var withoutRating = sentinel
                withoutRating.rating = nil  // events carry no rating
                #expect(events[4].product == withoutRating)
            }
            #expect(dessertEvents.value.map(\.productId) == [sentinel.id], "the desserts watcher sees desserts only")
            #expect(dessertEvents.value.first?.type == .productCreated)
        }
    }

    @Test("Imported products are announced one event each")
    func importEvents() async throws {
        try await CatalogHarness.with { catalog in
            let soups = try await catalog.category("Soups")
            let stream = catalog.client.watchMenu(.init(), options: CallOptions())
            _ = try await withTimeout(Self.eventTimeout, "WatchMenu headers") { try await stream.initialMetadata() }
            let events = Locked<[MenuEvent]>([])
            let task = collect(stream, until: { $0.product?.name == "Import 4" }, into: events)
            let response = try await catalog.importProducts((0..<5).map { index in
                .with {
                    $0.categoryId = soups.id
                    $0.name = "Import \(index)"
                    $0.priceCents = 100
                }
            })
            try await withTimeout(Self.eventTimeout, "import events") { try await task.value }
            #expect(events.value.map(\.type) == Array(repeating: .productCreated, count: 5))
            #expect(events.value.map(\.productId) == response.createdIds)
        }
    }

    @Test("Watchers of one catalog schema never see another schema's changes")
    func schemasDoNotCrossTalk() async throws {
        try await CatalogHarness.with { mine in
            try await CatalogHarness.with { theirs in
                let mineCategory = try await mine.category("Mine")
                let theirCategory = try await theirs.category("Theirs")
                // Product ids start at 1 in both schemas.
                let existing = try await mine.product(mineCategory.id, "Existing")
                let stream = mine.client.watchMenu(.init(), options: CallOptions())
                _ = try await withTimeout(Self.eventTimeout, "WatchMenu headers") { try await stream.initialMetadata() }
                let events = Locked<[MenuEvent]>([])
                let task = collect(stream, until: { $0.product?.name == "Sentinel" }, into: events)
                let foreign = try await theirs.product(theirCategory.id, "Foreign")
                _ = try await theirs.client.setProductAvailability(.with {
                    $0.id = foreign.id
                    $0.available = false
                }, options: CatalogHarness.auth)
                #expect(foreign.id == existing.id)
                // No wait needed: one LISTEN connection delivers notifications
                // in commit order, so had the foreign ones reached this feed,
                // their events would come before the sentinel's.
                let sentinel = try await mine.product(mineCategory.id, "Sentinel")
                try await withTimeout(Self.eventTimeout, "the sentinel event") { try await task.value }
                #expect(events.value.map(\.productId) == [sentinel.id],
                        "events: \(events.value.map { "\($0.type) \($0.productId)" })")
            }
        }
    }

    @Test("A watcher that falls more than its buffer behind gets what fits, then RESOURCE_EXHAUSTED")
    func slowWatcher() async throws {
        try await CatalogHarness.with { catalog in
            let soups = try await catalog.category("Soups")
            let desserts = try await catalog.category("Desserts")
            // A hub of its own on the catalog's schema, with room for 3 events
            // behind (and the one being taken).
            let hub = MenuEventHub(store: CatalogStore(pool: catalog.pool), logger: TestEnvironment.logger("catalog.tests.hub"),
                                   bufferLimit: 3)
            defer { hub.finishAll() }
            let slow = try await hub.subscribe(categoryID: soups.id)
            let witness = try await hub.subscribe(categoryID: desserts.id)

            let imported = try await catalog.importProducts((0..<6).map { index in
                .with {
                    $0.categoryId = soups.id
                    $0.name = "Soup \(index)"
                    $0.priceCents = 100
                }
            })
            #expect(imported.createdCount == 6)
            // The hub publishes in commit order: once the witness has the
            // sentinel, the slow watcher has been offered every soup.
            let sentinel = try await catalog.product(desserts.id, "Sentinel")
            let witnessed: MenuEvent? = try await withTimeout(Self.eventTimeout, "the sentinel event") {
                for try await event in witness { return event }
                return nil
            }
            #expect(witnessed?.productId == sentinel.id)

            var received: [Int64] = []
            await expectStatus(.resourceExhausted,
                               "the watcher fell more than 3 events behind; reconnect and use ListProducts to catch up") {
                for try await event in slow { received.append(event.productId) }
            }
            #expect(received == Array(imported.createdIds[1...4]), "the newest events that fit, oldest first")
        }
    }

    @Test("A change that can no longer be read, or a malformed notification, is skipped; later events still arrive")
    func unreadableChangesAreSkipped() async throws {
        try await CatalogHarness.with { catalog in
            let soups = try await catalog.category("Soups")
            let stream = catalog.client.watchMenu(.init(), options: CallOptions())
            _ = try await withTimeout(Self.eventTimeout, "WatchMenu headers") { try await stream.initialMetadata() }
            let events = Locked<[MenuEvent]>([])
            let task = collect(stream, until: { $0.product?.name == "Sentinel" }, into: events)
            // Announced, then gone before the feed reads it (a row deleted
            // outright), and a payload that is not "<type>:<id>".
            let channel = catalog.schema.name
            try await catalog.pool.notify(channel: channel, payload: "\(MenuEventType.productCreated.rawValue):999999")
            try await catalog.pool.notify(channel: channel, payload: "not an event")
            let sentinel = try await catalog.product(soups.id, "Sentinel")
            try await withTimeout(Self.eventTimeout, "the sentinel event") { try await task.value }
            // In commit order: the two were handled (and skipped) before the sentinel.
            #expect(events.value.map(\.productId) == [sentinel.id])
        }
    }

    @Test("The LISTEN connection's backend terminated: the feed listens again and later changes arrive; changes committed meanwhile are missed")
    func listenerReconnects() async throws {
        // A role of its own, so the database can refuse this catalog (and
        // no other test's) the new connection the feed needs to listen again.
        let login = try await TestLogin.create(like: "catalog")
        do {
            // One connection: the pool's stays open while logins are refused.
            try await CatalogHarness.with(poolSize: 1, login: login) { catalog in
                let soups = try await catalog.category("Soups")
                let stream = catalog.client.watchMenu(.init(), options: CallOptions())
                _ = try await withTimeout(Self.eventTimeout, "WatchMenu headers") { try await stream.initialMetadata() }
                let events = Locked<[MenuEvent]>([])
                let task = collect(stream, until: { $0.product?.name == "After" }, into: events)
                let before = try await catalog.product(soups.id, "Before")
                #expect(await eventually(timeout: Self.eventTimeout, interval: .milliseconds(20)) { events.value.count == 1 })

                let admin = try TestEnvironment.admin()
                let listener = catalog.pool.configuration.applicationName + "-listener"
                func listeners() async throws -> [Int32] {
                    try await admin.query("""
                        SELECT pid FROM pg_stat_activity WHERE application_name = \(listener) AND query LIKE 'LISTEN %'
                        """).map { try $0.decode(Int32.self, at: 0) }
                }
                let first = try await listeners()
                #expect(first.count == 1)
                try await login.allowLogin(false)
                for pid in first { try await admin.execute("SELECT pg_terminate_backend(\(pid))") }
                #expect(try await eventually(timeout: Self.eventTimeout) { try await listeners().isEmpty })
                let missed = try await catalog.product(soups.id, "In the gap")
                try await login.allowLogin(true)
                #expect(try await eventually(timeout: Self.eventTimeout) { try await listeners().count == 1 }, "listening again")
                let after = try await catalog.product(soups.id, "After")

                let arrived = await eventually(timeout: Self.eventTimeout, interval: .milliseconds(20)) {
                    events.value.contains { $0.productId == after.id }
                }
                task.cancel()
                #expect(arrived, "the event after the reconnection")
                #expect(events.value.map(\.productId) == [before.id, after.id], "\(missed.id) was committed in the gap")
            }
        } catch {
            await login.drop()
            throw error
        }
        await login.drop()
    }

    @Test("When the server shuts down, watchers' streams end with UNAVAILABLE")
    func shutdownEndsWatchers() async throws {
        try await CatalogHarness.with { catalog in
            let stream = catalog.client.watchMenu(.init(), options: CallOptions())
            _ = try await withTimeout(Self.eventTimeout, "WatchMenu headers") { try await stream.initialMetadata() }
            catalog.shutdown.trigger()
            await expectStatus(.unavailable, prefix: "the server is shutting down") {
                try await withTimeout(Self.eventTimeout, "the end of the stream") {
                    for try await event in stream { Issue.record("unexpected event \(event.type)") }
                }
            }
        }
    }

    @Test("WatchMenu: category_id must not be negative")
    func negativeCategory() async throws {
        try await CatalogHarness.with { catalog in
            await expectInvalid("category_id must not be negative") {
                for try await _ in catalog.client.watchMenu(.with { $0.categoryId = -1 }, options: CallOptions(timeout: .seconds(20))) {}
            }
        }
    }
}
