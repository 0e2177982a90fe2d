/// Emits a Swift struct for a message: properties with proto3 defaults,
/// nested types, and its ``ProtobufMessage`` conformance.
struct MessageEmitter {
    let file: ProtoFile
    let symbols: SymbolTable

    func emit(_ message: ProtoMessage, into out: inout CodeWriter) throws {
        let swiftName = try symbols.swiftName(message.fullName)
        let typeName = String(swiftName.split(separator: ".").last!)
        let fields = message.fields.sorted { $0.number < $1.number }
        let members = try self.members(of: message, sortedFields: fields)

        out.lines(file.comments.docLines(message.path))
        try out.block("public struct \(typeName): ProtobufMessage") { out in
            for member in members {
                out.lines(member.doc)
                out.line("public var \(member.property): \(member.type) = \(member.defaultValue)")
                out.line()
            }
            for member in members {
                if let oneof = member.oneofEnum { emitOneofEnum(oneof, into: &out) }
            }
            for nested in message.enums {
                try EnumEmitter(file: file, symbols: symbols).emit(nested, into: &out)
                out.line()
            }
            for nested in message.messages where !nested.isMapEntry {
                try emit(nested, into: &out)
                out.line()
            }
            out.line("/// A message with every field at its default.")
            out.line("public init() {}")
            out.line()
            out.line("@_spi(ProtobufGenerated)")
            out.line("public static var protobufDescriptor: MessageDescriptor { MessageDescriptor(pbc_\(SwiftNaming.cName(message.fullName))()) }")
            out.line()
            out.line("@_spi(ProtobufGenerated)")
            out.block("public init(reader: borrowing MessageReader) throws") { out in
                for member in members { out.lines(member.read) }
            }
            out.line()
            out.line("@_spi(ProtobufGenerated)")
            out.block("public func write(to writer: inout MessageWriter) throws") { out in
                for member in members { out.lines(member.write) }
            }
        }
    }

    // MARK: Members

    /// One stored property: a field, or a oneof holding several.
    private struct Member {
        var doc: [String]
        var property: String
        var type: String
        var defaultValue: String
        var read: [String]
        var write: [String]
        var oneofEnum: OneofEnum?
    }

    private struct OneofEnum {
        var doc: [String]
        var name: String
        var cases: [(doc: [String], name: String, type: String)]
    }

    private func members(of message: ProtoMessage, sortedFields: [ProtoField]) throws -> [Member] {
        let index = Dictionary(uniqueKeysWithValues: sortedFields.enumerated().map { ($1.number, $0) })
        var members: [Member] = []
        var emittedOneofs = Set<Int>()
        // Declaration order reads best; indexes follow the descriptor's number order.
        for field in message.fields {
            let fieldIndex = index[field.number]!
            if let oneofIndex = field.oneofIndex, !isSyntheticPresence(message.oneofs[oneofIndex], in: message) {
                guard emittedOneofs.insert(oneofIndex).inserted else { continue }
                members.append(try oneofMember(message.oneofs[oneofIndex], in: message, index: index))
            } else {
                members.append(try fieldMember(field, in: message, index: fieldIndex))
            }
        }
        return members
    }

    /// `oneof _x { T x = N; }`, protoc-c's spelling of proto3 `optional`.
    private func isSyntheticPresence(_ oneof: ProtoOneof, in message: ProtoMessage) -> Bool {
        guard oneof.fieldIndexes.count == 1 else { return false }
        let field = message.fields[oneof.fieldIndexes[0]]
        return field.isProto3Optional || oneof.name == "_" + field.name
    }

    private func propertyName(_ protoName: String) -> String {
        SwiftNaming.identifier(SwiftNaming.camelCase(protoName, upperFirst: false))
    }

    private func fieldMember(_ field: ProtoField, in message: ProtoMessage, index: Int) throws -> Member {
        let name = propertyName(field.name)
        let doc = file.comments.docLines(field.path)
        let element = try FieldPlan.element(for: field, symbols: symbols)

        if field.label == .repeated {
            if field.kind == .message, let typeName = field.typeName,
               case let entry = try symbols.message(typeName), entry.isMapEntry {
                return try mapMember(field, entry: entry, name: name, doc: doc, index: index)
            }
            return Member(doc: doc, property: name, type: "[\(element.swiftType)]", defaultValue: "[]",
                          read: ["self.\(name) = \(element.repeatedRead("reader", index))"],
                          write: [element.repeatedWrite("writer", index, "self.\(name)")])
        }
        if field.kind == .message, let typeName = field.typeName, let kind = FieldPlan.wrapperKinds[typeName] {
            var inner = field
            inner.kind = kind
            let wrapped = try FieldPlan.element(for: inner, symbols: symbols)
            let body = wrapped.write("$0", 0, "value")
            return Member(doc: doc, property: name, type: "\(wrapped.swiftType)?", defaultValue: "nil",
                          read: ["self.\(name) = reader.message(\(index)) { \(wrapped.read("$0", 0)) }"],
                          write: ["if let value = self.\(name) { \(wrapped.writeThrows ? "try " : "")writer.setMessage(\(index)) { \(body) } }"])
        }
        let hasPresence = field.kind == .message
            || field.oneofIndex != nil
            || (!file.isProto3 && field.label == .optional)
        if hasPresence {
            let read = field.kind == .message
                ? ["self.\(name) = \(element.read("reader", index))"]
                : ["if reader.has(\(index)) { self.\(name) = \(element.read("reader", index)) }"]
            return Member(doc: doc, property: name, type: "\(element.swiftType)?", defaultValue: "nil",
                          read: read,
                          write: ["if let value = self.\(name) { \(element.write("writer", index, "value")) }"])
        }
        let write = element.write("writer", index, "self.\(name)")
        return Member(doc: doc, property: name, type: element.swiftType, defaultValue: element.defaultValue,
                      read: ["self.\(name) = \(element.read("reader", index))"],
                      write: [element.isEmptyCheck.map { "if \($0("self.\(name)")) { \(write) }" } ?? write])
    }

    private func mapMember(_ field: ProtoField, entry: ProtoMessage, name: String, doc: [String], index: Int) throws -> Member {
        let entryFields = entry.fields.sorted { $0.number < $1.number }
        guard entryFields.count == 2 else { throw RPCGenError("map entry \(entry.fullName) needs 2 fields") }
        let key = try FieldPlan.element(for: entryFields[0], symbols: symbols)
        let value = try FieldPlan.element(for: entryFields[1], symbols: symbols)
        let valueRead = entryFields[1].kind == .message
            ? "\(value.read("$0", 1)) ?? \(value.defaultValue)"
            : value.read("$0", 1)
        let readThrows = value.readThrows
        let writeThrows = key.writeThrows || value.writeThrows
        return Member(
            doc: doc, property: name, type: "[\(key.swiftType): \(value.swiftType)]", defaultValue: "[:]",
            read: ["self.\(name) = \(readThrows ? "try " : "")reader.map(\(index)) { (\(key.read("$0", 0)), \(valueRead)) }"],
            write: ["\(writeThrows ? "try " : "")writer.setRepeatedMessage(\(index), self.\(name)) { entry, pair in "
                    + "\(key.write("entry", 0, "pair.key")); \(value.write("entry", 1, "pair.value")) }"])
    }

    private func oneofMember(_ oneof: ProtoOneof, in message: ProtoMessage, index: [Int: Int]) throws -> Member {
        let property = propertyName(oneof.name)
        var enumName = SwiftNaming.camelCase(oneof.name, upperFirst: true)
        if message.messages.contains(where: { $0.name == enumName }) || message.enums.contains(where: { $0.name == enumName }) {
            enumName = "OneOf_" + enumName
        }
        let fields = oneof.fieldIndexes.map { message.fields[$0] }
        var cases: [(doc: [String], name: String, type: String)] = []
        var read = ["switch reader.oneofCase(\(index[fields[0].number]!)) {"]
        var write = ["switch self.\(property) {"]
        for field in fields {
            let element = try FieldPlan.element(for: field, symbols: symbols)
            let caseName = propertyName(field.name)
            let fieldIndex = index[field.number]!
            cases.append((file.comments.docLines(field.path), caseName, element.swiftType))
            let value = field.kind == .message
                ? "\(element.read("reader", fieldIndex)) ?? \(element.defaultValue)"
                : element.read("reader", fieldIndex)
            read.append("case \(field.number): self.\(property) = .\(caseName)(\(value))")
            write.append("case .\(caseName)(let value)?: \(element.write("writer", fieldIndex, "value"))")
        }
        read += ["default: self.\(property) = nil", "}"]
        write += ["case nil: break", "}"]
        return Member(doc: file.comments.docLines(oneof.path), property: property, type: "\(enumName)?",
                      defaultValue: "nil", read: read, write: write,
                      oneofEnum: OneofEnum(doc: file.comments.docLines(oneof.path), name: enumName, cases: cases))
    }

    private func emitOneofEnum(_ oneof: OneofEnum, into out: inout CodeWriter) {
        out.lines(oneof.doc)
        out.block("public enum \(oneof.name): Sendable, Equatable") { out in
            for item in oneof.cases {
                out.lines(item.doc)
                out.line("case \(item.name)(\(item.type))")
            }
        }
        out.line()
    }
}
