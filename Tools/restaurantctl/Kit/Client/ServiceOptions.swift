import ArgumentParser
import Foundation

/// One of the restaurant's services as the commands find it: the
/// variables its address comes from, and where it listens by default.
public protocol ServiceEndpoint: Sendable {
    /// The short name, such as `catalog` (`restaurantctl stack status`).
    static var name: String { get }
    /// The gRPC service, such as `CatalogService` (help texts).
    static var serviceName: String { get }
    /// Variables the address comes from when `--addr` is left out, in order.
    static var addressVariables: [String] { get }
    /// The address when neither `--addr` nor a variable says otherwise.
    static var defaultAddress: String { get }
}

public enum CatalogEndpoint: ServiceEndpoint {
    public static let name = "catalog"
    public static let serviceName = "CatalogService"
    public static let addressVariables = ["CATALOG_ADDR", "RESTAURANT_ADDR"]
    public static let defaultAddress = "localhost:50051"
}

public enum OrderEndpoint: ServiceEndpoint {
    public static let name = "order"
    public static let serviceName = "OrderService"
    /// Not RESTAURANT_ADDR: it names the server of the generic commands,
    /// which is usually the catalog (so for rating and analytics too).
    public static let addressVariables = ["ORDER_ADDR"]
    public static let defaultAddress = "localhost:50052"
}

public enum RatingEndpoint: ServiceEndpoint {
    public static let name = "rating"
    public static let serviceName = "RatingService"
    public static let addressVariables = ["RATING_ADDR"]
    public static let defaultAddress = "localhost:50053"
}

public enum AnalyticsEndpoint: ServiceEndpoint {
    public static let name = "analytics"
    public static let serviceName = "AnalyticsService"
    public static let addressVariables = ["ANALYTICS_ADDR"]
    public static let defaultAddress = "localhost:50054"
}

/// Every restaurant service, in port order.
public let restaurantEndpoints: [any ServiceEndpoint.Type] = [CatalogEndpoint.self, OrderEndpoint.self,
                                                                RatingEndpoint.self, AnalyticsEndpoint.self]

/// Where a service is and how to talk to it: `--addr`, `-o`, and the
/// options every command that calls a server shares.
public struct ServiceOptions<Endpoint: ServiceEndpoint>: ParsableArguments, Sendable {
    @Option(name: .customLong("addr"),
            help: ArgumentHelp("\(Endpoint.serviceName) address, host:port (default: "
                               + (Endpoint.addressVariables.map { "$\($0)" } + [Endpoint.defaultAddress]).joined(separator: ", else ")
                               + ").",
                               valueName: "host:port"))
    public var address: String?

    @Option(name: .shortAndLong,
            help: ArgumentHelp("text: for people (also 'table'); json: proto3 JSON as 'call' prints it; jsonl: the same on one line.",
                               valueName: "format"))
    public var output: ServiceOutput = .text

    @OptionGroup public var connection: ConnectionOptions

    public init() {}

    /// The address to use: `--addr`, else the first variable set, else the
    /// default address.
    public func resolvedAddress(environment: [String: String] = ProcessInfo.processInfo.environment) throws(CLIError) -> String {
        try AddressResolution.require(address, variables: Endpoint.addressVariables, fallback: Endpoint.defaultAddress,
                                      environment: environment)
    }
}

public typealias CatalogOptions = ServiceOptions<CatalogEndpoint>
public typealias OrderOptions = ServiceOptions<OrderEndpoint>
public typealias RatingOptions = ServiceOptions<RatingEndpoint>
public typealias AnalyticsOptions = ServiceOptions<AnalyticsEndpoint>

extension ServiceSession {
    public init<Endpoint>(_ options: ServiceOptions<Endpoint>, streaming: Bool = false) throws(CLIError) {
        try self.init(address: try options.resolvedAddress(), output: options.output, connection: options.connection,
                      streaming: streaming)
    }
}
