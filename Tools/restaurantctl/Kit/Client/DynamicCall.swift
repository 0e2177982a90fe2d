import Foundation
import NIOCore
import RPC

/// Prints response messages as they arrive, in the chosen format.
public actor ResponsePrinter {
    private let format: CallOutput
    private var buffered: [JSONValue] = []

    public init(format: CallOutput) {
        self.format = format
    }

    public func print(_ json: JSONValue) {
        switch format {
        case .json: Console.out(JSONWriter.write(json, pretty: true))
        case .jsonl: Console.out(JSONWriter.write(json, pretty: false))
        case .table: buffered.append(json)
        }
    }

    /// Writes what was held back (tables need every row for their widths).
    public func finish() {
        guard format == .table, !buffered.isEmpty else { return }
        let table = buffered.count == 1 ? TextTable.from(buffered[0]) : TextTable.rows(buffered)
        Console.out(table.render())
        buffered = []
    }
}

/// Where request messages come from: documents already read, or stdin
/// read as it arrives (streaming calls).
public enum RequestInput: Sendable {
    case documents([JSONValue])
    case stdinStream

    /// The request JSON documents, one at a time, with their position.
    func documents() -> AsyncThrowingStream<JSONValue, any Error> {
        switch self {
        case let .documents(values):
            return AsyncThrowingStream { continuation in
                for value in values { continuation.yield(value) }
                continuation.finish()
            }
        case .stdinStream:
            let chunks = Console.stdinChunks()
            return AsyncThrowingStream { continuation in
                let task = Task {
                    var splitter = JSONStreamSplitter()
                    do {
                        for try await chunk in chunks {
                            for piece in splitter.append(chunk) {
                                continuation.yield(try Self.parse(piece))
                            }
                        }
                        if let piece = splitter.finish() { continuation.yield(try Self.parse(piece)) }
                        continuation.finish()
                    } catch {
                        continuation.finish(throwing: error)
                    }
                }
                continuation.onTermination = { _ in task.cancel() }
            }
        }
    }

    private static func parse(_ piece: JSONStreamSplitter.Piece) throws(CLIError) -> JSONValue {
        do {
            return try JSONStreamSplitter.parse(piece)
        } catch {
            throw .local("stdin: \(error)")
        }
    }
}

/// One call of any kind to a method known only by its descriptors: JSON
/// requests in, JSON responses out, through the raw-message channel API.
public struct DynamicCall: Sendable {
    public let session: Session
    public let schema: Schema
    public let method: ProtoMethod
    public let allowUnknownFields: Bool
    public let emitDefaults: Bool
    public let useProtoNames: Bool
    public let printer: ResponsePrinter

    public init(session: Session, schema: Schema, method: ProtoMethod, allowUnknownFields: Bool, emitDefaults: Bool,
                useProtoNames: Bool, printer: ResponsePrinter) {
        self.session = session
        self.schema = schema
        self.method = method
        self.allowUnknownFields = allowUnknownFields
        self.emitDefaults = emitDefaults
        self.useProtoNames = useProtoNames
        self.printer = printer
    }

    public func run(_ input: RequestInput) async throws(CLIError) {
        let started = ContinuousClock.now
        do {
            // Requests given up front are all checked before anything is sent.
            var prepared: [ByteBuffer]?
            if case let .documents(documents) = input, method.kind.isClientStreaming {
                var encoded: [ByteBuffer] = []
                for (index, document) in documents.enumerated() {
                    encoded.append(try await encode(document, index: index, counted: true))
                }
                prepared = encoded
            }
            session.logRequest(method.path, kind: method.kind)
            switch method.kind {
            case .unary: try await unary(input, started: started)
            case .serverStreaming: try await serverStreaming(input, started: started)
            case .clientStreaming: try await clientStreaming(input, prepared: prepared, started: started)
            case .bidirectionalStreaming: try await bidirectional(input, prepared: prepared, started: started)
            }
            await printer.finish()
        } catch {
            // What arrived before the failure is still printed.
            await printer.finish()
            throw session.failure(error, started: started)
        }
    }

    // MARK: Call kinds

    private func unary(_ input: RequestInput, started: ContinuousClock.Instant) async throws {
        let request = try await single(input)
        let response = try await session.channel.unaryCall(path: method.path, request: request, options: session.callOptions())
        session.logHeaders(response.initialMetadata)
        try await emit(response.message, index: 0)
        session.logEnd(status: .ok, trailers: response.trailingMetadata, started: started)
    }

    private func serverStreaming(_ input: RequestInput, started: ContinuousClock.Instant) async throws {
        let request = try await single(input)
        let responses = session.channel.serverStreaming(path: method.path, request: request, options: session.callOptions())
        if session.verbose { session.logHeaders(try await responses.initialMetadata()) }
        var count = 0
        for try await response in responses {
            try await emit(response, index: count)
            count += 1
        }
        session.logEnd(status: .ok, trailers: try await responses.trailingMetadata(), started: started, messages: count)
    }

    /// Writes the requests: the prepared ones, or each stdin document as
    /// soon as it is complete.
    private func send(_ input: RequestInput, prepared: [ByteBuffer]?, to writer: RPCRequestWriter<ByteBuffer>) async throws {
        if let prepared {
            for request in prepared { try await writer.write(request) }
            return
        }
        var index = 0
        for try await document in input.documents() {
            try await writer.write(try await encode(document, index: index, counted: true))
            index += 1
        }
    }

    private func clientStreaming(_ input: RequestInput, prepared: [ByteBuffer]?, started: ContinuousClock.Instant) async throws {
        let response = try await session.channel.clientStreaming(path: method.path, options: session.callOptions()) { writer in
            try await send(input, prepared: prepared, to: writer)
        }
        session.logHeaders(response.initialMetadata)
        try await emit(response.message, index: 0)
        session.logEnd(status: .ok, trailers: response.trailingMetadata, started: started)
    }

    private enum Side: Sendable {
        case sender
        case receiver(count: Int, trailers: Metadata)
    }

    private func bidirectional(_ input: RequestInput, prepared: [ByteBuffer]?, started: ContinuousClock.Instant) async throws {
        let call = self
        let (count, trailers) = try await session.channel.bidirectionalStreaming(path: method.path, options: session.callOptions()) { writer, responses in
            try await withThrowingTaskGroup(of: Side.self) { group in
                group.addTask {
                    try await call.send(input, prepared: prepared, to: writer)
                    writer.finish()
                    return .sender
                }
                group.addTask {
                    if call.session.verbose { call.session.logHeaders(try await responses.initialMetadata()) }
                    var index = 0
                    for try await response in responses {
                        try await call.emit(response, index: index)
                        index += 1
                    }
                    let trailers = call.session.verbose ? try await responses.trailingMetadata() : Metadata()
                    return .receiver(count: index, trailers: trailers)
                }
                var result = (0, Metadata())
                while let side = try await group.next() {
                    if case let .receiver(count, trailers) = side {
                        result = (count, trailers)
                        group.cancelAll()  // The server is done: stop reading stdin.
                    }
                }
                return result
            }
        }
        session.logEnd(status: .ok, trailers: trailers, started: started, messages: count)
    }

    // MARK: Conversions

    /// The one request of a unary or server-streaming call.
    private func single(_ input: RequestInput) async throws -> ByteBuffer {
        var documents: [JSONValue] = []
        for try await document in input.documents() { documents.append(document) }
        guard documents.count <= 1 else {
            throw CLIError.local("\(method.fullName) is \(method.kind.displayName) and takes one request message; got \(documents.count)")
        }
        return try await encode(documents.first ?? .object([]), index: 0, counted: false)
    }

    /// A request document as an encoded message of the method's input type.
    func encode(_ document: JSONValue, index: Int, counted: Bool) async throws -> ByteBuffer {
        let label = counted ? "request \(index + 1)" : "request"
        await schema.preload(document.anyTypeNames)
        let pool = await schema.pool
        guard let type = pool.message(method.inputType) else {
            throw CLIError.local("the descriptors lack \(method.inputType)")
        }
        do {
            let message = try ProtoJSONDecoder(pool: pool, allowUnknownFields: allowUnknownFields).decode(document, as: type)
            return ByteBuffer(bytes: try WireCodec.encode(message, pool: pool))
        } catch {
            throw CLIError.local("\(label) (\(type.fullName)): \(error)")
        }
    }

    /// Decodes and prints one response message.
    func emit(_ buffer: ByteBuffer, index: Int) async throws {
        var pool = await schema.pool
        guard let type = pool.message(method.outputType) else {
            throw CLIError.local("the descriptors lack \(method.outputType)")
        }
        do {
            let message = try WireCodec.decode(Array(buffer.readableBytesView), as: type, pool: pool)
            // Any contents are decoded as they are printed: when one's type is
            // missing, fetch it (if the server knows it) and print again.
            while true {
                let json: JSONValue
                do throws(JSONMappingError) {
                    json = try ProtoJSONEncoder(pool: pool, emitDefaults: emitDefaults, useProtoNames: useProtoNames).encode(message)
                } catch {
                    guard let missing = error.missingAnyType else { throw error }
                    await schema.preload([missing])
                    pool = await schema.pool
                    guard pool.message(missing) != nil else { throw error }
                    continue
                }
                await printer.print(json)
                return
            }
        } catch let error as WireFormatError {
            throw CLIError.rpc(RPCError(.internal, "response \(index + 1) is not a valid \(type.fullName): \(error)"))
        } catch {
            throw CLIError.local("response \(index + 1) (\(type.fullName)): \(error)")
        }
    }
}
