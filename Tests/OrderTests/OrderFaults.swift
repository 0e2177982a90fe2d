import Foundation
import Postgres
import RestaurantAPI
import RPC
import ServiceKitTesting
import Testing

/// Restarts PostgreSQL under load; runs in the last test pass, with the
/// other fault tests, when nothing else uses the cluster.
@Suite("Order faults", .serialized, .enabled(if: TestEnvironment.ownsCluster, "needs the private cluster of scripts/postgres.sh"),
       .timeLimit(.minutes(5)))
struct OrderFaults {
    @Test("PostgreSQL restarted mid-load: callers get UNAVAILABLE, no order is half-written, the service recovers")
    func databaseRestart() async throws {
        try await ProcessStack.with(CrashTests.members(replicas: 1)) { stack in
            let product = try await CrashTests.soup(stack)
            let orders = OrderServiceClient(channel: stack.channel("order-1"))
            let codes = Locked<[RPCStatus.Code]>([])
            let created = Locked(0)
            let running = Locked(true)
            let load = Task {
                var index = 0
                while running.value {
                    index += 1
                    do {
                        _ = try await orders.createOrder(.with {
                            $0.customerId = "c"
                            $0.items = [.with { $0.productId = product; $0.quantity = 1 }]
                            $0.idempotencyKey = "load-\(index)"
                        }, options: ProcessStack.auth)
                        created.mutate { $0 += 1 }
                    } catch let error as RPCError {
                        codes.mutate { $0.append(error.code) }
                        try? await Task.sleep(for: .milliseconds(50))
                    } catch {
                        codes.mutate { $0.append(.unknown) }
                    }
                }
            }
            #expect(await eventually(timeout: .seconds(30)) { created.value >= 20 })
            try TestEnvironment.cluster("restart")
            let before = created.value
            #expect(await eventually(timeout: .seconds(60)) { created.value >= before + 20 }, "the service recovers by itself")
            running.mutate { $0 = false }  // not cancelled: a cancelled call would end CANCELLED
            _ = await load.value
            // The database restart is seen as UNAVAILABLE (a catalog call cut
            // short may be too), never UNKNOWN or INTERNAL.
            #expect(!codes.value.isEmpty && codes.value.allSatisfy { $0 == .unavailable }, "\(codes.value.map(\.name))")
            let schema = stack.schema(role: "order").name
            let broken = try await TestEnvironment.admin().query("""
                SELECT count(*) FROM \(identifier: schema).orders o
                WHERE NOT EXISTS (SELECT 1 FROM \(identifier: schema).order_items i WHERE i.order_id = o.id)
                   OR NOT EXISTS (SELECT 1 FROM \(identifier: schema).order_status_history h WHERE h.order_id = o.id)
                   OR (SELECT count(*) FROM \(identifier: schema).outbox WHERE key = o.id::text) <> 1
                """)[0].decode(Int.self, at: 0)
            #expect(broken == 0, "every order has its items, its history and its event")
        }
    }
}
