import Foundation
import GRPCProtos
import Postgres
import Protobuf
import RestaurantAPI
import RPC

/// What makes one service binary: its name, port and schema, its
/// migrations, which services it calls, and how to build its handlers.
/// ``ServiceRunner`` does the rest. Which methods need a token comes from the
/// contract: every method of the service's handlers except those its
/// `.proto` marks `NO_SIDE_EFFECTS`.
public struct ServiceDefinition: Sendable {
    /// The short name, such as `catalog`: the log label and metrics label.
    public var name: String
    /// The fully qualified gRPC service name health reports on.
    public var grpcServiceName: String
    public var defaultPort: Int
    /// The PostgreSQL schema the service owns.
    public var schema: String
    /// The directory of the service's numbered `.sql` migrations.
    public var migrations: URL
    /// The first of those migrations the migration lint judges; earlier ones
    /// predate it and, being applied by existing installs, cannot change.
    public var migrationsLintedFrom: Int
    /// ServiceKit's tables the service uses (outbox, processed events,
    /// idempotency keys), created before its own migrations.
    public var tables: Set<ServiceKitTable>
    /// The services this one calls.
    public var upstreams: [UpstreamDependency]
    /// Descriptors served by reflection.
    public var descriptorFiles: [EmbeddedFileDescriptor]
    /// Builds the service's handlers once its dependencies exist.
    public var makeServices: @Sendable (ServiceContext) async throws -> [RPCService]

    public init(name: String, grpcServiceName: String, defaultPort: Int, schema: String,
                migrations: URL, migrationsLintedFrom: Int = 1, tables: Set<ServiceKitTable> = [], upstreams: [UpstreamDependency] = [],
                descriptorFiles: [EmbeddedFileDescriptor] = ServiceDefinition.contractDescriptors,
                makeServices: @escaping @Sendable (ServiceContext) async throws -> [RPCService]) {
        self.name = name
        self.grpcServiceName = grpcServiceName
        self.defaultPort = defaultPort
        self.schema = schema
        self.migrations = migrations
        self.migrationsLintedFrom = migrationsLintedFrom
        self.tables = tables
        self.upstreams = upstreams
        self.descriptorFiles = descriptorFiles
        self.makeServices = makeServices
    }

    /// The restaurant contract, the well-known types it uses, and grpc's
    /// health and reflection protocols.
    public static var contractDescriptors: [EmbeddedFileDescriptor] {
        RestaurantAPIDescriptorSet.files + WellKnownTypesDescriptorSet.files + GRPCProtosDescriptorSet.files
    }
}
