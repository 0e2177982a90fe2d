import Foundation
import Postgres
import ServiceKit
import ServiceKitTesting
import Testing

@Suite(.timeLimit(.minutes(2))) struct ProcessedEventsTests {
    @Test func onlyNewIdsAreReturnedAndOnlyOnceUnderConcurrency() async throws {
        try await KitDatabase.with(tables: [.processedEvents], maxConnections: 8) { database in
            let processed = ProcessedEvents()
            let ids = (0..<50).map { _ in UUID().uuidString }
            let first = try await database.pool.withTransaction { try await processed.record(Array(ids[..<20]), in: $0) }
            #expect(first == Set(ids[..<20]))
            // Eight consumers race for the same ids: each id is new to one.
            let winners = try await withThrowingTaskGroup(of: Set<String>.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await database.pool.withTransaction { try await processed.record(ids + ids, in: $0) } }
                }
                return try await group.reduce(into: [Set<String>]()) { $0.append($1) }
            }
            #expect(winners.map(\.count).reduce(0, +) == 30)
            #expect(winners.reduce(into: Set<String>()) { $0.formUnion($1) } == Set(ids[20...]))
            // Rolled back with the consumer's effects: still new next time.
            let rolledBack = UUID().uuidString
            struct Fail: Error {}
            await #expect(throws: Fail.self) {
                try await database.pool.withTransaction { transaction in
                    _ = try await processed.record([rolledBack], in: transaction)
                    throw Fail()
                }
            }
            #expect(try await database.pool.withTransaction { try await processed.record([rolledBack], in: $0) } == [rolledBack])
        }
    }

    @Test func pruningRemovesOnlyIdsPastTheRetention() async throws {
        try await KitDatabase.with(tables: [.processedEvents]) { database in
            let old = UUID().uuidString, recent = UUID().uuidString
            _ = try await database.pool.withTransaction { try await ProcessedEvents().record([old, recent], in: $0) }
            try await database.pool.execute("UPDATE processed_events SET processed_at = now() - interval '2 hours' WHERE event_id = \(old)")
            #expect(try await ProcessedEvents(retention: .seconds(3600)).prune(on: database.pool) == 1)
            let left = try await database.pool.query("SELECT event_id FROM processed_events").map { try $0.decode(String.self, at: 0) }
            #expect(left == [recent])
        }
    }
}
