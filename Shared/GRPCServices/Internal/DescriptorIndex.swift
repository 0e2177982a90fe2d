import Protobuf
import WellKnownTypes

/// The embedded `.proto` files, indexed by file name and by every symbol
/// they declare, for answering reflection requests.
struct DescriptorIndex: Sendable {
    private struct File: Sendable {
        let serialized: [UInt8]
        let dependencies: [String]
    }

    private var files: [String: File] = [:]
    private var fileBySymbol: [String: String] = [:]
    private var fileByExtension: [String: [Int32: String]] = [:]

    init(_ embedded: [EmbeddedFileDescriptor]) throws {
        for file in embedded where files[file.name] == nil {
            let proto = try Google_Protobuf_FileDescriptorProto(serializedBytes: file.serialized)
            files[file.name] = File(serialized: file.serialized, dependencies: proto.dependency)
            let package = proto.package ?? ""
            for message in proto.messageType { index(message, scope: package, file: file.name) }
            for enumeration in proto.enumType { fileBySymbol[qualified(package, enumeration.name ?? "")] = file.name }
            for service in proto.service {
                let serviceName = qualified(package, service.name ?? "")
                fileBySymbol[serviceName] = file.name
                for method in service.method { fileBySymbol[serviceName + "." + (method.name ?? "")] = file.name }
            }
            for field in proto.extension { indexExtension(field, scope: package, file: file.name) }
        }
    }

    private mutating func index(_ message: Google_Protobuf_DescriptorProto, scope: String, file: String) {
        let name = qualified(scope, message.name ?? "")
        fileBySymbol[name] = file
        for field in message.field { fileBySymbol[name + "." + (field.name ?? "")] = file }
        for nested in message.nestedType { index(nested, scope: name, file: file) }
        for enumeration in message.enumType { fileBySymbol[qualified(name, enumeration.name ?? "")] = file }
        for field in message.extension { indexExtension(field, scope: name, file: file) }
    }

    private mutating func indexExtension(_ field: Google_Protobuf_FieldDescriptorProto, scope: String, file: String) {
        fileBySymbol[qualified(scope, field.name ?? "")] = file
        guard let extendee = field.extendee, let number = field.number else { return }
        fileByExtension[String(extendee.drop { $0 == "." }), default: [:]][number] = file
    }

    private func qualified(_ scope: String, _ name: String) -> String {
        scope.isEmpty ? name : scope + "." + name
    }

    /// The named file followed by everything it imports, transitively; nil
    /// when the file is unknown.
    func fileWithDependencies(_ name: String) -> [[UInt8]]? {
        guard files[name] != nil else { return nil }
        var result: [[UInt8]] = []
        var seen: Set<String> = []
        var pending = [name]
        while let next = pending.first {
            pending.removeFirst()
            guard seen.insert(next).inserted, let file = files[next] else { continue }
            result.append(file.serialized)
            pending += file.dependencies
        }
        return result
    }

    /// The file declaring `symbol` (a type, service, method, field or enum).
    func file(containing symbol: String) -> String? {
        fileBySymbol[symbol]
    }

    /// The file declaring extension `number` of `type`.
    func file(extending type: String, number: Int32) -> String? {
        fileByExtension[type]?[number]
    }

    /// The extension numbers known for `type`, nil when the type is unknown.
    func extensionNumbers(of type: String) -> [Int32]? {
        guard fileBySymbol[type] != nil else { return nil }
        return fileByExtension[type].map { Array($0.keys).sorted() } ?? []
    }
}
