/// Emits, for each service: a namespace with the service name and its method
/// descriptors, a typed client, and the handler protocol a server implements.
struct ServiceEmitter {
    let file: ProtoFile
    let symbols: SymbolTable

    private struct Method {
        var proto: ProtoMethod
        var swiftName: String
        var input: String
        var output: String
        var doc: [String]

        var kind: String {
            switch (proto.clientStreaming, proto.serverStreaming) {
            case (false, false): "unary"
            case (false, true): "serverStreaming"
            case (true, false): "clientStreaming"
            case (true, true): "bidirectionalStreaming"
            }
        }
    }

    func emit(_ service: ProtoService, into out: inout CodeWriter) throws {
        let prefix = file.swiftPrefix ?? SwiftNaming.packagePrefix(file.package)
        let namespace = prefix + service.name
        let methods = try service.methods.map { method in
            Method(proto: method,
                   swiftName: SwiftNaming.identifier(SwiftNaming.camelCase(method.name, upperFirst: false)),
                   input: try symbols.swiftName(method.inputType),
                   output: try symbols.swiftName(method.outputType),
                   doc: file.comments.docLines(method.path))
        }
        let serviceDoc = file.comments.docLines(service.path)

        out.lines(serviceDoc)
        out.block("public enum \(namespace)") { out in
            out.line("/// The service's fully qualified name.")
            out.line("public static let name = \"\(service.fullName)\"")
            out.line()
            out.line("/// Descriptors of the service's methods, for calls and routing.")
            out.block("public enum Method") { out in
                for method in methods {
                    out.line("/// `\(service.fullName)/\(method.proto.name)`.")
                    out.line("public static let \(method.swiftName) = RPCMethod<\(method.input), \(method.output)>(")
                    let idempotency = switch method.proto.idempotencyLevel {
                    case 1: ", idempotency: .noSideEffects"
                    case 2: ", idempotency: .idempotent"
                    default: ""
                    }
                    out.line("    service: \"\(service.fullName)\", name: \"\(method.proto.name)\", kind: .\(method.kind)\(idempotency))")
                }
            }
        }
        out.line()
        emitClient(namespace: namespace, service: service, methods: methods, into: &out)
        out.line()
        emitHandler(namespace: namespace, service: service, doc: serviceDoc, methods: methods, into: &out)
    }

    private func emitClient(namespace: String, service: ProtoService, methods: [Method], into out: inout CodeWriter) {
        out.line("/// A typed client for `\(service.fullName)`.")
        out.block("public struct \(namespace)Client: Sendable") { out in
            out.line("/// The channel calls go through.")
            out.line("public let channel: RPCChannel")
            out.line()
            out.line("/// A client whose calls go through `channel`.")
            out.line("public init(channel: RPCChannel) {")
            out.line("    self.channel = channel")
            out.line("}")
            for method in methods {
                out.line()
                out.lines(method.doc)
                let descriptor = "\(namespace).Method.\(method.swiftName)"
                switch method.kind {
                case "unary":
                    out.block("public func \(method.swiftName)(_ request: \(method.input), options: CallOptions = CallOptions()) async throws -> \(method.output)") { out in
                        out.line("try await channel.unary(\(descriptor), request: request, options: options)")
                    }
                case "serverStreaming":
                    out.line("///")
                    out.line("/// The call starts when iteration begins and is cancelled if iteration stops early.")
                    out.block("public func \(method.swiftName)(_ request: \(method.input), options: CallOptions = CallOptions()) -> RPCResponseStream<\(method.output)>") { out in
                        out.line("channel.serverStreaming(\(descriptor), request: request, options: options)")
                    }
                case "clientStreaming":
                    out.line("///")
                    out.line("/// `requests` writes the request stream; the call ends its side when `requests` returns.")
                    out.block("public func \(method.swiftName)(options: CallOptions = CallOptions(), requests: (RPCRequestWriter<\(method.input)>) async throws -> Void) async throws -> \(method.output)") { out in
                        out.line("try await channel.clientStreaming(\(descriptor), options: options, requests: requests)")
                    }
                default:
                    out.line("///")
                    out.line("/// `body` writes requests and reads responses concurrently as it likes; the call is")
                    out.line("/// cancelled if `body` returns before the responses end.")
                    out.block("public func \(method.swiftName)<Result: Sendable>(options: CallOptions = CallOptions(), _ body: (RPCRequestWriter<\(method.input)>, RPCResponseStream<\(method.output)>) async throws -> Result) async throws -> Result") { out in
                        out.line("try await channel.bidirectionalStreaming(\(descriptor), options: options, body)")
                    }
                }
            }
        }
    }

    private func emitHandler(namespace: String, service: ProtoService, doc: [String], methods: [Method], into out: inout CodeWriter) {
        out.line("/// What a server implements to serve `\(service.fullName)`. Mount it with `rpcService`.")
        if !doc.isEmpty {
            out.line("///")
            out.lines(doc)
        }
        out.block("public protocol \(namespace)Handler: Sendable") { out in
            for (offset, method) in methods.enumerated() {
                if offset > 0 { out.line() }
                out.lines(method.doc)
                switch method.kind {
                case "unary":
                    out.line("func \(method.swiftName)(_ request: \(method.input), context: RPCServerContext) async throws -> \(method.output)")
                case "serverStreaming":
                    out.line("func \(method.swiftName)(_ request: \(method.input), responses: RPCResponseWriter<\(method.output)>, context: RPCServerContext) async throws")
                case "clientStreaming":
                    out.line("func \(method.swiftName)(_ requests: RPCRequestStream<\(method.input)>, context: RPCServerContext) async throws -> \(method.output)")
                default:
                    out.line("func \(method.swiftName)(_ requests: RPCRequestStream<\(method.input)>, responses: RPCResponseWriter<\(method.output)>, context: RPCServerContext) async throws")
                }
            }
        }
        out.line()
        out.block("extension \(namespace)Handler") { out in
            out.line("/// This handler's methods, routed by path, ready to mount on an `RPCServer`.")
            out.block("public var rpcService: RPCService") { out in
                out.line("RPCService(name: \(namespace).name, methods: [")
                for method in methods {
                    let descriptor = "\(namespace).Method.\(method.swiftName)"
                    switch method.kind {
                    case "unary":
                        out.line("    .unary(\(descriptor)) { try await self.\(method.swiftName)($0, context: $1) },")
                    case "serverStreaming":
                        out.line("    .serverStreaming(\(descriptor)) { try await self.\(method.swiftName)($0, responses: $1, context: $2) },")
                    case "clientStreaming":
                        out.line("    .clientStreaming(\(descriptor)) { try await self.\(method.swiftName)($0, context: $1) },")
                    default:
                        out.line("    .bidirectionalStreaming(\(descriptor)) { try await self.\(method.swiftName)($0, responses: $1, context: $2) },")
                    }
                }
                out.line("])")
            }
        }
    }
}
