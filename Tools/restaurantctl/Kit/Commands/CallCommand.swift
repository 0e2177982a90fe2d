import ArgumentParser
import Foundation

/// `restaurantctl call [ADDR] METHOD [-d DATA]`
public struct CallCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Call a method with JSON requests; print the responses as JSON.",
        discussion: """
            Works for all four kinds of method. Unary and server-streaming methods
            take one request (-d, default {}); client-streaming and bidi methods
            take a stream of JSON objects, concatenated or one per line, from -d
            or, without -d, from stdin as they are typed. Server-streaming and
            bidi responses are printed one JSON object per message as they arrive.

            JSON follows the proto3 mapping: lowerCamelCase or original field
            names; 64-bit integers as strings (numbers accepted); bytes as base64
            (URL-safe accepted); enums by name or number; Timestamp as RFC 3339,
            Duration as "1.5s", FieldMask as "a.b,c"; wrappers as plain values;
            Struct/Value/ListValue as JSON; Any as
            {"@type": "type.googleapis.com/pkg.Message", <its fields>}.

            EXAMPLES
              restaurantctl call localhost:50051 grpc.testing.TestService/EmptyCall
              restaurantctl call localhost:50051 grpc.testing.TestService/UnaryCall \\
                  -d '{"responseSize": 3}'
              restaurantctl call localhost:50051 grpc.testing.TestService/UnaryCall \\
                  -d @request.json
              restaurantctl call localhost:50051 \\
                  grpc.testing.TestService/StreamingOutputCall -o jsonl \\
                  -d '{"responseParameters": [{"size": 1}, {"size": 2}]}'
              printf '{"payload":{"body":"AAE="}}\\n{"payload":{}}' | \\
                  restaurantctl call localhost:50051 \\
                  grpc.testing.TestService/StreamingInputCall
              restaurantctl call localhost:50051 \\
                  restaurant.catalog.v1.CatalogService/CreateCategory \\
                  -d '{"name": "Soups"}' --token "$TOKEN" -v
              restaurantctl call --protoset test.protoset localhost:50051 \\
                  grpc.testing.TestService/EmptyCall

            Exit status: 0 when the call succeeds, 64 + the gRPC status code when it
            fails (INVALID_ARGUMENT = 67, NOT_FOUND = 69, UNAVAILABLE = 78, …), 1 for
            local failures (bad JSON, unknown method), 2 for usage errors.
            """)

    @Argument(help: ArgumentHelp("Server address, host:port (default: $RESTAURANT_ADDR).", valueName: "ADDR"),
              completion: .custom(ReflectionCompletion.methods))
    var address: String?

    @Argument(help: ArgumentHelp("The method: pkg.Service/Method (or pkg.Service.Method).", valueName: "METHOD"),
              completion: .custom(ReflectionCompletion.methods))
    var method: String?

    @Option(name: [.customShort("d"), .customLong("data")],
            help: ArgumentHelp("Request JSON: inline, @file, or @- for stdin. Streaming calls take several objects.",
                               valueName: "json|@file|@-"))
    var data: String?

    @Flag(name: .customLong("emit-defaults"), help: "Print fields that hold their default value (0, \"\", false, [], {}).")
    var emitDefaults = false

    @Flag(name: .customLong("allow-unknown-fields"), help: "Ignore request JSON fields (and enum names) the message type lacks.")
    var allowUnknownFields = false

    @Flag(name: .customLong("proto-names"), help: "Print the .proto field names (snake_case) instead of lowerCamelCase.")
    var protoNames = false

    @Option(name: .shortAndLong, help: "Output format: json (indented), jsonl (one line per message) or table.")
    var output: CallOutput = .json

    @OptionGroup var schemaOptions: SchemaOptions
    @OptionGroup var connection: ConnectionOptions

    public init() {}

    public func validate() throws {
        if address == nil, method == nil { throw ValidationError("missing METHOD (pkg.Service/Method)") }
    }

    public func run() async throws {
        let (address, methodName) = AddressResolution.split(self.address, self.method)
        guard let methodName else { throw CLIError.usage("missing METHOD (pkg.Service/Method) after ADDR") }
        let session = try Session(address: try AddressResolution.require(address), options: connection)
        let schema = try Schema.make(protosets: schemaOptions.protosets, session: session)
        let method = try await schema.method(methodName)

        let input: RequestInput
        if let data {
            if data == "@-", method.kind.isClientStreaming {
                input = .stdinStream
            } else {
                input = .documents(try Self.documents(data))
            }
        } else if method.kind.isClientStreaming {
            if Console.stdinIsTerminal {
                Console.err("Reading \(method.inputType) messages from stdin as JSON objects; end with Ctrl-D.")
            }
            input = .stdinStream
        } else {
            input = .documents([])
        }
        let call = DynamicCall(session: session, schema: schema, method: method, allowUnknownFields: allowUnknownFields,
                               emitDefaults: emitDefaults, useProtoNames: protoNames, printer: ResponsePrinter(format: output))
        try await call.run(input)
    }

    /// The JSON documents of a -d argument.
    static func documents(_ argument: String) throws(CLIError) -> [JSONValue] {
        let bytes = try DataArgument.bytes(argument)
        let source = argument == "@-" ? "stdin" : argument.hasPrefix("@") ? String(argument.dropFirst()) : "-d"
        do {
            return try JSONParser.parseSequence(bytes)
        } catch {
            throw .local("\(source): \(error)")
        }
    }
}
