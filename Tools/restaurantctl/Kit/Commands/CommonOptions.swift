import ArgumentParser
import Foundation

/// `--protoset`: descriptors from files instead of server reflection.
public struct SchemaOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("protoset"),
            help: ArgumentHelp("Use a descriptor set instead of server reflection (protoc --include_imports -o FILE x.proto); repeatable.",
                               valueName: "file"),
            completion: .file(extensions: ["pb", "protoset", "bin", "desc"]))
    public var protosets: [String] = []

    public init() {}
}

/// The optional ADDR positional in front of a name positional, and where a
/// missing address comes from.
public enum AddressResolution {
    /// The environment variable generic commands read the address from.
    public static let defaultVariables = ["RESTAURANT_ADDR"]

    /// Splits `[ADDR] [NAME]`: with one argument, it is the address if it
    /// looks like one (host:port), else the name.
    public static func split(_ first: String?, _ second: String?) -> (address: String?, name: String?) {
        switch (first, second) {
        case let (first?, second?): (first, second)
        case let (first?, nil): ServerAddress.looksLikeAddress(first) ? (first, nil) : (nil, first)
        default: (nil, nil)
        }
    }

    /// The address to use: the argument, else the first variable set to
    /// something, named as where the address came from.
    public static func resolve(_ address: String?, variables: [String] = defaultVariables,
                               environment: [String: String] = ProcessInfo.processInfo.environment)
        -> (address: String, variable: String?)? {
        if let address { return (address, nil) }
        for variable in variables {
            if let value = environment[variable]?.trimmingCharacters(in: .whitespaces), !value.isEmpty { return (value, variable) }
        }
        return nil
    }

    /// The resolved address (else `fallback`), checked; a usage error names
    /// the variable a bad address came from, or the variables to set when
    /// there is none.
    public static func require(_ address: String?, variables: [String] = defaultVariables, fallback: String? = nil,
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws(CLIError) -> String {
        guard let resolved = resolve(address, variables: variables, environment: environment) ?? fallback.map({ ($0, nil) }) else {
            throw .usage("no server address: pass ADDR (host:port, e.g. localhost:50051) or set \(variables.joined(separator: " or "))")
        }
        if let problem = ServerAddress.validate(resolved.address) {
            throw .usage(problem + (resolved.variable.map { " (from $\($0))" } ?? ""))
        }
        return resolved.address
    }
}

/// Shell completions that ask the server (through reflection) what it has.
enum ReflectionCompletion {
    /// Every `pkg.Service/Method` of the server named on the command line
    /// (or in $RESTAURANT_ADDR).
    static func methods(_ words: [String], _ index: Int, _ prefix: String) async -> [String] {
        guard let schema = schema(words) else { return [] }
        return await methods(of: (try? await schema.serviceNames()) ?? [], in: schema).filter { $0.hasPrefix(prefix) }
    }

    /// The server's service names.
    static func services(_ words: [String], _ index: Int, _ prefix: String) async -> [String] {
        guard let schema = schema(words) else { return [] }
        return ((try? await schema.serviceNames()) ?? []).filter { $0.hasPrefix(prefix) }
    }

    /// The server's services, then their methods (`pkg.Service/Method`).
    static func symbols(_ words: [String], _ index: Int, _ prefix: String) async -> [String] {
        guard let schema = schema(words) else { return [] }
        let names = (try? await schema.serviceNames()) ?? []
        return (names + (await methods(of: names, in: schema))).filter { $0.hasPrefix(prefix) }
    }

    private static func methods(of services: [String], in schema: Schema) async -> [String] {
        let names = services.filter { !$0.hasPrefix("grpc.reflection.") }
        await schema.preload(names)
        var result: [String] = []
        for name in names {
            guard let service = try? await schema.service(name) else { continue }
            result += service.methods.map { "\(service.fullName)/\($0.name)" }
        }
        return result
    }

    /// Reflection on the server named on the command line, with short
    /// timeouts: a shell waits for the answer.
    private static func schema(_ words: [String]) -> Schema? {
        let explicit = words.dropFirst().first { ServerAddress.looksLikeAddress($0) && ServerAddress.validate($0) == nil }
        guard let address = try? AddressResolution.require(explicit) else { return nil }
        var settings = Session.Settings()
        settings.connectTimeout = .seconds(1)
        settings.timeout = .seconds(2)
        if let token = ProcessInfo.processInfo.environment["RESTAURANT_TOKEN"], !token.isEmpty {
            settings.metadata.add("authorization", "Bearer \(token)")
        }
        return (try? Session(address: address, settings: settings)).map { Schema(reflection: $0) }
    }
}
