import ArgumentParser
import Foundation
import GRPCProtos
import RPC

/// `restaurantctl stack …`: the four services at once.
public struct StackCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "stack",
        abstract: "The whole restaurant: every service at once.",
        subcommands: [StackStatusCommand.self])

    public init() {}
}

/// `restaurantctl stack status`: each service's health, version and address.
public struct StackStatusCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Health, version and address of the catalog, order, rating and analytics services.",
        discussion: """
            Asks each service's health (grpc.health.v1, the server as a whole) at the
            address its commands use: $CATALOG_ADDR, $ORDER_ADDR, $RATING_ADDR and
            $ANALYTICS_ADDR, else localhost:50051–50054. The version is what the
            service names in its responses' server header. Each check has a 3s
            deadline unless --timeout says otherwise; the checks run at once.

            Exit status: 0 when every service is SERVING, 1 otherwise.

            EXAMPLES
              restaurantctl stack status
              restaurantctl stack status -o json | jq '.[] | select(.status != "SERVING")'
            """)

    @Option(name: .shortAndLong, help: "Output format: text or json.")
    var output: TextOrJSON = .text

    @OptionGroup var connection: ConnectionOptions

    public init() {}

    /// One service as the table shows it.
    struct Row: Sendable {
        let service: String
        let address: String
        var status = "UNREACHABLE"
        var version = "-"
        var detail = ""
    }

    public func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let connection = self.connection
        let rows = await withTaskGroup(of: (Int, Row).self) { group in
            for (index, endpoint) in restaurantEndpoints.enumerated() {
                let address = AddressResolution.resolve(nil, variables: endpoint.addressVariables, environment: environment)?.address
                    ?? endpoint.defaultAddress
                group.addTask { (index, await Self.check(Row(service: endpoint.name, address: address), connection: connection)) }
            }
            var rows = [Row?](repeating: nil, count: restaurantEndpoints.count)
            for await (index, row) in group { rows[index] = row }
            return rows.compactMap { $0 }
        }
        switch output {
        case .text:
            Console.out(TextTable(columns: ["service", "status", "version", "address", "detail"],
                                  rows: rows.map { [$0.service, $0.status, $0.version, $0.address, $0.detail] }).render())
        case .json:
            Console.out(JSONWriter.write(.array(rows.map { row in
                .object([("service", .string(row.service)), ("status", .string(row.status)), ("version", .string(row.version)),
                         ("address", .string(row.address)), ("detail", .string(row.detail))])
            }), pretty: true))
        }
        if rows.contains(where: { $0.status != "SERVING" }) { throw CLIError.silent(CLIError.localFailure) }
    }

    private static func check(_ row: Row, connection: ConnectionOptions) async -> Row {
        var row = row
        do {
            let session = try Session(address: row.address, options: connection, defaultTimeout: .seconds(3))
            let response = try await session.channel.unaryCall(Grpc_Health_V1_Health.Method.check, request: .init(),
                                                               options: session.callOptions())
            let status = response.message.status
            row.status = status.protoName ?? String(status.rawValue)
            row.version = response.initialMetadata["server"] ?? "-"
        } catch let error as RPCError {
            row.detail = "\(error.code.name): \(error.message)"
        } catch {
            row.detail = "\(error)"
        }
        return row
    }
}
