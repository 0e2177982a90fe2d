/// Every message and enum in the descriptor set, by fully qualified proto
/// name, with the Swift name generated code refers to it by.
struct SymbolTable {
    enum Symbol {
        case message(ProtoMessage, swiftName: String)
        case enumeration(ProtoEnum, swiftName: String)

        var swiftName: String {
            switch self {
            case let .message(_, name), let .enumeration(_, name): return name
            }
        }
    }

    private(set) var symbols: [String: Symbol] = [:]

    init(files: [ProtoFile]) throws {
        for file in files {
            let prefix = file.swiftPrefix ?? SwiftNaming.packagePrefix(file.package)
            for message in file.messages {
                add(message, swiftName: prefix + SwiftNaming.typeName(message.name, isEnum: false))
            }
            for enumeration in file.enums {
                symbols[enumeration.fullName] = .enumeration(
                    enumeration, swiftName: prefix + SwiftNaming.typeName(enumeration.name, isEnum: true))
            }
        }
    }

    private mutating func add(_ message: ProtoMessage, swiftName: String) {
        symbols[message.fullName] = .message(message, swiftName: swiftName)
        for nested in message.messages {
            add(nested, swiftName: swiftName + "." + SwiftNaming.typeName(nested.name, isEnum: false))
        }
        for enumeration in message.enums {
            symbols[enumeration.fullName] = .enumeration(
                enumeration, swiftName: swiftName + "." + SwiftNaming.typeName(enumeration.name, isEnum: true))
        }
    }

    func swiftName(_ fullName: String) throws -> String {
        guard let symbol = symbols[fullName] else { throw RPCGenError("unknown type \(fullName)") }
        return symbol.swiftName
    }

    func message(_ fullName: String) throws -> ProtoMessage {
        guard case let .message(message, _)? = symbols[fullName] else { throw RPCGenError("\(fullName) is not a message") }
        return message
    }

    /// Fails when two generated top-level types would share a Swift name.
    func checkUnique(in files: [ProtoFile]) throws {
        var seen: [String: String] = [:]
        for file in files {
            for declaration in file.messages.map(\.fullName) + file.enums.map(\.fullName) {
                let name = try swiftName(declaration)
                if let other = seen[name] {
                    throw RPCGenError("\(declaration) and \(other) both map to Swift type \(name); set swift_prefix")
                }
                seen[name] = declaration
            }
        }
    }
}
