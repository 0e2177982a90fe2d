import Foundation
import Postgres
import RestaurantAPI
import RPC
import ServiceKitTesting
import Testing

/// The order service, the catalog and analytics as real processes, with
/// analytics stopped, the order service killed, and two order replicas:
/// every order is counted once, whatever crashes.
@Suite("Orders to analytics across crashes", .serialized, .timeLimit(.minutes(5)))
struct CrashTests {
    static func members(replicas: Int) -> [ProcessStack.Member] {
        var members = [
            ProcessStack.Member(name: "catalog", product: "catalog-service", role: "catalog", grpcService: CatalogService.name),
            ProcessStack.Member(name: "analytics", product: "analytics-service", role: "analytics", grpcService: AnalyticsService.name),
        ]
        for replica in 1...replicas {
            members.append(ProcessStack.Member(name: "order-\(replica)", product: "order-service", role: "order",
                                               grpcService: OrderService.name) { stack in
                ["CATALOG_ADDR": stack.address("catalog"), "ANALYTICS_ADDR": stack.address("analytics")]
            })
        }
        return members
    }

    /// A product priced 500, on the stack's catalog.
    static func soup(_ stack: ProcessStack) async throws -> Int64 {
        let catalog = CatalogServiceClient(channel: stack.channel("catalog"))
        let category = try await catalog.createCategory(.with { $0.name = "Soups" }, options: ProcessStack.auth)
        return try await catalog.createProduct(.with {
            $0.categoryId = category.id
            $0.name = "Soup"
            $0.priceCents = 500
        }, options: ProcessStack.auth).id
    }

    /// Runs `call`, again after UNAVAILABLE (as a client would: a loaded
    /// two-core machine running several stacks can make a pool time out);
    /// safe, as creates carry idempotency keys and nothing was written.
    static func retrying<T: Sendable>(_ call: @Sendable () async throws -> T) async throws -> T {
        for attempt in 1... {
            do {
                return try await call()
            } catch let error as RPCError where error.code == .unavailable && attempt < 5 {
                try await Task.sleep(for: .milliseconds(200 * attempt))
            }
        }
        fatalError("unreachable")
    }

    /// Creates `count` orders through the replicas in turn and moves each to
    /// READY; returns their creation days (UTC).
    static func placeReadyOrders(_ stack: ProcessStack, count: Int, product: Int64, replicas: Int, batch: String = "") async throws -> Set<String> {
        try await withThrowingTaskGroup(of: String.self) { group in
            var days = Set<String>()
            for index in 0..<count {
                group.addTask {
                    let orders = OrderServiceClient(channel: stack.channel("order-\(index % replicas + 1)"))
                    let order = try await retrying {
                        try await orders.createOrder(.with {
                            $0.customerId = "c\(index % 7)"
                            $0.items = [.with { $0.productId = product; $0.quantity = 1 }]
                            $0.idempotencyKey = "key-\(batch)\(index)"
                        }, options: ProcessStack.auth)
                    }
                    for status: OrderStatus in [.confirmed, .preparing, .ready] {
                        _ = try await retrying {
                            try await orders.updateOrderStatus(.with {
                                $0.id = order.id
                                $0.status = status
                            }, options: ProcessStack.auth)
                        }
                    }
                    let day = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: order.createdAt!.date)
                    return "\(day.year!)-\(day.month!)-\(day.day!)"
                }
                if index % 10 == 9 {
                    while let day = try await group.next() { days.insert(day) }
                }
            }
            while let day = try await group.next() { days.insert(day) }
            return days
        }
    }

    /// Counted orders analytics reports over `days` (`year-month-day`).
    static func counted(_ stack: ProcessStack, days: Set<String>) async throws -> Int64 {
        let analytics = AnalyticsServiceClient(channel: stack.channel("analytics"))
        var total: Int64 = 0
        for day in days {
            let parts = day.split(separator: "-").map { Int32($0)! }
            total += try await analytics.getDailyReport(.with {
                $0.date = .with { $0.year = parts[0]; $0.month = parts[1]; $0.day = parts[2] }
            }, options: ProcessStack.open).totalOrders
        }
        return total
    }

    static func pendingEvents(_ stack: ProcessStack) async throws -> Int {
        try await TestEnvironment.admin().query("""
            SELECT count(*) FROM \(identifier: stack.schema(role: "order").name).outbox WHERE delivered_at IS NULL
            """)[0].decode(Int.self, at: 0)
    }

    @Test("Analytics down for 30 s while 200 orders are placed and made ready: all counted once when it returns")
    func analyticsDown() async throws {
        try await ProcessStack.with(Self.members(replicas: 1)) { stack in
            let product = try await Self.soup(stack)
            await stack.kill9("analytics")
            let down = ContinuousClock.now
            let days = try await Self.placeReadyOrders(stack, count: 200, product: product, replicas: 1)
            // Long enough for the relay's backoff to grow to its 30 s ceiling.
            try await Task.sleep(until: down + .seconds(30))
            #expect(try await Self.pendingEvents(stack) == 800, "every change waits in the outbox")
            try await stack.start("analytics")
            #expect(try await eventually(timeout: .seconds(60)) { try await Self.pendingEvents(stack) == 0 },
                    "order-service output:\n\(stack.output("order-1"))")
            #expect(try await Self.counted(stack, days: days) == 200)
        }
    }

    @Test("The order service killed with -9 while events wait: delivered after its restart, counted once")
    func orderServiceKilled() async throws {
        try await ProcessStack.with(Self.members(replicas: 1)) { stack in
            let product = try await Self.soup(stack)
            await stack.kill9("analytics")
            let days = try await Self.placeReadyOrders(stack, count: 30, product: product, replicas: 1)
            await stack.kill9("order-1")
            try await stack.start("analytics")
            try await Task.sleep(for: .seconds(1))
            #expect(try await Self.pendingEvents(stack) == 120, "nobody delivers while the order service is dead")
            try await stack.start("order-1")
            #expect(try await eventually(timeout: .seconds(60)) { try await Self.pendingEvents(stack) == 0 })
            let counted = try await Self.counted(stack, days: days)
            #expect(counted == 30)
        }
    }

    @Test("Two order replicas relaying the same outbox at once: every order counted once")
    func twoReplicas() async throws {
        try await ProcessStack.with(Self.members(replicas: 2)) { stack in
            let product = try await Self.soup(stack)
            await stack.kill9("analytics")
            let days = try await Self.placeReadyOrders(stack, count: 100, product: product, replicas: 2)
            try await stack.start("analytics")
            // More orders while both relays drain the backlog.
            let later = try await Self.placeReadyOrders(stack, count: 40, product: product, replicas: 2, batch: "later-")
            #expect(try await eventually(timeout: .seconds(60)) { try await Self.pendingEvents(stack) == 0 })
            #expect(try await Self.counted(stack, days: days.union(later)) == 140)
        }
    }
}
