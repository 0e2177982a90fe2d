import ArgumentParser
import Foundation
import GRPCProtos
import GRPCServices
import InteropTesting
import Logging
import RPC
import ServiceLifecycle

/// Serves `grpc.testing.TestService` (plus health and reflection) for gRPC
/// interoperability tests, with grpc's usual flags.
@main
struct InteropServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interop-server",
        abstract: "Serve grpc.testing.TestService for gRPC interop tests.")

    @Option(help: "The port to listen on (0 picks one).")
    var port: Int = 10000

    @Option(help: "The address to listen on.")
    var host: String = "0.0.0.0"

    @Option(name: .customLong("use_tls"), help: "Accepted for compatibility; only false is supported.")
    var useTLS: Bool = false

    func validate() throws {
        guard !useTLS else { throw ValidationError("TLS is not supported: plaintext h2c only") }
    }

    func run() async throws {
        var logger = Logger(label: "interop-server")
        logger.logLevel = .warning
        let testService = TestService()
        let health = HealthService(statuses: ["": .serving, Grpc_Testing_TestService.name: .serving])
        let mounted = [testService.rpcService, health.rpcService]
        let reflection = try ReflectionService(files: GRPCProtosDescriptorSet.files,
                                               services: mounted.map(\.name))
        let server = RPCServer(configuration: .init(host: host, port: port),
                               services: mounted + reflection.rpcServices, logger: logger)
        let service = AnnouncingServer(server: server)
        try await ServiceGroup(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger).run()
    }
}

/// The server, printing `READY <port>` once it listens.
struct AnnouncingServer: Service {
    let server: RPCServer

    func run() async throws {
        try await server.run(drainTimeout: .seconds(10)) { address in
            // Unbuffered: test harnesses wait for this line on a pipe.
            FileHandle.standardOutput.write(Data("READY \(address.port ?? 0)\n".utf8))
        }
    }
}
