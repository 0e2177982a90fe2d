/// How proto names become Swift names. Matches swift-protobuf's conventions
/// where it has them, so the generated API reads familiar.
enum SwiftNaming {
    /// `snake_case` or `UPPER_SNAKE` words joined as camelCase.
    static func camelCase(_ name: String, upperFirst: Bool) -> String {
        var result = ""
        var capitalizeNext = upperFirst
        let lowercaseAll = name == name.uppercased()
        for character in name {
            if character == "_" {
                capitalizeNext = !result.isEmpty || upperFirst
                continue
            }
            let piece = lowercaseAll ? String(character).lowercased() : String(character)
            if capitalizeNext {
                result += piece.uppercased()
                capitalizeNext = false
            } else if result.isEmpty && !upperFirst {
                result += piece.lowercased()
            } else {
                result += piece
            }
        }
        return result
    }

    /// The type prefix for a package without `swift_prefix`:
    /// `grpc.health.v1` → `Grpc_Health_V1_`.
    static func packagePrefix(_ package: String) -> String {
        guard !package.isEmpty else { return "" }
        return package.split(separator: ".").map { camelCase(String($0), upperFirst: true) }.joined(separator: "_") + "_"
    }

    /// `OrderStatus` → `ORDER_STATUS_`, the prefix enum values conventionally carry.
    static func enumValuePrefix(_ enumName: String) -> String {
        var result = ""
        var previous: Character?
        for character in enumName {
            if character.isUppercase, let previous, previous.isLowercase || previous.isNumber {
                result += "_"
            }
            result += character.uppercased()
            previous = character
        }
        return result + "_"
    }

    /// A declaration name, escaped or renamed when it is a Swift keyword.
    static func identifier(_ name: String) -> String {
        if renamed.contains(name) { return name + "_" }
        if keywords.contains(name) { return "`\(name)`" }
        return name
    }

    /// A type name that does not clash with Swift's `Foo.Type`-style
    /// expressions: `Type` → `TypeEnum` or `TypeMessage`, as swift-protobuf does.
    static func typeName(_ name: String, isEnum: Bool) -> String {
        reservedTypeNames.contains(name) ? name + (isEnum ? "Enum" : "Message") : name
    }

    private static let reservedTypeNames: Set<String> = ["Type", "Protocol", "Self", "Any"]

    /// Names that cannot be used even with backticks in every position.
    private static let renamed: Set<String> = ["self", "Self", "Type", "Protocol", "init", "deinit", "subscript", "super"]

    private static let keywords: Set<String> = [
        "associatedtype", "class", "enum", "extension", "fileprivate", "func", "import", "inout",
        "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public",
        "rethrows", "static", "struct", "typealias", "var", "break", "case", "catch", "continue",
        "default", "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat",
        "return", "throw", "switch", "where", "while", "Any", "as", "await", "false", "is", "nil",
        "throws", "true", "try", "some", "any", "async", "consume", "copy", "borrowing", "consuming",
    ]

    /// protoc-c's C identifier for a fully qualified name:
    /// `grpc.testing.SimpleRequest` → `grpc__testing__simple_request`.
    static func cName(_ fullName: String) -> String {
        fullName.split(separator: ".").map { component -> String in
            // An underscore starts each run of capitals: `UInt32Value` → `uint32_value`.
            var result = ""
            var previousWasUpper = true
            for character in component {
                if character.isUppercase && !previousWasUpper { result += "_" }
                result += character.lowercased()
                previousWasUpper = character.isUppercase
            }
            return result
        }.joined(separator: "__")
    }
}
