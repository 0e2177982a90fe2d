import ArgumentParser
import Foundation
import RPC

/// The `restaurantctl` command tree.
///
/// Generic commands work with any gRPC server, through server reflection or
/// a descriptor set: `list`, `describe`, `call`, `health`. The restaurant
/// services get commands of their own in the same style, as groups
/// (`catalog categories`, `catalog product get 42`, `order …`, `rating …`,
/// `analytics …`, `stack status`), added to `groupedSubcommands` below; they
/// reuse ``ConnectionOptions``, ``Session``, ``AddressResolution`` (with
/// `CATALOG_ADDR` etc.), ``ResponsePrinter`` and ``CLIError``.
public struct RestaurantCtl: AsyncParsableCommand {
    public static let version = "1.0.0"

    public static let configuration = CommandConfiguration(
        commandName: "restaurantctl",
        abstract: "Call gRPC services from the command line: the restaurant's, or any server's.",
        discussion: """
            Works with any gRPC server: services and messages are discovered through
            server reflection (grpc.reflection.v1, or v1alpha for older servers), or
            read from a descriptor set with --protoset. Requests and responses are
            the proto3 JSON mapping.

            ADDR is host:port (localhost:50051, 127.0.0.1:50051, [::1]:50051,
            dns:///catalog:50051). Where it can be left out it defaults to
            $RESTAURANT_ADDR.

            EXAMPLES
              restaurantctl list localhost:50051
              restaurantctl describe localhost:50051 restaurant.catalog.v1.Product
              restaurantctl call localhost:50051 \\
                  restaurant.catalog.v1.CatalogService/GetProduct -d '{"id": 42}'
              echo '{"name": "Soups"}' | restaurantctl call localhost:50051 \\
                  restaurant.catalog.v1.CatalogService/CreateCategory -d @- \\
                  --token secret
              restaurantctl health localhost:50051 && echo up
              restaurantctl catalog products --query pizza --sort price

            ENVIRONMENT
              RESTAURANT_ADDR   default server address
              RESTAURANT_TOKEN  default bearer token (--token)
              CATALOG_ADDR      catalog commands' server (before RESTAURANT_ADDR;
                                default localhost:50051)
              ORDER_ADDR        order commands' server (default localhost:50052)
              RATING_ADDR       rating commands' server (default localhost:50053)
              ANALYTICS_ADDR    analytics commands' server (default localhost:50054)

            SHELL COMPLETION
              restaurantctl --generate-completion-script bash \\
                  > /etc/bash_completion.d/restaurantctl
              restaurantctl --generate-completion-script zsh > ~/.zfunc/_restaurantctl
              (METHOD, SERVICE and SYMBOL complete from the server's reflection.)

            \(CLIError.helpTable)
            """,
        version: "restaurantctl \(version)",
        subcommands: [ListCommand.self, DescribeCommand.self, CallCommand.self, HealthCommand.self],
        groupedSubcommands: [CommandGroup(name: "Restaurant services",
                                          subcommands: [CatalogCommand.self, OrderCommand.self, RatingCommand.self,
                                                        AnalyticsCommand.self, StackCommand.self])]
    )

    public init() {}

    /// Runs the command line and returns the exit status (see ``CLIError``).
    public static func main(arguments: [String]) async -> Int32 {
        do {
            var command = try await asyncParseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch {
            return report(error)
        }
    }

    /// Prints what an error means and returns the exit status for it.
    static func report(_ error: any Error) -> Int32 {
        switch error {
        case let error as CLIError:
            if let message = error.message { Console.err(message) }
            if case .usage = error { Console.err("(see 'restaurantctl help' or '--help' for usage)") }
            return error.exitCode
        case let error as RPCError:
            return report(CLIError.rpc(error))
        case let error as ExitCode:
            return error.rawValue
        default:
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { Console.out(message) }
                return 0
            }
            if !message.isEmpty { Console.err(message) }
            // ArgumentParser reports usage errors as 64 (EX_USAGE), which would
            // read as "gRPC CANCELLED" here: they are 2.
            return code == .validationFailure ? CLIError.usageFailure : CLIError.localFailure
        }
    }
}
