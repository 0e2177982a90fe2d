/// Emits a Swift enum for a proto enum. Values outside the declared ones are
/// kept as `unrecognized(Int32)`, because proto3 enums are open.
struct EnumEmitter {
    let file: ProtoFile
    let symbols: SymbolTable

    func emit(_ enumeration: ProtoEnum, into out: inout CodeWriter) throws {
        let swiftName = try symbols.swiftName(enumeration.fullName)
        let typeName = String(swiftName.split(separator: ".").last!)
        let names = caseNames(enumeration)
        var firstByNumber: [Int32: String] = [:]
        var cases: [(value: ProtoEnum.Value, name: String)] = []
        var aliases: [(value: ProtoEnum.Value, name: String, target: String)] = []
        for (value, name) in zip(enumeration.values, names) {
            if let target = firstByNumber[value.number] {
                aliases.append((value, name, target))
            } else {
                firstByNumber[value.number] = name
                cases.append((value, name))
            }
        }
        let defaultCase = firstByNumber[0] ?? cases[0].name

        out.lines(file.comments.docLines(enumeration.path))
        out.block("public enum \(typeName): ProtobufEnum") { out in
            for item in cases {
                out.lines(file.comments.docLines(item.value.path))
                out.line("case \(item.name)")
            }
            out.line("/// A value this build does not know, kept so it survives re-encoding.")
            out.line("case unrecognized(Int32)")
            out.line()
            for alias in aliases {
                out.lines(file.comments.docLines(alias.value.path))
                out.line("public static let \(alias.name): \(typeName) = .\(alias.target)")
                out.line()
            }
            out.line("/// The default value, `\(enumeration.values.first { $0.number == 0 }?.name ?? enumeration.values[0].name)`.")
            out.line("public init() { self = .\(defaultCase) }")
            out.line()
            out.block("public init(rawValue: Int32)") { out in
                out.line("switch rawValue {")
                for item in cases { out.line("case \(item.value.number): self = .\(item.name)") }
                out.line("default: self = .unrecognized(rawValue)")
                out.line("}")
            }
            out.line()
            out.block("public var rawValue: Int32") { out in
                out.line("switch self {")
                for item in cases { out.line("case .\(item.name): \(item.value.number)") }
                out.line("case .unrecognized(let value): value")
                out.line("}")
            }
            out.line()
            out.block("public var protoName: String?") { out in
                out.line("switch self {")
                for item in cases { out.line("case .\(item.name): \"\(item.value.name)\"") }
                out.line("case .unrecognized: nil")
                out.line("}")
            }
            out.line()
            out.line("public static let allCases: [\(typeName)] = [\(cases.map { "." + $0.name }.joined(separator: ", "))]")
        }
    }

    /// Case names with the conventional `ENUM_NAME_` prefix removed from
    /// each value that carries it (unless a digit would lead); all full
    /// names instead if two cases would clash.
    private func caseNames(_ enumeration: ProtoEnum) -> [String] {
        let prefix = SwiftNaming.enumValuePrefix(enumeration.name)
        let stripped = enumeration.values.map { value -> String in
            var name = value.name
            if name.hasPrefix(prefix), let first = name.dropFirst(prefix.count).first, !first.isNumber {
                name = String(name.dropFirst(prefix.count))
            }
            return Self.caseName(name)
        }
        if Set(stripped).count == stripped.count { return stripped }
        return enumeration.values.map { Self.caseName($0.name) }
    }

    private static func caseName(_ protoName: String) -> String {
        let name = SwiftNaming.camelCase(protoName, upperFirst: false)
        if name == "unrecognized" || name == "allCases" || name == "rawValue" { return name + "_" }
        return SwiftNaming.identifier(name)
    }
}
