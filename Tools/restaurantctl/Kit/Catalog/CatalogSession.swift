import ArgumentParser
import Foundation
import RestaurantAPI
import RPC

/// Where the catalog service is and how to talk to it: `--addr`, `-o`,
/// and the options every command that calls a server shares.
public struct CatalogOptions: ParsableArguments, Sendable {
    /// Variables the address comes from when `--addr` is left out, in order.
    public static let addressVariables = ["CATALOG_ADDR", "RESTAURANT_ADDR"]
    /// The address when neither `--addr` nor a variable says otherwise.
    public static let defaultAddress = "localhost:50051"

    @Option(name: .customLong("addr"),
            help: ArgumentHelp("CatalogService address, host:port (default: $CATALOG_ADDR, else $RESTAURANT_ADDR, else localhost:50051).",
                               valueName: "host:port"))
    public var address: String?

    @Option(name: .shortAndLong,
            help: ArgumentHelp("text: for people (also 'table'); json: proto3 JSON as 'call' prints it; jsonl: the same on one line.",
                               valueName: "format"))
    public var output: ServiceOutput = .text

    @OptionGroup public var connection: ConnectionOptions

    public init() {}

    /// The address to use: `--addr`, else the first variable set, else
    /// localhost:50051.
    public func resolvedAddress(environment: [String: String] = ProcessInfo.processInfo.environment) throws(CLIError) -> String {
        try AddressResolution.require(address, variables: Self.addressVariables, fallback: Self.defaultAddress, environment: environment)
    }
}

/// The catalog commands' session: a ``ServiceSession`` on CatalogService.
public typealias CatalogSession = ServiceSession

extension ServiceSession {
    public init(_ options: CatalogOptions, streaming: Bool = false) throws(CLIError) {
        try self.init(address: try options.resolvedAddress(), output: options.output, connection: options.connection,
                      streaming: streaming)
    }

    /// The generated CatalogService client on this session's channel.
    public var client: CatalogServiceClient { CatalogServiceClient(channel: session.channel) }

    // MARK: Categories by id, slug or name

    /// The id of the category `text` names: a number is taken as the id
    /// as is; anything else is looked up (ListCategories) by slug, then by
    /// name ignoring case. Exit 1 when nothing matches.
    public func categoryID(_ text: String) async throws(CLIError) -> Int64 {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let id = Int64(trimmed) { return id }
        let categories = try await unary(CatalogService.Method.listCategories, ListCategoriesRequest()).categories
        return try Self.match(trimmed, in: categories)
    }

    static func match(_ text: String, in categories: [RestaurantAPI.Category]) throws(CLIError) -> Int64 {
        if let category = categories.first(where: { $0.slug == text }) { return category.id }
        let lowered = text.lowercased()
        let named = categories.filter { $0.name.lowercased() == lowered }
        if named.count == 1 { return named[0].id }
        let known = categories.map { "\($0.slug) (\($0.id))" }.joined(separator: ", ")
        throw .local("no category '\(text)' (by id, slug or name); categories: \(known.isEmpty ? "none yet" : known)")
    }
}

/// Full names of the messages the catalog commands print.
enum CatalogTypes {
    static let package = "restaurant.catalog.v1."
    static let category = package + "Category"
    static let listCategoriesResponse = package + "ListCategoriesResponse"
    static let product = package + "Product"
    static let listProductsResponse = package + "ListProductsResponse"
    static let importProductsResponse = package + "ImportProductsResponse"
    static let createProductRequest = package + "CreateProductRequest"
    static let menuEvent = package + "MenuEvent"
    static let empty = "google.protobuf.Empty"
}
