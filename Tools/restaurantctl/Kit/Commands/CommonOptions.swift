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

    /// The address to use: the argument, else the first variable set.
    public static func resolve(_ address: String?, variables: [String] = defaultVariables,
                               environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let address { return address }
        for variable in variables {
            if let value = environment[variable]?.trimmingCharacters(in: .whitespaces), !value.isEmpty { return value }
        }
        return nil
    }

    /// The address, or a usage error naming the variables to set.
    public static func require(_ address: String?, variables: [String] = defaultVariables) throws(CLIError) -> String {
        guard let resolved = resolve(address, variables: variables) else {
            throw .usage("no server address: pass ADDR (host:port, e.g. localhost:50051) or set \(variables.joined(separator: " or "))")
        }
        if let problem = ServerAddress.validate(resolved) {
            let origin = address == nil ? " (from $\(variables.first { ProcessInfo.processInfo.environment[$0] != nil } ?? variables[0]))" : ""
            throw .usage(problem + origin)
        }
        return resolved
    }
}

/// Shell completions that ask the server (through reflection) what it has.
enum ReflectionCompletion {
    /// Every `pkg.Service/Method` of the server named on the command line
    /// (or in $RESTAURANT_ADDR).
    static func methods(_ words: [String], _ index: Int, _ prefix: String) async -> [String] {
        guard let session = session(words) else { return [] }
        let schema = Schema(reflection: session)
        guard let names = try? await schema.serviceNames() else { return [] }
        var result: [String] = []
        for name in names where !name.hasPrefix("grpc.reflection.") {
            guard let service = try? await schema.service(name) else { continue }
            result += service.methods.map { "\(service.fullName)/\($0.name)" }
        }
        return result.filter { $0.hasPrefix(prefix) }
    }

    /// The server's service names.
    static func services(_ words: [String], _ index: Int, _ prefix: String) async -> [String] {
        guard let session = session(words) else { return [] }
        let names = (try? await Schema(reflection: session).serviceNames()) ?? []
        return names.filter { $0.hasPrefix(prefix) }
    }

    /// Methods and services, plus message and enum types of those services.
    static func symbols(_ words: [String], _ index: Int, _ prefix: String) async -> [String] {
        await services(words, index, prefix) + methods(words, index, prefix)
    }

    private static func session(_ words: [String]) -> Session? {
        let explicit = words.dropFirst().first { ServerAddress.looksLikeAddress($0) && ServerAddress.validate($0) == nil }
        guard let address = AddressResolution.resolve(explicit), ServerAddress.validate(address) == nil else { return nil }
        var settings = Session.Settings()
        settings.connectTimeout = .seconds(1)
        settings.timeout = .seconds(2)
        if let token = ProcessInfo.processInfo.environment["RESTAURANT_TOKEN"], !token.isEmpty {
            settings.metadata.add("authorization", "Bearer \(token)")
        }
        return try? Session(address: address, settings: settings)
    }
}
