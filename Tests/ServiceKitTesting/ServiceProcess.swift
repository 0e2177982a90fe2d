import Foundation
import GRPCProtos
import LoopbackPorts
import RPC
import Testing

/// A real service binary (`catalog-service`), started with an environment
/// of the test's choosing, for what only a whole process shows:
/// configuration errors, health following the database, the metrics
/// endpoint, crashes and restarts.
///
/// `@unchecked Sendable`: `Process` is not Sendable, but after `init` the
/// only calls made on it (`isRunning`, `processIdentifier`,
/// `terminationStatus`) read state Foundation guards with its own lock.
public final class ServiceProcess: @unchecked Sendable {
    public let process: Process
    public let logFile: URL

    /// The binary `product` next to the test bundle (`swift test` builds
    /// every product into the same folder).
    public static func binary(_ product: String) throws -> URL {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var candidates: [URL] = []
        var folder = testBinary.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(folder.appendingPathComponent(product))
            folder = folder.deletingLastPathComponent()
        }
        for bundle in Bundle.allBundles {
            candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent(product))
        }
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) {
            return found
        }
        throw TestEnvironment.Missing(what: "the \(product) binary was not found next to the test bundle "
            + "(looked in \(candidates.map(\.path).joined(separator: ", "))); build it first: "
            + "`swift build --build-tests` builds every product")
    }

    /// Starts `product` with exactly `environment` (plus PATH).
    public convenience init(_ product: String = "catalog-service", arguments: [String] = [],
                            environment: [String: String]) throws {
        try self.init(executable: try Self.binary(product), arguments: arguments, environment: environment)
    }

    /// Starts the binary at `executable` (another build, such as the
    /// previous release's) with exactly `environment` (plus PATH).
    public init(executable: URL, arguments: [String] = [], environment: [String: String]) throws {
        process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let product = executable.lastPathComponent
        var env = environment
        env["PATH"] = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        process.environment = env
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("\(product)-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let handle = try FileHandle(forWritingTo: logFile)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? handle.close()
    }

    /// What the process wrote to stdout and stderr so far.
    public var output: String {
        (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
    }

    /// The ports the service announced once bound: started with port 0 in
    /// LISTEN_ADDR (and METRICS_ADDR), how a test learns where it listens.
    public func ports(timeout: Duration = .seconds(60)) async throws -> AnnouncedPorts {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let ports = AnnouncedPorts(output: output) { return ports }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        if let ports = AnnouncedPorts(output: output) { return ports }
        throw TestEnvironment.Missing(what: "\(process.executableURL?.lastPathComponent ?? "the service") announced no "
            + "listening ports (running: \(process.isRunning)); output:\n\(output)")
    }

    /// Waits for the process to exit on its own; nil if it did not within `timeout`.
    public func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// SIGTERM, then SIGKILL if it has not stopped after `grace`. Only this
    /// process (by its pid) is signalled.
    public func stop(grace: Duration = .seconds(15)) async {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        if await waitForExit(timeout: grace) == nil {
            kill(process.processIdentifier, SIGKILL)
            _ = await waitForExit(timeout: .seconds(5))
        }
    }

    /// SIGKILL: the process dies mid-work, as in a crash.
    public func kill9() async {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        _ = await waitForExit(timeout: .seconds(10))
    }

    public func removeLog() {
        try? FileManager.default.removeItem(at: logFile)
    }
}

/// Health of a server, through the standard grpc.health.v1 client.
public struct HealthProbe: Sendable {
    public let client: Grpc_Health_V1_HealthClient

    public init(channel: RPCChannel) {
        client = Grpc_Health_V1_HealthClient(channel: channel)
    }

    /// The status of `service`, or nil when the call fails (server not up).
    public func status(_ service: String) async -> Grpc_Health_V1_HealthCheckResponse.ServingStatus? {
        try? await client.check(.with { $0.service = service }, options: CallOptions(timeout: .seconds(3))).status
    }

    /// Waits until both the server ("") and `service` report `status`.
    public func waitFor(_ status: Grpc_Health_V1_HealthCheckResponse.ServingStatus, services: [String],
                 timeout: Duration) async -> Bool {
        await eventually(timeout: timeout, interval: .milliseconds(200)) {
            for service in services where await self.status(service) != status { return false }
            return true
        }
    }
}
