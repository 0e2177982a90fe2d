import ArgumentParser
import Foundation
import Protobuf
import WellKnownTypes

/// `restaurantctl describe [ADDR] [SYMBOL]`
public struct DescribeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "describe",
        abstract: "Show the definition of a service, method, message, field or enum.",
        discussion: """
            Prints the symbol as .proto source with its comments. Without SYMBOL,
            describes every service. --template prints an example request: a JSON
            object with every field of a message (or of a method's request type),
            ready to edit and pass to 'call -d'.

            EXAMPLES
              restaurantctl describe localhost:50051 grpc.testing.TestService
              restaurantctl describe localhost:50051 grpc.testing.TestService/UnaryCall
              restaurantctl describe localhost:50051 grpc.testing.SimpleRequest
              restaurantctl describe localhost:50051 grpc.testing.SimpleRequest --template
              restaurantctl describe --protoset api.protoset restaurant.catalog.v1.Product -o json
            """)

    @Argument(help: ArgumentHelp("Server address, host:port (default: $RESTAURANT_ADDR).", valueName: "ADDR"))
    var address: String?

    @Argument(help: ArgumentHelp("A fully qualified service, method (pkg.Service/Method), message, field or enum.",
                                 valueName: "SYMBOL"),
              completion: .custom(ReflectionCompletion.symbols))
    var symbol: String?

    @Flag(help: "Print an example JSON request for a message or method instead.")
    var template = false

    @Option(name: .shortAndLong, help: "Output format: text (.proto source) or json (the descriptor as JSON).")
    var output: TextOrJSON = .text

    @OptionGroup var schemaOptions: SchemaOptions
    @OptionGroup var connection: ConnectionOptions

    public init() {}

    public func validate() throws {
        if template, symbol == nil, address.map(ServerAddress.looksLikeAddress) ?? true {
            throw ValidationError("--template needs a message or method SYMBOL")
        }
    }

    public func run() async throws {
        let (address, symbolName) = AddressResolution.split(self.address, self.symbol)
        let session: Session? = schemaOptions.protosets.isEmpty
            ? try Session(address: try AddressResolution.require(address), options: connection) : nil
        let schema = try Schema.make(protosets: schemaOptions.protosets, session: session)

        var symbols: [DescriptorPool.Symbol] = []
        if let symbolName {
            symbols.append(try await schema.symbol(symbolName))
        } else {
            let names = try await schema.serviceNames()
            await schema.preload(names)
            for name in names {
                symbols.append(.service(try await schema.service(name)))
            }
        }
        let pool = await schema.pool

        if template {
            guard symbols.count == 1 else { throw CLIError.usage("--template needs one message or method") }
            let message: ProtoMessage?
            switch symbols[0] {
            case let .message(type): message = type
            case let .method(_, method): message = pool.message(method.inputType)
            default: throw CLIError.usage("--template needs a message or method, and \(symbolName ?? "") is neither")
            }
            guard let message else { throw CLIError.local("the descriptors lack the request type") }
            Console.out(JSONWriter.write(JSONTemplate(pool: pool).template(for: message)))
            return
        }

        switch output {
        case .json:
            // descriptor.proto's own descriptors, built once for every symbol.
            let descriptorTypes = try DescriptorPool(serializedFiles: WellKnownTypesDescriptorSet.files.map(\.serialized))
            let documents = try symbols.map { try Self.descriptorJSON($0, pool: descriptorTypes) }
            Console.out(JSONWriter.write(documents.count == 1 ? documents[0] : .array(documents)))
        case .text:
            let printer = ProtoSourcePrinter(pool: pool)
            Console.out(symbols.map(printer.describe).joined(separator: "\n\n"))
        }
    }

    /// The descriptor message behind a symbol, in JSON, converted by the same
    /// dynamic codec `call` uses (with descriptor.proto's own descriptors,
    /// `pool`).
    static func descriptorJSON(_ symbol: DescriptorPool.Symbol, pool: DescriptorPool) throws -> JSONValue {
        let (typeName, bytes): (String, [UInt8]) = try {
            switch symbol {
            case let .service(service): return ("google.protobuf.ServiceDescriptorProto", try service.proto.serializedBytes())
            case let .method(_, method): return ("google.protobuf.MethodDescriptorProto", try method.proto.serializedBytes())
            case let .message(message): return ("google.protobuf.DescriptorProto", try message.proto.serializedBytes())
            case let .field(_, field): return ("google.protobuf.FieldDescriptorProto", try field.proto.serializedBytes())
            case let .enumType(enumType): return ("google.protobuf.EnumDescriptorProto", try enumType.proto.serializedBytes())
            case let .enumValue(enumType, value):
                let proto = enumType.proto.value.first { $0.name == value.name } ?? .init()
                return ("google.protobuf.EnumValueDescriptorProto", try proto.serializedBytes())
            }
        }()
        let message = try WireCodec.decode(bytes, typeName: typeName, pool: pool)
        return try ProtoJSONEncoder(pool: pool).encode(message)
    }
}
