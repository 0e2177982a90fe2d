import Foundation
import GRPCProtos
import RPC
import Testing

/// Service binaries as real processes, each on a schema of its own and a
/// port it takes at its first start (port 0) and keeps across restarts, for
/// what only processes show: `kill -9`, restarts, a stopped upstream, two
/// replicas of one service.
public final class ProcessStack: Sendable {
    /// One process of the stack.
    public struct Member: Sendable {
        /// How tests name it (`order`, `order-2`).
        public let name: String
        /// The binary (`order-service`).
        public let product: String
        /// Whose database role and schema it uses; replicas share one.
        public let role: String
        /// The gRPC service it reports health for.
        public let grpcService: String
        /// Variables beyond the stack's (`CATALOG_ADDR` …), given the stack.
        public let environment: @Sendable (ProcessStack) -> [String: String]

        public init(name: String, product: String, role: String, grpcService: String,
                    environment: @escaping @Sendable (ProcessStack) -> [String: String] = { _ in [:] }) {
            self.name = name
            self.product = product
            self.role = role
            self.grpcService = grpcService
            self.environment = environment
        }
    }

    public static let token = "stack-test-token"
    public static let auth = CallOptions(timeout: .seconds(20), metadata: Metadata([("authorization", "Bearer \(token)")]))
    public static let open = CallOptions(timeout: .seconds(20))

    private let members: [String: Member]
    private let schemas: [String: TestSchema]
    /// Each member's port, from its first start on.
    private let ports = Locked<[String: Int]>([:])
    private let channels = Locked<[String: RPCChannel]>([:])
    private let processes = Locked<[String: ServiceProcess]>([:])

    private init(members: [Member], schemas: [String: TestSchema]) {
        self.members = Dictionary(uniqueKeysWithValues: members.map { ($0.name, $0) })
        self.schemas = schemas
    }

    /// Runs `body` with every member started (in order) and SERVING; stops
    /// them and drops their schemas after.
    public static func with<T>(_ members: [Member], _ body: (ProcessStack) async throws -> T) async throws -> T {
        var schemas: [String: TestSchema] = [:]
        for role in Set(members.map(\.role)) { schemas[role] = try await TestSchema.create(role: role) }
        let stack = ProcessStack(members: members, schemas: schemas)
        do {
            for member in members { try await stack.start(member.name) }
            let result = try await body(stack)
            await stack.tearDown()
            return result
        } catch {
            await stack.tearDown()
            throw error
        }
    }

    private func tearDown() async {
        for channel in channels.value.values { channel.close() }
        for process in processes.value.values {
            await process.stop()
            process.removeLog()
        }
        for schema in schemas.values { await schema.drop() }
    }

    /// `name`'s loopback address (once started).
    public func address(_ name: String) -> String { "127.0.0.1:\(ports.value[name]!)" }

    /// A channel to `name` (once started).
    public func channel(_ name: String) -> RPCChannel { channels.value[name]! }

    /// The schema of `role`.
    public func schema(role: String) -> TestSchema { schemas[role]! }

    /// Starts `name` and waits until it reports SERVING.
    public func start(_ name: String) async throws {
        let member = members[name]!
        // The first start takes any free port; a restart asks for that port
        // again, so the members that call this one keep its address.
        let port = ports.value[name]
        var environment = ["AUTH_TOKENS": Self.token, "UPSTREAM_TOKEN": Self.token, "LOG_LEVEL": "warning",
                           "DATABASE_URL": try TestEnvironment.databaseURL(role: member.role),
                           "DB_SCHEMA": schemas[member.role]!.name, "LISTEN_ADDR": "127.0.0.1:\(port ?? 0)"]
        environment.merge(member.environment(self)) { _, new in new }
        let process = try ServiceProcess(member.product, environment: environment)
        processes.mutate { $0[name] = process }
        if port == nil {
            let taken = try await process.ports().grpc
            let channel = try RPCChannel(target: "127.0.0.1:\(taken)", configuration: testChannelConfiguration())
            ports.mutate { $0[name] = taken }
            channels.mutate { $0[name] = channel }
        }
        let serving = await HealthProbe(channel: channel(name)).waitFor(.serving, services: ["", member.grpcService],
                                                                        timeout: .seconds(60))
        guard serving else {
            throw TestEnvironment.Missing(what: "\(member.product) (\(name)) did not report SERVING; output:\n\(process.output)")
        }
    }

    /// `kill -9`: the process dies mid-work.
    public func kill9(_ name: String) async {
        await processes.value[name]?.kill9()
    }

    /// SIGTERM: a graceful stop.
    public func stop(_ name: String) async {
        await processes.value[name]?.stop()
    }

    /// What `name` has logged.
    public func output(_ name: String) -> String {
        processes.value[name]?.output ?? ""
    }
}
