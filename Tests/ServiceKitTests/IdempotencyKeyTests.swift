import Foundation
import Postgres
import RestaurantAPI
import RPC
import ServiceKit
import ServiceKitTesting
import Testing

@Suite(.timeLimit(.minutes(2))) struct IdempotencyKeyTests {
    static let keys = IdempotencyKeys()

    /// A create that records itself, so the test can count how often it ran.
    static func create(_ request: RateProductRequest, in transaction: PostgresConnection) async throws -> Rating {
        try await transaction.execute("CREATE TABLE IF NOT EXISTS creations (n int)")
        try await transaction.execute("INSERT INTO creations VALUES (1)")
        try await Task.sleep(for: .milliseconds(20))  // widen the race
        return .with {
            $0.productId = request.productId
            $0.userId = request.userId
            $0.stars = request.stars
            $0.review = UUID().uuidString  // differs per run: a second run would show
        }
    }

    @Test func twentyConcurrentIdenticalRequestsCreateOnceAndAllGetItsResult() async throws {
        try await KitDatabase.with(tables: [.idempotencyKeys], maxConnections: 20) { database in
            try await database.pool.execute("CREATE TABLE creations (n int)")
            let request = RateProductRequest.with {
                $0.productId = 7
                $0.userId = "ada"
                $0.stars = 5
            }
            let results = try await withThrowingTaskGroup(of: Rating.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await Self.keys.run(scope: "customer-1", key: "k-1", request: request, on: database.pool) {
                            try await Self.create(request, in: $0)
                        }
                    }
                }
                return try await group.reduce(into: [Rating]()) { $0.append($1) }
            }
            #expect(results.count == 20)
            #expect(Set(results.map(\.review)).count == 1)
            let runs = try await database.pool.query("SELECT count(*) FROM creations")[0].decode(Int.self, at: 0)
            #expect(runs == 1)
        }
    }

    @Test func aKeyReusedWithAnotherRequestIsRefusedAndScopesAreSeparate() async throws {
        try await KitDatabase.with(tables: [.idempotencyKeys]) { database in
            try await database.pool.execute("CREATE TABLE creations (n int)")
            let first = RateProductRequest.with { $0.productId = 1; $0.userId = "ada"; $0.stars = 4 }
            var second = first
            second.stars = 2
            let created = try await Self.keys.run(scope: "c1", key: "same", request: first, on: database.pool) {
                try await Self.create(first, in: $0)
            }
            await expectStatus(.failedPrecondition, "idempotency_key 'same' was already used with a different request") {
                try await Self.keys.run(scope: "c1", key: "same", request: second, on: database.pool) {
                    try await Self.create(second, in: $0)
                }
            }
            // The same key in another scope is another key.
            let other = try await Self.keys.run(scope: "c2", key: "same", request: second, on: database.pool) {
                try await Self.create(second, in: $0)
            }
            #expect(other.stars == 2 && other.review != created.review)
            await expectInvalid("idempotency_key must be between 1 and 128 characters") {
                try await Self.keys.run(scope: "c1", key: "", request: first, on: database.pool) {
                    try await Self.create(first, in: $0)
                }
            }
        }
    }

    @Test func aFailedCreateLeavesItsKeyFreeForTheRetry() async throws {
        try await KitDatabase.with(tables: [.idempotencyKeys]) { database in
            try await database.pool.execute("CREATE TABLE creations (n int)")
            let request = RateProductRequest.with { $0.productId = 3; $0.userId = "bo"; $0.stars = 3 }
            await expectStatus(.unavailable, "upstream down") {
                try await Self.keys.run(scope: "c", key: "retry-me", request: request, on: database.pool) { _ -> Rating in
                    throw RPCError(.unavailable, "upstream down")
                }
            }
            let rating = try await Self.keys.run(scope: "c", key: "retry-me", request: request, on: database.pool) {
                try await Self.create(request, in: $0)
            }
            #expect(rating.stars == 3)
        }
    }
}
