import Foundation
import GRPCProtos
import RestaurantAPI
import RPC
import ServiceKitTesting
import Testing

/// `catalog-service` and `rating-service` as real processes on schemas of
/// their own, for what only processes show: `kill -9`, restarts, a stopped
/// upstream. Each keeps its port and schema across restarts.
final class ServiceStack: Sendable {
    static let token = "stack-test-token"
    static let auth = CallOptions(timeout: .seconds(20), metadata: Metadata([("authorization", "Bearer \(token)")]))
    static let open = CallOptions(timeout: .seconds(20))

    let catalogSchema: TestSchema
    let ratingSchema: TestSchema
    let catalogPort: Int
    let ratingPort: Int
    private let processes = Locked<[String: ServiceProcess]>([:])
    let catalogChannel: RPCChannel
    let ratingChannel: RPCChannel

    var catalog: CatalogServiceClient { CatalogServiceClient(channel: catalogChannel) }
    var ratings: RatingServiceClient { RatingServiceClient(channel: ratingChannel) }

    private init(catalogSchema: TestSchema, ratingSchema: TestSchema, catalogPort: Int, ratingPort: Int) throws {
        self.catalogSchema = catalogSchema
        self.ratingSchema = ratingSchema
        self.catalogPort = catalogPort
        self.ratingPort = ratingPort
        catalogChannel = try RPCChannel(target: "127.0.0.1:\(catalogPort)", configuration: testChannelConfiguration())
        ratingChannel = try RPCChannel(target: "127.0.0.1:\(ratingPort)", configuration: testChannelConfiguration())
    }

    /// Runs `body` with both services started and SERVING; stops them and
    /// drops their schemas after.
    static func with<T>(_ body: (ServiceStack) async throws -> T) async throws -> T {
        let catalogSchema = try await TestSchema.create(role: "catalog")
        let ratingSchema = try await TestSchema.create(role: "rating")
        let stack = try ServiceStack(catalogSchema: catalogSchema, ratingSchema: ratingSchema,
                                     catalogPort: try freePort(), ratingPort: try freePort())
        do {
            try await stack.start("catalog-service")
            try await stack.start("rating-service")
            let result = try await body(stack)
            await stack.tearDown()
            return result
        } catch {
            await stack.tearDown()
            throw error
        }
    }

    private func tearDown() async {
        catalogChannel.close()
        ratingChannel.close()
        for process in processes.value.values {
            await process.stop()
            process.removeLog()
        }
        await catalogSchema.drop()
        await ratingSchema.drop()
    }

    private func environment(_ product: String) throws -> [String: String] {
        var environment = ["AUTH_TOKENS": Self.token, "LOG_LEVEL": "warning"]
        if product == "catalog-service" {
            environment["DATABASE_URL"] = try TestEnvironment.databaseURL(role: "catalog")
            environment["DB_SCHEMA"] = catalogSchema.name
            environment["LISTEN_ADDR"] = "127.0.0.1:\(catalogPort)"
        } else {
            environment["DATABASE_URL"] = try TestEnvironment.databaseURL(role: "rating")
            environment["DB_SCHEMA"] = ratingSchema.name
            environment["LISTEN_ADDR"] = "127.0.0.1:\(ratingPort)"
            environment["CATALOG_ADDR"] = "127.0.0.1:\(catalogPort)"
            environment["UPSTREAM_TOKEN"] = Self.token
        }
        return environment
    }

    /// Starts `product` and waits until it reports SERVING.
    func start(_ product: String) async throws {
        let process = try ServiceProcess(product, environment: environment(product))
        processes.mutate { $0[product] = process }
        let channel = product == "catalog-service" ? catalogChannel : ratingChannel
        let service = product == "catalog-service" ? CatalogService.name : RatingService.name
        let serving = await HealthProbe(channel: channel).waitFor(.serving, services: ["", service], timeout: .seconds(60))
        guard serving else {
            throw TestEnvironment.Missing(what: "\(product) did not report SERVING; output:\n\(process.output)")
        }
    }

    /// `kill -9`: the process dies mid-work.
    func kill9(_ product: String) async {
        await processes.value[product]?.kill9()
    }

    /// What `product` has logged.
    func output(_ product: String) -> String {
        processes.value[product]?.output ?? ""
    }
}
