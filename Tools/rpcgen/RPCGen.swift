import ArgumentParser
import Foundation

/// Generates the Swift module for a set of `.proto` files from a descriptor
/// set written by `protoc --include_imports --include_source_info`.
@main
struct RPCGen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rpcgen",
        abstract: "Generate Swift messages, clients and handler protocols from a protobuf descriptor set.")

    @Option(help: "The FileDescriptorSet to read.")
    var descriptorSet: String

    @Option(help: "The Swift module the output belongs to.")
    var module: String

    @Option(help: "Generate only files whose path starts with this prefix (repeatable).")
    var generate: [String]

    @Option(name: .customLong("import"), help: "A module the generated code imports and re-exports (repeatable).")
    var imports: [String] = []

    @Option(help: "The directory to write into; its previous contents are replaced.")
    var output: String

    func run() throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: descriptorSet)))
        let files = try DescriptorSetReader.read(bytes)
        let symbols = try SymbolTable(files: files)
        let selected = files.filter { file in generate.contains { file.name.hasPrefix($0) } }
        guard !selected.isEmpty else { throw RPCGenError("no file in \(descriptorSet) matches \(generate)") }
        try symbols.checkUnique(in: selected)
        try checkNoRecursion(selected, symbols: symbols)

        let fileManager = FileManager.default
        let directory = URL(fileURLWithPath: output)
        try? fileManager.removeItem(at: directory)
        try fileManager.createDirectory(at: directory, withIntermediateDirectories: true)
        for file in selected {
            let emitter = FileEmitter(file: file, symbols: symbols, imports: imports)
            try Data(try emitter.emit().utf8).write(to: directory.appendingPathComponent(emitter.outputName))
        }
        let hasServices = selected.contains { !$0.services.isEmpty }
        let reexports = ["Protobuf"] + (hasServices ? ["RPC"] : []) + imports
        let descriptors = DescriptorSetEmitter(module: module, files: selected, reexports: reexports)
        try Data(descriptors.emit().utf8).write(to: directory.appendingPathComponent("\(module)DescriptorSet.swift"))
    }

    /// Swift structs cannot contain themselves; a singular message field
    /// cycle would need boxing, which no file here uses, so it is refused.
    private func checkNoRecursion(_ files: [ProtoFile], symbols: SymbolTable) throws {
        func visit(_ name: String, _ path: [String]) throws {
            if path.contains(name) {
                throw RPCGenError("recursive message fields are not supported: \((path + [name]).joined(separator: " -> "))")
            }
            let message = try symbols.message(name)
            for field in message.fields where field.kind == .message && field.label != .repeated {
                if let type = field.typeName { try visit(type, path + [name]) }
            }
        }
        func all(_ messages: [ProtoMessage]) -> [ProtoMessage] {
            messages.flatMap { [$0] + all($0.messages) }
        }
        for message in files.flatMap({ all($0.messages) }) { try visit(message.fullName, []) }
    }
}
