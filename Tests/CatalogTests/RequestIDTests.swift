import ServiceKitTesting
import Foundation
import RestaurantAPI
import RPC
import Testing

/// One user action can be followed through every service's log by its
/// `x-request-id` (sent on to upstreams: ServiceKitTests).
@Suite("Request ids", .timeLimit(.minutes(2)))
struct RequestIDTests {
    @Test("x-request-id is echoed in the response headers, cut to 128 characters; one is made when absent")
    func echoed() async throws {
        try await CatalogHarness.with { catalog in
            let mains = try await catalog.category("Mains")
            let product = try await catalog.product(mains.id, "Soup")
            func get(requestID: String?) async throws -> RPCUnaryResponse<Product> {
                var options = CatalogHarness.open
                if let requestID { options.metadata.add("x-request-id", requestID) }
                return try await catalog.channel.unaryCall(CatalogService.Method.getProduct,
                                                           request: .with { $0.id = product.id }, options: options)
            }

            let given = try await get(requestID: "trace-42")
            #expect(given.initialMetadata["x-request-id"] == "trace-42")

            let made = try await get(requestID: nil)
            let id = try #require(made.initialMetadata["x-request-id"])
            #expect(UUID(uuidString: id) != nil && id == id.lowercased(), "\(id)")

            let long = String(repeating: "r", count: 300)
            let cut = try await get(requestID: long)
            #expect(cut.initialMetadata["x-request-id"] == String(long.prefix(128)))
        }
    }
}
