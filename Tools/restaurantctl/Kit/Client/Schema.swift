import Foundation
import Protobuf
import RPC
import WellKnownTypes

/// Where a command's descriptors come from: descriptor-set files given with
/// `--protoset`, or the server's reflection service, fetched as needed
/// (a file plus the files it imports) and accumulated in one pool.
public actor Schema {
    private enum Origin {
        case protoset([String])
        case reflection(ReflectionClient, address: String)
    }

    private let origin: Origin
    /// Every descriptor loaded so far.
    public private(set) var pool: DescriptorPool
    private var serviceList: [String]?

    /// Descriptors from `protoc --include_imports -o FILE` output files.
    public init(protosets paths: [String]) throws(CLIError) {
        var files: [Google_Protobuf_FileDescriptorProto] = []
        for path in paths {
            let bytes = try DataArgument.readFile(path)
            do {
                files += try Google_Protobuf_FileDescriptorSet(serializedBytes: bytes, limits: .descriptorSets).file
            } catch {
                throw .local("\(path) is not a FileDescriptorSet (write one with protoc --include_imports -o FILE x.proto): \(error)")
            }
        }
        do {
            self.pool = try DescriptorPool(files: files)
        } catch {
            throw .local("\(paths.joined(separator: ", ")): \(error.message)")
        }
        self.origin = .protoset(paths)
    }

    /// Descriptors fetched from the server through reflection.
    public init(reflection session: Session) {
        self.origin = .reflection(ReflectionClient(session: session), address: session.address)
        self.pool = try! DescriptorPool(files: [])
    }

    /// The schema a command should use: `--protoset` files if given, else
    /// reflection on `session`.
    public static func make(protosets: [String], session: Session?) throws(CLIError) -> Schema {
        if !protosets.isEmpty { return try Schema(protosets: protosets) }
        guard let session else { throw .usage("no server address: pass ADDR, set RESTAURANT_ADDR, or use --protoset FILE") }
        return Schema(reflection: session)
    }

    private var whereFrom: String {
        switch origin {
        case let .protoset(paths): paths.joined(separator: ", ")
        case let .reflection(_, address): address
        }
    }

    // MARK: Services

    /// The services the server (or descriptor set) offers, sorted.
    public func serviceNames() async throws(CLIError) -> [String] {
        if let serviceList { return serviceList }
        switch origin {
        case .protoset:
            serviceList = pool.services.map(\.fullName)
        case let .reflection(client, _):
            guard case let .services(names)? = try await client.ask([.listServices]).first else {
                throw .rpc(RPCError(.internal, "the reflection service did not list services"))
            }
            serviceList = names.sorted()
        }
        return serviceList!
    }

    /// A service by full name, loading its descriptors when needed.
    public func service(_ name: String) async throws(CLIError) -> ProtoService {
        let name = DescriptorPool.trimDot(name)
        if let service = pool.service(name) { return service }
        try await load(symbols: [name])
        if let service = pool.service(name) { return service }
        let names = (try? await serviceNames()) ?? pool.services.map(\.fullName)
        throw .local(Self.notFound("service", name, candidates: names, from: whereFrom))
    }

    /// A method from `pkg.Service/Method`, `pkg.Service.Method` or
    /// `/pkg.Service/Method`.
    public func method(_ spec: String) async throws(CLIError) -> ProtoMethod {
        var text = spec
        if text.hasPrefix("/") { text.removeFirst() }
        let serviceName: String
        let methodName: String
        if let slash = text.firstIndex(of: "/") {
            serviceName = String(text[..<slash])
            methodName = String(text[text.index(after: slash)...])
        } else if let dot = text.lastIndex(of: ".") {
            serviceName = String(text[..<dot])
            methodName = String(text[text.index(after: dot)...])
        } else {
            throw .usage("invalid method '\(spec)': expected pkg.Service/Method (see 'restaurantctl list ADDR SERVICE')")
        }
        guard !serviceName.isEmpty, !methodName.isEmpty else {
            throw .usage("invalid method '\(spec)': expected pkg.Service/Method")
        }
        let service = try await service(serviceName)
        guard let method = service.method(named: methodName) else {
            let names = service.methods.map(\.name)
            let hint = DescriptorPool.suggestions(for: methodName, in: names, limit: 1).first.map { "; did you mean \($0)?" } ?? ""
            throw .local("service \(service.fullName) has no method '\(methodName)'\(hint) (methods: \(names.joined(separator: ", ")))")
        }
        return method
    }

    /// Any service, method, message, field, enum or enum value.
    public func symbol(_ name: String) async throws(CLIError) -> DescriptorPool.Symbol {
        let name = DescriptorPool.trimDot(name).replacingOccurrences(of: "/", with: ".")
        if let symbol = pool.symbol(name) { return symbol }
        // Ask for the symbol and each enclosing scope at once (methods, fields
        // and enum values are not indexed by every server).
        var scopes: [String] = []
        var scope = Substring(name)
        while !scope.isEmpty {
            scopes.append(String(scope))
            scope = scope[..<(scope.lastIndex(of: ".") ?? scope.startIndex)]
        }
        try await load(symbols: scopes)
        if let symbol = pool.symbol(name) { return symbol }
        // Not there: load every service's files so the hint can name types too.
        let services = (try? await serviceNames()) ?? []
        await preload(services)
        var candidates = pool.messageNames + pool.services.map(\.fullName) + services
        for service in pool.services { candidates += service.methods.map(\.fullName) }
        throw .local(Self.notFound("symbol", name, candidates: Array(Set(candidates)), from: whereFrom))
    }

    /// Loads the named symbols the pool lacks (services to list, Any
    /// contents), as far as the server knows them, in one go. Failures are
    /// left for the lookups that follow (``service(_:)`` asks again, alone).
    public func preload(_ names: some Sequence<String>) async {
        let missing = Set(names.map(DescriptorPool.trimDot)).filter { pool.symbol($0) == nil }
        _ = try? await load(symbols: missing.sorted())
    }

    // MARK: Loading

    /// Loads the files declaring `symbols` and everything they import: one
    /// reflection stream, one pool rebuild. Symbols the source does not know
    /// are skipped.
    private func load(symbols: [String]) async throws(CLIError) {
        guard case let .reflection(client, _) = origin, !symbols.isEmpty else { return }
        var files: [[UInt8]] = []
        for case let .files(answer) in try await client.ask(symbols.map { .fileContainingSymbol($0) }) {
            files += answer
        }
        if !files.isEmpty { try await add(files, client: client) }
    }

    private func add(_ serialized: [[UInt8]], client: ReflectionClient) async throws(CLIError) {
        var protos = try decode(serialized)
        var loaded = Set(pool.files.map(\.name))
        loaded.formUnion(protos.compactMap(\.name))
        // Fetch imports the server did not send along, level by level.
        var asked: Set<String> = []
        while true {
            let missing = Set(protos.flatMap(\.dependency) + pool.files.flatMap(\.dependencies))
                .subtracting(loaded).subtracting(asked).sorted()
            if missing.isEmpty { break }
            asked.formUnion(missing)
            let answers = try await client.ask(missing.map { .fileByFilename($0) })
            for (name, answer) in zip(missing, answers) {
                switch answer {
                case let .files(files):
                    let decoded = try decode(files)
                    protos += decoded
                    loaded.formUnion(decoded.compactMap(\.name))
                default:
                    // Well-known types the server could not give: use our own copies.
                    if let embedded = WellKnownTypesDescriptorSet.files.first(where: { $0.name == name }),
                       let proto = try? Google_Protobuf_FileDescriptorProto(serializedBytes: embedded.serialized) {
                        protos.append(proto)
                        loaded.insert(name)
                    }
                }
            }
        }
        do {
            pool = try pool.adding(protos)
        } catch {
            throw .local("the descriptors from \(whereFrom) are incomplete: \(error.message)")
        }
    }

    private func decode(_ files: [[UInt8]]) throws(CLIError) -> [Google_Protobuf_FileDescriptorProto] {
        var protos: [Google_Protobuf_FileDescriptorProto] = []
        for bytes in files {
            do {
                protos.append(try Google_Protobuf_FileDescriptorProto(serializedBytes: bytes, limits: .descriptorSets))
            } catch {
                throw .rpc(RPCError(.internal, "the reflection service sent an undecodable file descriptor: \(error)"))
            }
        }
        return protos
    }

    static func notFound(_ kind: String, _ name: String, candidates: [String], from origin: String) -> String {
        let suggestions = DescriptorPool.suggestions(for: name, in: candidates, limit: 3)
        let hint = suggestions.isEmpty ? "" : "; did you mean \(suggestions.joined(separator: ", "))?"
        return "\(kind) '\(name)' not found on \(origin)\(hint)"
    }
}
