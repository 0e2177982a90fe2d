import ArgumentParser
import Foundation
import RestaurantAPI
import RPC

/// How catalog commands print their results.
public enum CatalogOutput: String, ExpressibleByArgument, Sendable, CaseIterable {
    /// For people: aligned tables, money as `$12.50`, local times.
    case text
    /// The proto3 JSON mapping, indented: exactly what `call -o json` prints
    /// (`watch`: one event per line).
    case json
    /// The same JSON on one line per message, as `call -o jsonl`.
    case jsonl

    public init?(argument: String) {
        switch argument.lowercased() {
        case "text", "table": self = .text
        case "json": self = .json
        case "jsonl", "ndjson": self = .jsonl
        default: return nil
        }
    }
}

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
    public var output: CatalogOutput = .text

    @OptionGroup public var connection: ConnectionOptions

    public init() {}

    /// The address to use: `--addr`, else the first variable set, else
    /// localhost:50051.
    public func resolvedAddress(environment: [String: String] = ProcessInfo.processInfo.environment) throws(CLIError) -> String {
        try AddressResolution.require(address, variables: Self.addressVariables, fallback: Self.defaultAddress, environment: environment)
    }
}

/// A connection to CatalogService for one command: typed calls through the
/// generated client, errors as ``CLIError``, `-v` logging, and the proto3
/// JSON of any response (the same encoder `call` uses).
public struct CatalogSession: Sendable {
    public let session: Session
    public let client: CatalogServiceClient
    public let output: CatalogOutput

    /// The deadline of unary calls when `--timeout` is not given.
    public static let defaultUnaryTimeout: Duration = .seconds(30)

    /// - Parameter streaming: no default deadline (import, watch).
    public init(_ options: CatalogOptions, streaming: Bool = false) throws(CLIError) {
        let address = try options.resolvedAddress()
        session = try Session(address: address, options: options.connection,
                              defaultTimeout: streaming ? nil : Self.defaultUnaryTimeout)
        client = CatalogServiceClient(channel: session.channel)
        output = options.output
    }

    // MARK: Calls

    /// A unary call, logged with `-v`; failures become ``CLIError/rpc(_:)``.
    public func unary<Request, Response>(_ method: RPCMethod<Request, Response>, _ request: Request) async throws(CLIError) -> Response {
        session.logRequest(method.path, kind: method.kind)
        let started = ContinuousClock.now
        do {
            let response = try await session.channel.unaryCall(method, request: request, options: session.callOptions())
            session.logHeaders(response.initialMetadata)
            session.logEnd(status: .ok, trailers: response.trailingMetadata, started: started)
            return response.message
        } catch {
            throw session.failure(error, started: started)
        }
    }

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

    // MARK: JSON

    /// The descriptors of the restaurant API and the well-known types.
    public static let pool: Result<DescriptorPool, DescriptorError> = {
        let files = (WellKnownTypesDescriptorSet.files + RestaurantAPIDescriptorSet.files).map(\.serialized)
        do throws(DescriptorError) {
            return .success(try DescriptorPool(serializedFiles: files))
        } catch {
            return .failure(error)
        }
    }()

    /// The proto3 JSON of a message, as `call` prints it.
    public static func json<Message: ProtobufMessage>(_ message: Message, typeName: String) throws(CLIError) -> JSONValue {
        do {
            let pool = try pool.get()
            guard let type = pool.message(typeName) else { throw CLIError.local("the embedded descriptors lack \(typeName)") }
            let value = try WireCodec.decode(try message.serializedBytes(), as: type, pool: pool)
            return try ProtoJSONEncoder(pool: pool).encode(value)
        } catch let error as CLIError {
            throw error
        } catch {
            throw .local("cannot print \(typeName) as JSON: \(error)")
        }
    }

    /// Prints a message as JSON in the chosen form (json: indented, jsonl:
    /// one line).
    public func printJSON<Message: ProtobufMessage>(_ message: Message, typeName: String, compact: Bool = false) throws(CLIError) {
        let json = try Self.json(message, typeName: typeName)
        Console.out(JSONWriter.write(json, pretty: !(compact || output == .jsonl)))
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
