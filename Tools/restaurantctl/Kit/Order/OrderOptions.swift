import ArgumentParser
import Foundation
import RestaurantAPI

/// Where the order service is and how to talk to it: `--addr`, `-o`, and
/// the options every command that calls a server shares.
public struct OrderOptions: ParsableArguments, Sendable {
    /// Variables the address comes from when `--addr` is left out. Not
    /// RESTAURANT_ADDR: it names the server of the generic commands, which
    /// is usually the catalog.
    public static let addressVariables = ["ORDER_ADDR"]
    /// The address when neither `--addr` nor a variable says otherwise.
    public static let defaultAddress = "localhost:50052"

    @Option(name: .customLong("addr"),
            help: ArgumentHelp("OrderService address, host:port (default: $ORDER_ADDR, else localhost:50052).",
                               valueName: "host:port"))
    public var address: String?

    @Option(name: .shortAndLong,
            help: ArgumentHelp("text: for people (also 'table'); json: proto3 JSON as 'call' prints it; jsonl: the same on one line.",
                               valueName: "format"))
    public var output: ServiceOutput = .text

    @OptionGroup public var connection: ConnectionOptions

    public init() {}
}

extension ServiceSession {
    public init(_ options: OrderOptions, streaming: Bool = false) throws(CLIError) {
        let address = try AddressResolution.require(options.address, variables: OrderOptions.addressVariables,
                                                    fallback: OrderOptions.defaultAddress,
                                                    environment: ProcessInfo.processInfo.environment)
        try self.init(address: address, output: options.output, connection: options.connection, streaming: streaming)
    }
}

/// Full names of the messages the order commands print.
enum OrderTypes {
    static let package = "restaurant.order.v1."
    static let order = package + "Order"
    static let listOrdersResponse = package + "ListOrdersResponse"
    static let orderEvent = package + "OrderEvent"
}
