import Foundation
import GRPCServices
import Logging
import Postgres
import RestaurantAPI
import RPC
import Testing
@testable import Catalog
@testable import ServiceKit

/// The catalog running in this process, as `catalog-service` runs it: the
/// server `ServiceRunner.makeServer` assembles on a free loopback port, its
/// upstream channels as `ServiceRunner.upstreamChannels` makes them, on a
/// pool over a fresh schema with the catalog's migrations applied. Real
/// sockets, real PostgreSQL.
struct CatalogHarness: Sendable {
    static let token = "catalog-test-token"
    /// Call options carrying an accepted token.
    static let auth = CallOptions(timeout: .seconds(30), metadata: Metadata([("authorization", "Bearer \(token)")]))
    /// Call options for reads.
    static let open = CallOptions(timeout: .seconds(30))

    let client: CatalogServiceClient
    let channel: RPCChannel
    let port: Int
    let schema: TestSchema
    let pool: PostgresPool
    let health: HealthService
    let metrics: MetricsRegistry
    /// What `catalog-service` triggers on SIGTERM.
    let shutdown: ShutdownSignal

    /// At most this many catalogs at once across the whole test run.
    private static let limiter = AsyncSemaphore(permits: 4)

    /// Runs `body` against a fresh catalog; tears everything down after.
    /// - Parameters:
    ///   - ratingTarget: `RATING_ADDR` (a rating server, or a closed port),
    ///     nil for none.
    ///   - definition: the catalog, or one with lowered limits.
    static func with<T>(ratingTarget: String? = nil, definition: ServiceDefinition = Catalog.definition,
                        _ body: (CatalogHarness) async throws -> T) async throws -> T {
        try await limiter.withPermit {
            try await run(ratingTarget: ratingTarget, definition: definition, body)
        }
    }

    private static func run<T>(ratingTarget: String?, definition: ServiceDefinition,
                               _ body: (CatalogHarness) async throws -> T) async throws -> T {
        let url = try TestEnvironment.catalogURL()
        let schema = try await TestSchema.create()
        var configuration = PostgresConfiguration(connectionString: url, schema: schema.name,
                                                  applicationName: "catalog-test-\(schema.name.suffix(10))")
        configuration.minConnections = 0
        configuration.maxConnections = 4
        configuration.acquireTimeout = .seconds(30)
        let pool: PostgresPool
        do {
            pool = try PostgresPool(configuration: configuration, logger: TestEnvironment.logger("catalog.tests.db"))
        } catch {
            await schema.drop()
            throw error
        }

        var upstreams: [String: RPCChannel] = [:]
        var server: RPCServer?
        var clientChannel: RPCChannel?
        let shutdown = ShutdownSignal()
        func tearDown() async {
            shutdown.trigger()
            clientChannel?.close()
            await server?.shutdown(drainTimeout: .seconds(2))
            for channel in upstreams.values { channel.close() }
            await pool.shutdown()
            await schema.drop()
        }

        do {
            let migrator = try PostgresMigrator(migrations: PostgresMigration.load(from: definition.migrations),
                                                schema: schema.name)
            try await migrator.run(on: pool)

            var environment = ["DATABASE_URL": url, "DB_SCHEMA": schema.name, "AUTH_TOKENS": token,
                               "LISTEN_ADDR": "127.0.0.1:50051"]
            environment["RATING_ADDR"] = ratingTarget
            var serviceConfiguration = try ServiceConfiguration(
                service: definition.name, defaultPort: definition.defaultPort,
                schema: schema.name, upstreams: definition.upstreams, environment: environment)
            // A free port (LISTEN_ADDR takes 1-65535 only).
            serviceConfiguration.listenPort = 0
            upstreams = try ServiceRunner.upstreamChannels(serviceConfiguration, channel: testChannelConfiguration())
            let health = HealthService(statuses: [definition.grpcServiceName: .serving, "": .serving])
            let context = ServiceContext(configuration: serviceConfiguration, pool: pool,
                                         logger: TestEnvironment.logger("catalog.tests"), health: health,
                                         shutdown: shutdown, channels: upstreams)
            let registry = MetricsRegistry(service: definition.name)
            let rpcServer = try await ServiceRunner.makeServer(definition, context: context, registry: registry,
                                                               logger: TestEnvironment.logger)
            server = rpcServer
            let port = try await rpcServer.start().port!
            let channel = try RPCChannel(target: "127.0.0.1:\(port)", configuration: testChannelConfiguration())
            clientChannel = channel
            let harness = CatalogHarness(client: CatalogServiceClient(channel: channel), channel: channel, port: port,
                                         schema: schema, pool: pool, health: health, metrics: registry,
                                         shutdown: shutdown)
            let result = try await body(harness)
            await tearDown()
            return result
        } catch {
            await tearDown()
            throw error
        }
    }

    // MARK: Building blocks

    /// Creates a category (with the token).
    @discardableResult
    func category(_ name: String, sortOrder: Int32 = 0, active: Bool? = nil) async throws -> RestaurantAPI.Category {
        try await client.createCategory(.with {
            $0.name = name
            $0.sortOrder = sortOrder
            $0.active = active
        }, options: Self.auth)
    }

    /// Creates a product (with the token).
    @discardableResult
    func product(_ categoryID: Int64, _ name: String, price: Int64 = 1000, preparation: Int32 = 10,
                 description: String = "", calories: Int32? = nil, available: Bool? = nil, featured: Bool = false,
                 tags: [String] = []) async throws -> Product {
        try await client.createProduct(.with {
            $0.categoryId = categoryID
            $0.name = name
            $0.priceCents = price
            $0.preparationMinutes = preparation
            $0.description = description
            $0.calories = calories
            $0.available = available
            $0.featured = featured
            $0.tags = tags
        }, options: Self.auth)
    }

    /// Imports `requests` in one ImportProducts call (with the token).
    func importProducts(_ requests: [CreateProductRequest], options: CallOptions = CatalogHarness.auth) async throws -> ImportProductsResponse {
        try await client.importProducts(options: options) { writer in
            for request in requests { try await writer.write(request) }
        }
    }

    /// Every page of a listing, following next_page_token; `between` runs
    /// after each page (to change the data while paging).
    func listAll(_ request: ListProductsRequest, maxPages: Int = 200,
                 between: (Int) async throws -> Void = { _ in }) async throws -> (products: [Product], pages: Int, firstTotal: Int32) {
        var request = request
        var products: [Product] = []
        var pages = 0
        var firstTotal: Int32 = -1
        while true {
            let page = try await client.listProducts(request, options: Self.open)
            pages += 1
            if firstTotal < 0 { firstTotal = page.totalSize }
            products += page.products
            guard !page.nextPageToken.isEmpty else { break }
            guard pages < maxPages else {
                Issue.record("listing did not end after \(maxPages) pages")
                break
            }
            try await between(pages)
            request.pageToken = page.nextPageToken
        }
        return (products, pages, firstTotal)
    }
}

/// Client channels with quick reconnects, for tests.
func testChannelConfiguration() -> RPCChannel.Configuration {
    RPCChannel.Configuration(connectTimeout: .seconds(5),
                             backoff: ConnectionBackoff(initial: .milliseconds(50), maximum: .milliseconds(500)))
}
