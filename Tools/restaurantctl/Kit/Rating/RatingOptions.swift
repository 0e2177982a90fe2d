import ArgumentParser
import Foundation
import RestaurantAPI

/// Where the rating service is and how to talk to it: `--addr`, `-o`, and
/// the options every command that calls a server shares.
public struct RatingOptions: ParsableArguments, Sendable {
    /// Variables the address comes from when `--addr` is left out. Not
    /// RESTAURANT_ADDR: it names the server of the generic commands, which
    /// is usually the catalog.
    public static let addressVariables = ["RATING_ADDR"]
    /// The address when neither `--addr` nor a variable says otherwise.
    public static let defaultAddress = "localhost:50053"

    @Option(name: .customLong("addr"),
            help: ArgumentHelp("RatingService address, host:port (default: $RATING_ADDR, else localhost:50053).",
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
    public init(_ options: RatingOptions) throws(CLIError) {
        let address = try AddressResolution.require(options.address, variables: RatingOptions.addressVariables,
                                                    fallback: RatingOptions.defaultAddress,
                                                    environment: ProcessInfo.processInfo.environment)
        try self.init(address: address, output: options.output, connection: options.connection)
    }
}

/// Full names of the messages the rating commands print.
enum RatingTypes {
    static let package = "restaurant.rating.v1."
    static let rating = package + "Rating"
    static let batchGetRatingSummariesResponse = package + "BatchGetRatingSummariesResponse"
    static let listRatingsResponse = package + "ListRatingsResponse"
}
