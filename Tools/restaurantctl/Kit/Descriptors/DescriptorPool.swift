import Foundation
import Protobuf
import WellKnownTypes

/// A problem with descriptors: a file that does not decode, a type that is
/// referred to but missing, a symbol that is not there.
public struct DescriptorError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Every type, enum and service of a set of `.proto` files, with type names
/// resolved across files: the model the wire and JSON codecs are driven by.
///
/// Built from `FileDescriptorProto`s as server reflection returns them or
/// `protoc --include_imports -o` writes them.
public final class DescriptorPool: Sendable {
    /// The files, each after the files it imports.
    public let files: [ProtoFile]
    private let filesByName: [String: ProtoFile]
    private let messages: [String: ProtoMessage]
    private let enums: [String: ProtoEnum]
    private let servicesByName: [String: ProtoService]

    /// A pool of the given files. Files with the same name are kept once.
    public convenience init(files protos: [Google_Protobuf_FileDescriptorProto]) throws(DescriptorError) {
        try self.init(parsed: protos.map(ProtoFile.init))
    }

    /// A pool of files already wrapped (the first of each name is kept).
    private init(parsed: [ProtoFile]) throws(DescriptorError) {
        var unique: [String: ProtoFile] = [:]
        var names: [String] = []
        for file in parsed {
            guard unique[file.name] == nil else { continue }
            unique[file.name] = file
            names.append(file.name)
        }
        let files = Self.dependencyOrder(names, unique).map { unique[$0]! }
        self.files = files
        self.filesByName = Dictionary(files.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

        // Pass 1: every type name, so fields can be resolved in any order.
        var kinds: [String: TypeKind] = [:]
        for file in files {
            try Self.collect(file: file, into: &kinds)
        }
        // Pass 2: the types themselves.
        var messages: [String: ProtoMessage] = [:]
        var enums: [String: ProtoEnum] = [:]
        var services: [String: ProtoService] = [:]
        for file in files {
            let prefix = file.package.isEmpty ? "" : file.package + "."
            for (index, message) in file.proto.messageType.enumerated() {
                try Self.build(message: message, fullName: prefix + (message.name ?? ""), file: file,
                               path: [4, Int32(index)], kinds: kinds, messages: &messages, enums: &enums)
            }
            for (index, enumProto) in file.proto.enumType.enumerated() {
                let fullName = prefix + (enumProto.name ?? "")
                enums[fullName] = ProtoEnum(fullName: fullName, fileName: file.name, isClosed: file.syntax == "proto2",
                                            proto: enumProto, sourcePath: [5, Int32(index)])
            }
            for (index, service) in file.proto.service.enumerated() {
                let fullName = prefix + (service.name ?? "")
                var methods: [ProtoMethod] = []
                for (methodIndex, method) in service.method.enumerated() {
                    let where_ = "method \(fullName).\(method.name ?? "")"
                    let input = try Self.resolve(method.inputType ?? "", scope: fullName, kinds: kinds, wanted: .message(isMapEntry: false), where: where_)
                    let output = try Self.resolve(method.outputType ?? "", scope: fullName, kinds: kinds, wanted: .message(isMapEntry: false), where: where_)
                    methods.append(ProtoMethod(name: method.name ?? "", service: fullName, inputType: input, outputType: output,
                                               clientStreaming: method.clientStreaming ?? false,
                                               serverStreaming: method.serverStreaming ?? false, proto: method,
                                               sourcePath: [6, Int32(index), 2, Int32(methodIndex)]))
                }
                services[fullName] = ProtoService(fullName: fullName, fileName: file.name, methods: methods, proto: service,
                                                  sourcePath: [6, Int32(index)])
            }
        }
        self.messages = messages
        self.enums = enums
        self.servicesByName = services
    }

    /// A pool of encoded `FileDescriptorProto`s.
    public convenience init(serializedFiles: [[UInt8]]) throws(DescriptorError) {
        var protos: [Google_Protobuf_FileDescriptorProto] = []
        for (index, bytes) in serializedFiles.enumerated() {
            do {
                protos.append(try Google_Protobuf_FileDescriptorProto(serializedBytes: bytes, limits: .descriptorSets))
            } catch {
                throw DescriptorError("file descriptor \(index + 1) does not decode: \(error)")
            }
        }
        try self.init(files: protos)
    }

    /// A pool of an encoded `FileDescriptorSet` (`protoc --include_imports -o FILE`).
    public convenience init(descriptorSet bytes: [UInt8]) throws(DescriptorError) {
        let set: Google_Protobuf_FileDescriptorSet
        do {
            set = try Google_Protobuf_FileDescriptorSet(serializedBytes: bytes, limits: .descriptorSets)
        } catch {
            throw DescriptorError("not a FileDescriptorSet (as `protoc --include_imports -o FILE` writes): \(error)")
        }
        try self.init(files: set.file)
    }

    /// The same files plus `others` (files already present are kept, and
    /// not wrapped again: their comment index is built once).
    public func adding(_ others: [Google_Protobuf_FileDescriptorProto]) throws(DescriptorError) -> DescriptorPool {
        try DescriptorPool(parsed: files + others.filter { filesByName[$0.name ?? ""] == nil }.map(ProtoFile.init))
    }

    // MARK: Lookups

    public func file(named name: String) -> ProtoFile? { filesByName[name] }

    /// A message type by full name (a leading dot is allowed).
    public func message(_ name: String) -> ProtoMessage? { messages[Self.trimDot(name)] }

    public func enumType(_ name: String) -> ProtoEnum? { enums[Self.trimDot(name)] }

    public func service(_ name: String) -> ProtoService? { servicesByName[Self.trimDot(name)] }

    /// Every service, by name.
    public var services: [ProtoService] { servicesByName.values.sorted { $0.fullName < $1.fullName } }

    public var messageNames: [String] { messages.keys.sorted() }

    /// What a fully qualified name refers to.
    public enum Symbol: Sendable {
        case service(ProtoService)
        case method(ProtoService, ProtoMethod)
        case message(ProtoMessage)
        case field(ProtoMessage, ProtoField)
        case enumType(ProtoEnum)
        case enumValue(ProtoEnum, ProtoEnum.Value)
    }

    /// Resolves a service, method (`pkg.Service.Method` or
    /// `pkg.Service/Method`), message, field, enum or enum value name.
    public func symbol(_ rawName: String) -> Symbol? {
        let name = Self.trimDot(rawName).replacingOccurrences(of: "/", with: ".")
        if let service = servicesByName[name] { return .service(service) }
        if let message = messages[name] { return .message(message) }
        if let enumType = enums[name] { return .enumType(enumType) }
        guard let dot = name.lastIndex(of: ".") else { return nil }
        let parent = String(name[..<dot])
        let member = String(name[name.index(after: dot)...])
        if let service = servicesByName[parent], let method = service.method(named: member) {
            return .method(service, method)
        }
        if let message = messages[parent], let field = message.fields.first(where: { $0.name == member }) {
            return .field(message, field)
        }
        if let enumType = enums[parent], let number = enumType.number(named: member) {
            return .enumValue(enumType, .init(name: member, number: number))
        }
        // Enum values are also scoped beside their enum: `pkg.VALUE`.
        for enumType in enums.values where enumType.fullName.hasPrefix(parent + ".") || parent.isEmpty {
            let enumParent = enumType.fullName.split(separator: ".").dropLast().joined(separator: ".")
            if enumParent == parent, let number = enumType.number(named: member) {
                return .enumValue(enumType, .init(name: member, number: number))
            }
        }
        return nil
    }

    /// Names in `candidates` close to `name`, for "did you mean" hints.
    public static func suggestions(for name: String, in candidates: [String], limit: Int = 3) -> [String] {
        let target = name.lowercased()
        let scored = candidates.map { candidate -> (String, Int) in
            let lowered = candidate.lowercased()
            // Compare with the last component too, so `TestService` finds `grpc.testing.TestService`.
            let last = lowered.split(separator: ".").last.map(String.init) ?? lowered
            let distance = min(editDistance(target, lowered), editDistance(target, last))
            return (candidate, distance)
        }
        let threshold = max(2, target.count / 3)
        return scored.filter { $0.1 <= threshold }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(limit).map(\.0)
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    static func trimDot(_ name: String) -> String {
        name.hasPrefix(".") ? String(name.dropFirst()) : name
    }

    // MARK: Building

    enum TypeKind: Equatable {
        case message(isMapEntry: Bool)
        case enumeration
        case other
    }

    /// Files in an order where each comes after its dependencies (missing
    /// dependencies are ignored; cycles keep the given order).
    private static func dependencyOrder(_ names: [String], _ files: [String: ProtoFile]) -> [String] {
        var ordered: [String] = []
        var state: [String: Bool] = [:]  // false: visiting, true: done
        func visit(_ name: String) {
            guard let file = files[name], state[name] == nil else { return }
            state[name] = false
            for dependency in file.dependencies { visit(dependency) }
            state[name] = true
            ordered.append(name)
        }
        for name in names { visit(name) }
        return ordered
    }

    private static func collect(file: ProtoFile, into kinds: inout [String: TypeKind]) throws(DescriptorError) {
        let prefix = file.package.isEmpty ? "" : file.package + "."
        func add(_ name: String, _ kind: TypeKind) throws(DescriptorError) {
            if kinds[name] != nil {
                throw DescriptorError("'\(name)' is defined twice (again in \(file.name))")
            }
            kinds[name] = kind
        }
        func collectMessage(_ message: Google_Protobuf_DescriptorProto, _ fullName: String) throws(DescriptorError) {
            try add(fullName, .message(isMapEntry: message.options?.mapEntry ?? false))
            for nested in message.nestedType { try collectMessage(nested, fullName + "." + (nested.name ?? "")) }
            for nested in message.enumType { try add(fullName + "." + (nested.name ?? ""), .enumeration) }
        }
        for message in file.proto.messageType { try collectMessage(message, prefix + (message.name ?? "")) }
        for enumType in file.proto.enumType { try add(prefix + (enumType.name ?? ""), .enumeration) }
        for service in file.proto.service { try add(prefix + (service.name ?? ""), .other) }
        // Packages themselves are scopes for relative names.
        var package = file.package
        while !package.isEmpty {
            if kinds[package] == nil { kinds[package] = .other }
            package = package.split(separator: ".").dropLast().joined(separator: ".")
        }
    }

    /// Resolves a type reference as protoc would: `.pkg.Type` is absolute;
    /// otherwise searched from the innermost scope outwards.
    private static func resolve(_ reference: String, scope: String, kinds: [String: TypeKind], wanted: TypeKind?,
                                where place: String) throws(DescriptorError) -> String {
        func matches(_ kind: TypeKind?) -> Bool {
            guard let kind else { return false }
            switch (kind, wanted) {
            case (.other, _): return false
            case (_, nil): return true
            case (.message, .message?): return true
            case (.enumeration, .enumeration?): return true
            default: return false
            }
        }
        if reference.hasPrefix(".") {
            let name = String(reference.dropFirst())
            if matches(kinds[name]) { return name }
        } else if !reference.isEmpty {
            var components = scope.split(separator: ".").map(String.init)
            while true {
                let candidate = (components + [reference]).joined(separator: ".")
                if matches(kinds[candidate]) { return candidate }
                if components.isEmpty { break }
                components.removeLast()
            }
        }
        throw DescriptorError("\(place) refers to unknown type '\(reference)' (is a descriptor file missing?)")
    }

    private static func build(message proto: Google_Protobuf_DescriptorProto, fullName: String, file: ProtoFile, path: [Int32],
                              kinds: [String: TypeKind], messages: inout [String: ProtoMessage],
                              enums: inout [String: ProtoEnum]) throws(DescriptorError) {
        var fields: [ProtoField] = []
        for fieldProto in proto.field {
            let fieldName = fieldProto.name ?? ""
            let place = "field \(fullName).\(fieldName)"
            var type = fieldProto.type.flatMap { ProtoFieldType(rawValue: $0.rawValue) }
            var typeName: String?
            if let reference = fieldProto.typeName, !reference.isEmpty {
                let wanted: TypeKind? = switch type {
                case .message?, .group?: .message(isMapEntry: false)
                case .enum?: .enumeration
                default: nil
                }
                let resolved = try resolve(reference, scope: fullName, kinds: kinds, wanted: wanted, where: place)
                typeName = resolved
                if type == nil { type = kinds[resolved] == .enumeration ? .enum : .message }
            }
            guard let type else { throw DescriptorError("\(place) has no valid type") }
            if type == .message || type == .group || type == .enum, typeName == nil {
                throw DescriptorError("\(place) has no type name")
            }
            let label: ProtoField.Label = switch fieldProto.label {
            case .repeated?: .repeated
            case .required?: .required
            default: .optional
            }
            let oneofIndex = fieldProto.oneofIndex.map(Int.init)
            if let oneofIndex, !(0..<proto.oneofDecl.count).contains(oneofIndex) {
                throw DescriptorError("\(place) names oneof \(oneofIndex), which does not exist")
            }
            let isProto3Optional = fieldProto.proto3Optional ?? false
            let hasPresence = label != .repeated &&
                (type == .message || type == .group || oneofIndex != nil || isProto3Optional || file.syntax != "proto3")
            let isPacked = label == .repeated && type.isPackable && (fieldProto.options?.packed ?? (file.syntax != "proto2"))
            let isMap = label == .repeated && type == .message && typeName.map { kinds[$0] == .message(isMapEntry: true) } == true
            fields.append(ProtoField(name: fieldName, jsonName: fieldProto.jsonName ?? Self.jsonName(for: fieldName),
                                     number: fieldProto.number ?? 0, type: type, label: label, typeName: typeName,
                                     oneofIndex: oneofIndex, isProto3Optional: isProto3Optional, hasPresence: hasPresence,
                                     isPacked: isPacked, isMap: isMap, defaultValue: fieldProto.defaultValue,
                                     containingType: fullName, proto: fieldProto))
        }
        let oneofs = proto.oneofDecl.enumerated().map { index, oneof in
            let members = fields.filter { $0.oneofIndex == index }
            return ProtoOneof(name: oneof.name ?? "", fieldNumbers: members.map(\.number),
                              isSynthetic: members.count == 1 && members[0].isProto3Optional)
        }
        messages[fullName] = ProtoMessage(fullName: fullName, fileName: file.name, fields: fields, oneofs: oneofs,
                                          proto: proto, sourcePath: path)
        for (index, nested) in proto.nestedType.enumerated() {
            try build(message: nested, fullName: fullName + "." + (nested.name ?? ""), file: file, path: path + [3, Int32(index)],
                      kinds: kinds, messages: &messages, enums: &enums)
        }
        for (index, nested) in proto.enumType.enumerated() {
            let enumName = fullName + "." + (nested.name ?? "")
            enums[enumName] = ProtoEnum(fullName: enumName, fileName: file.name, isClosed: file.syntax == "proto2",
                                        proto: nested, sourcePath: path + [4, Int32(index)])
        }
    }

    /// protoc's default json_name: underscores dropped, the letter after
    /// each one capitalized.
    public static func jsonName(for name: String) -> String {
        var result = ""
        var capitalizeNext = false
        for character in name {
            if character == "_" {
                capitalizeNext = true
            } else if capitalizeNext {
                result += character.uppercased()
                capitalizeNext = false
            } else {
                result.append(character)
            }
        }
        return result
    }
}
