import ArgumentParser
import Foundation

/// `restaurantctl list [ADDR] [SERVICE]`
public struct ListCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List a server's services, or the methods of one service.",
        discussion: """
            Uses server reflection (v1, falling back to v1alpha), or the descriptor
            sets given with --protoset (then ADDR is not needed).

            EXAMPLES
              restaurantctl list localhost:50051
              restaurantctl list localhost:50051 grpc.testing.TestService
              restaurantctl list localhost:50051 -o table
              export RESTAURANT_ADDR=localhost:50051
              restaurantctl list restaurant.catalog.v1.CatalogService
              restaurantctl list --protoset api.protoset
            """)

    @Argument(help: ArgumentHelp("Server address, host:port (default: $RESTAURANT_ADDR).", valueName: "ADDR"))
    var address: String?

    @Argument(help: ArgumentHelp("A service whose methods to list.", valueName: "SERVICE"),
              completion: .custom(ReflectionCompletion.services))
    var service: String?

    @Option(name: .shortAndLong, help: "Output format: text, json or table.")
    var output: ListOutput = .text

    @OptionGroup var schemaOptions: SchemaOptions
    @OptionGroup var connection: ConnectionOptions

    public init() {}

    public func run() async throws {
        let (address, serviceName) = AddressResolution.split(self.address, self.service)
        let session: Session? = schemaOptions.protosets.isEmpty
            ? try Session(address: try AddressResolution.require(address), options: connection) : nil
        let schema = try Schema.make(protosets: schemaOptions.protosets, session: session)

        if let serviceName {
            let service = try await schema.service(serviceName)
            switch output {
            case .text:
                for method in service.methods { Console.out(method.fullName) }
            case .json:
                Console.out(JSONWriter.write(.array(service.methods.map(Self.json))))
            case .table:
                let rows = service.methods.map { [$0.name, $0.kind.displayName, $0.inputType, $0.outputType] }
                Console.out(TextTable(columns: ["method", "kind", "request", "response"], rows: rows).render())
            }
            return
        }

        let names = try await schema.serviceNames()
        switch output {
        case .text:
            for name in names { Console.out(name) }
        case .json:
            Console.out(JSONWriter.write(.array(names.map(JSONValue.string))))
        case .table:
            await schema.preload(names)
            var rows: [[String]] = []
            for name in names {
                // A service the server lists but cannot describe still gets a row.
                if let service = try? await schema.service(name) {
                    rows.append([name, String(service.methods.count), service.fileName])
                } else {
                    rows.append([name, "?", ""])
                }
            }
            Console.out(TextTable(columns: ["service", "methods", "file"], rows: rows).render())
        }
    }

    static func json(_ method: ProtoMethod) -> JSONValue {
        .object([
            ("name", .string(method.name)),
            ("fullName", .string(method.fullName)),
            ("path", .string(method.path)),
            ("kind", .string(method.kind.displayName)),
            ("requestType", .string(method.inputType)),
            ("responseType", .string(method.outputType)),
            ("clientStreaming", .bool(method.clientStreaming)),
            ("serverStreaming", .bool(method.serverStreaming)),
        ])
    }
}
