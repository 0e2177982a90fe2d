import ArgumentParser
import Foundation
import RPC

/// Options every command that talks to a server shares.
public struct ConnectionOptions: ParsableArguments, Sendable {
    @Option(name: [.customShort("H"), .customLong("header")],
            help: ArgumentHelp("Metadata to send, 'key: value'; repeatable. Keys ending in -bin take base64 values.",
                               valueName: "key: value"))
    public var headers: [String] = []

    @Option(help: ArgumentHelp("Sends 'authorization: Bearer <token>' (default: $RESTAURANT_TOKEN).", valueName: "token"))
    public var token: String?

    @Option(help: ArgumentHelp("Deadline of the RPC: 2s, 500ms, 1m, 1.5s (default: none; health: 10s).", valueName: "duration"))
    public var timeout: DurationArgument?

    @Option(name: .customLong("connect-timeout"),
            help: ArgumentHelp("How long connecting to the server may take.", valueName: "duration"))
    public var connectTimeout: DurationArgument = DurationArgument(.seconds(10), text: "10s")

    @Option(name: .customLong("max-msg-size"),
            help: ArgumentHelp("Largest message sent or received: bytes, or 512K, 16M, 1G (default: 4M).", valueName: "size"))
    public var maxMessageSize: ByteSizeArgument?

    @Flag(help: "Compress request messages with gzip (compressed responses are always accepted).")
    public var gzip = false

    @Flag(name: .shortAndLong, help: "Print request metadata, response headers, trailers, status and timing to stderr; send a W3C traceparent (unless -H gives one) and print its trace id.")
    public var verbose = false

    public init() {}

    public func validate() throws {
        for header in headers {
            if case let .failure(error) = HeaderArgument.parse(header) { throw ValidationError(error.plainMessage) }
        }
    }

    /// The metadata to send: `-H` entries plus the bearer token.
    public func metadata(environment: [String: String] = ProcessInfo.processInfo.environment) throws(CLIError) -> Metadata {
        var metadata = Metadata()
        for header in headers {
            switch HeaderArgument.parse(header) {
            case let .success((key, .text(value))): metadata.add(key, value)
            case let .success((key, .binary(bytes))): metadata.add(key, binary: bytes)
            case let .failure(error): throw error
            }
        }
        let token = self.token ?? environment["RESTAURANT_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        if let token, metadata["authorization"] == nil {
            metadata.add("authorization", token.lowercased().hasPrefix("bearer ") ? token : "Bearer \(token)")
        }
        return metadata
    }
}

extension CLIError {
    /// The message without the `error: ` prefix.
    var plainMessage: String {
        switch self {
        case let .local(message), let .usage(message): message
        case let .rpc(error): error.description
        case .silent: ""
        }
    }
}

/// A connection to one server for the length of a command: the channel,
/// the per-call options, and the verbose log.
public final class Session: Sendable {
    public let address: String
    /// The channel calls go through, with the user's limits.
    public let channel: RPCChannel
    /// The channel reflection goes through: `channel`, unless --max-msg-size
    /// is set (descriptors must not be cut off by a limit meant for calls).
    public let reflectionChannel: RPCChannel
    public let metadata: Metadata
    public let timeout: Duration?
    public let compression: CompressionAlgorithm
    public let verbose: Bool

    /// What a session needs to know, whatever the command line looked like.
    public struct Settings: Sendable {
        public var metadata = Metadata()
        public var timeout: Duration?
        public var connectTimeout: Duration = .seconds(10)
        public var maxMessageSize: Int?
        public var gzip = false
        public var verbose = false

        public init() {}
    }

    public convenience init(address: String, options: ConnectionOptions, defaultTimeout: Duration? = nil) throws(CLIError) {
        var settings = Settings()
        settings.metadata = try options.metadata()
        settings.timeout = options.timeout?.duration ?? defaultTimeout
        settings.connectTimeout = options.connectTimeout.duration
        settings.maxMessageSize = options.maxMessageSize?.bytes
        settings.gzip = options.gzip
        settings.verbose = options.verbose
        try self.init(address: address, settings: settings)
    }

    public init(address: String, settings: Settings) throws(CLIError) {
        if let problem = ServerAddress.validate(address) { throw .usage(problem) }
        var configuration = RPCChannel.Configuration(connectionsPerAddress: 1,
                                                     connectTimeout: settings.connectTimeout,
                                                     userAgent: "restaurantctl/\(RestaurantCtl.version)")
        if let size = settings.maxMessageSize {
            configuration.maxReceiveMessageSize = size
            configuration.maxSendMessageSize = size
        }
        do {
            self.channel = try RPCChannel(target: address, configuration: configuration)
            if settings.maxMessageSize != nil {
                var reflection = configuration
                reflection.maxReceiveMessageSize = 64 << 20
                reflection.maxSendMessageSize = 4 << 20
                self.reflectionChannel = try RPCChannel(target: address, configuration: reflection)
            } else {
                self.reflectionChannel = channel
            }
        } catch let error as RPCError {
            throw .usage(error.message)
        } catch {
            throw .usage("invalid address '\(address)': \(error)")
        }
        self.address = address
        var metadata = settings.metadata
        // With -v, every call carries a W3C trace context (unless -H gave
        // one), and the trace id is printed: a traced service's spans of the
        // call can then be found by it.
        if settings.verbose, metadata["traceparent"] == nil {
            metadata.add("traceparent", TraceParent.random())
        }
        self.metadata = metadata
        self.timeout = settings.timeout
        self.compression = settings.gzip ? .gzip : .identity
        self.verbose = settings.verbose
    }

    deinit {
        channel.close()
        if reflectionChannel !== channel { reflectionChannel.close() }
    }

    /// Options for one call: the deadline, metadata and compression.
    public func callOptions(timeout: Duration? = nil) -> CallOptions {
        CallOptions(timeout: timeout ?? self.timeout, metadata: metadata, compression: compression)
    }

    // MARK: Verbose log

    public func logRequest(_ path: String, kind: RPCKind) {
        guard verbose else { return }
        Console.err("> \(path) (\(kind.displayName)) to \(address)")
        if let traceID = metadata["traceparent"].flatMap(TraceParent.traceID(of:)) { Console.err("* trace id: \(traceID)") }
        if let timeout { Console.err("> grpc-timeout: \(timeout)") }
        if compression == .gzip { Console.err("> grpc-encoding: gzip") }
        for line in Self.lines(metadata, redacting: true) { Console.err("> \(line)") }
    }

    public func logHeaders(_ metadata: Metadata) {
        guard verbose else { return }
        Console.err("< response headers:")
        for line in Self.lines(metadata, redacting: false) { Console.err("<   \(line)") }
    }

    public func logEnd(status: RPCStatus, trailers: Metadata, started: ContinuousClock.Instant, messages: Int? = nil) {
        guard verbose else { return }
        Console.err("< response trailers:")
        for line in Self.lines(trailers, redacting: false) { Console.err("<   \(line)") }
        let elapsed = ContinuousClock.now - started
        let count = messages.map { ", \($0) response message\($0 == 1 ? "" : "s")" } ?? ""
        Console.err("< status: \(status.code.name)\(status.message.isEmpty ? "" : " (\(status.message))")")
        Console.err("< time: \(Self.format(elapsed))\(count)")
    }

    /// Logs a failed call (with `-v`) and turns its error into a
    /// ``CLIError``: statuses keep their code, anything else is local.
    public func failure(_ error: any Error, started: ContinuousClock.Instant) -> CLIError {
        switch error {
        case let error as CLIError:
            if case let .rpc(rpcError) = error { logEnd(status: rpcError.status, trailers: rpcError.metadata, started: started) }
            return error
        case let error as RPCError:
            return failure(CLIError.rpc(error), started: started)
        case is CancellationError:
            return .rpc(RPCError(.cancelled, "the call was cancelled"))
        default:
            return .local("\(error)")
        }
    }

    static func lines(_ metadata: Metadata, redacting: Bool) -> [String] {
        metadata.map { entry in
            switch entry.value {
            case let .string(value):
                if redacting, entry.key == "authorization" {
                    let scheme = value.split(separator: " ").first.map(String.init) ?? ""
                    return "\(entry.key): \(scheme) <redacted>"
                }
                return "\(entry.key): \(value)"
            case let .binary(bytes):
                return "\(entry.key): \(Data(bytes).base64EncodedString())"
            }
        }
    }

    static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let milliseconds = Double(seconds) * 1000 + Double(attoseconds) / 1e15
        return milliseconds < 1000 ? String(format: "%.1f ms", milliseconds) : String(format: "%.3f s", milliseconds / 1000)
    }
}
