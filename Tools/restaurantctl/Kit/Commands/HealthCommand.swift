import ArgumentParser
import Foundation
import GRPCProtos
import RPC

/// `restaurantctl health [ADDR] [SERVICE]`: the docker-compose healthcheck.
public struct HealthCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Check a server's health (grpc.health.v1); exit 0 only when SERVING.",
        discussion: """
            Prints the status (SERVING, NOT_SERVING, SERVICE_UNKNOWN, UNKNOWN).
            Without SERVICE it asks about the server as a whole (""). The check
            has a 10s deadline unless --timeout says otherwise. --watch streams
            status changes until the server ends the stream or you press Ctrl-C.

            Exit status: 0 SERVING; 1 answered with another status; 64 + gRPC code
            when the check itself fails (78 UNAVAILABLE: nothing listening;
            69 NOT_FOUND: the server does not know SERVICE; 76 UNIMPLEMENTED:
            no health service).

            EXAMPLES
              restaurantctl health localhost:50051
              restaurantctl health localhost:50051 restaurant.catalog.v1.CatalogService
              restaurantctl health localhost:50051 --watch
              # docker-compose:
              healthcheck:
                test: ["CMD", "restaurantctl", "health", "localhost:50051"]
            """)

    @Argument(help: ArgumentHelp("Server address, host:port (default: $RESTAURANT_ADDR).", valueName: "ADDR"))
    var address: String?

    @Argument(help: ArgumentHelp("The service to ask about (default: the whole server).", valueName: "SERVICE"),
              completion: .custom(ReflectionCompletion.services))
    var service: String?

    @Flag(help: "Stream status changes (Health/Watch) instead of checking once.")
    var watch = false

    @Option(name: .shortAndLong, help: "Output format: text or json.")
    var output: TextOrJSON = .text

    @OptionGroup var connection: ConnectionOptions

    public init() {}

    public func run() async throws {
        let (address, serviceName) = AddressResolution.split(self.address, self.service)
        let session = try Session(address: try AddressResolution.require(address), options: connection,
                                  defaultTimeout: watch ? nil : .seconds(10))
        let client = Grpc_Health_V1_HealthClient(channel: session.channel)
        let request = Grpc_Health_V1_HealthCheckRequest.with { $0.service = serviceName ?? "" }
        let path = watch ? Grpc_Health_V1_Health.Method.watch.path : Grpc_Health_V1_Health.Method.check.path
        session.logRequest(path, kind: watch ? .serverStreaming : .unary)
        let started = ContinuousClock.now
        do {
            if watch {
                var last: Grpc_Health_V1_HealthCheckResponse.ServingStatus = .unknown
                let responses = client.watch(request, options: session.callOptions())
                for try await response in responses {
                    last = response.status
                    print(response.status)
                }
                session.logEnd(status: .ok, trailers: try await responses.trailingMetadata(), started: started)
                if last != .serving { throw CLIError.silent(CLIError.localFailure) }
            } else {
                let response = try await session.channel.unaryCall(Grpc_Health_V1_Health.Method.check, request: request,
                                                                   options: session.callOptions())
                session.logHeaders(response.initialMetadata)
                session.logEnd(status: .ok, trailers: response.trailingMetadata, started: started)
                print(response.message.status)
                if response.message.status != .serving { throw CLIError.silent(CLIError.localFailure) }
            }
        } catch {
            throw session.failure(error, started: started)
        }
    }

    private func print(_ status: Grpc_Health_V1_HealthCheckResponse.ServingStatus) {
        let name = status.protoName ?? String(status.rawValue)
        switch output {
        case .json: Console.out(JSONWriter.write(.object([("status", .string(name))]), pretty: !watch))
        case .text: Console.out(name)
        }
    }
}
