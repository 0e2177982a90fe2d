import ArgumentParser
import Foundation
import RestaurantAPI
import RPC

/// How the restaurant commands print their results.
public enum ServiceOutput: String, ExpressibleByArgument, Sendable, CaseIterable {
    /// For people: aligned tables, money as `$12.50`, local times.
    case text
    /// The proto3 JSON mapping, indented: exactly what `call -o json` prints
    /// (`watch`: one event per line).
    case json
    /// The same JSON on one line per message, as `call -o jsonl`.
    case jsonl

    public init?(argument: String) {
        switch argument.lowercased() {
        case "text", "table": self = .text
        case "json": self = .json
        case "jsonl", "ndjson": self = .jsonl
        default: return nil
        }
    }
}

/// A connection to one restaurant service for one command: typed calls,
/// errors as ``CLIError``, `-v` logging, and the proto3 JSON of any
/// response (the same encoder `call` uses).
public struct ServiceSession: Sendable {
    public let session: Session
    public let output: ServiceOutput

    /// The deadline of unary calls when `--timeout` is not given.
    public static let defaultUnaryTimeout: Duration = .seconds(30)

    /// - Parameter streaming: no default deadline (import, watch).
    public init(address: String, output: ServiceOutput, connection: ConnectionOptions, streaming: Bool = false) throws(CLIError) {
        session = try Session(address: address, options: connection,
                              defaultTimeout: streaming ? nil : Self.defaultUnaryTimeout)
        self.output = output
    }

    // MARK: Calls

    /// A unary call, logged with `-v`; failures become ``CLIError/rpc(_:)``.
    public func unary<Request, Response>(_ method: RPCMethod<Request, Response>, _ request: Request) async throws(CLIError) -> Response {
        session.logRequest(method.path, kind: method.kind)
        let started = ContinuousClock.now
        do {
            let response = try await session.channel.unaryCall(method, request: request, options: session.callOptions())
            session.logHeaders(response.initialMetadata)
            session.logEnd(status: .ok, trailers: response.trailingMetadata, started: started)
            return response.message
        } catch {
            throw session.failure(error, started: started)
        }
    }

    // MARK: JSON

    /// The descriptors of the restaurant API and the well-known types.
    public static let pool: Result<DescriptorPool, DescriptorError> = {
        let files = (WellKnownTypesDescriptorSet.files + RestaurantAPIDescriptorSet.files).map(\.serialized)
        do throws(DescriptorError) {
            return .success(try DescriptorPool(serializedFiles: files))
        } catch {
            return .failure(error)
        }
    }()

    /// The proto3 JSON of a message, as `call` prints it.
    public static func json<Message: ProtobufMessage>(_ message: Message, typeName: String) throws(CLIError) -> JSONValue {
        do {
            let pool = try pool.get()
            guard let type = pool.message(typeName) else { throw CLIError.local("the embedded descriptors lack \(typeName)") }
            let value = try WireCodec.decode(try message.serializedBytes(), as: type, pool: pool)
            return try ProtoJSONEncoder(pool: pool).encode(value)
        } catch let error as CLIError {
            throw error
        } catch {
            throw .local("cannot print \(typeName) as JSON: \(error)")
        }
    }

    /// Prints a message as JSON in the chosen form (json: indented, jsonl:
    /// one line).
    public func printJSON<Message: ProtobufMessage>(_ message: Message, typeName: String, compact: Bool = false) throws(CLIError) {
        let json = try Self.json(message, typeName: typeName)
        Console.out(JSONWriter.write(json, pretty: !(compact || output == .jsonl)))
    }
}
