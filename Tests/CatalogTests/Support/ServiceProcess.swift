import Foundation
import GRPCProtos
import RPC
import Testing

/// The real `catalog-service` binary, started with an environment of the
/// test's choosing, for what only a whole process shows: configuration
/// errors, health following the database, the metrics endpoint.
final class ServiceProcess: @unchecked Sendable {
    let process: Process
    let logFile: URL

    /// The binary next to the test bundle (`swift test` builds every
    /// product into the same folder).
    static func binary() throws -> URL {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var candidates: [URL] = []
        var folder = testBinary.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(folder.appendingPathComponent("catalog-service"))
            folder = folder.deletingLastPathComponent()
        }
        for bundle in Bundle.allBundles {
            candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("catalog-service"))
        }
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) {
            return found
        }
        throw TestEnvironment.Missing(what: "the catalog-service binary was not found next to the test bundle "
            + "(looked in \(candidates.map(\.path).joined(separator: ", "))); build it first, e.g. "
            + "`swift build --scratch-path .build-catalog --product catalog-service`")
    }

    /// Starts the binary with exactly `environment` (plus PATH).
    init(environment: [String: String]) throws {
        process = Process()
        process.executableURL = try Self.binary()
        var env = environment
        env["PATH"] = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        process.environment = env
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-service-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let handle = try FileHandle(forWritingTo: logFile)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? handle.close()
    }

    /// What the process wrote to stdout and stderr so far.
    var output: String {
        (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
    }

    /// Waits for the process to exit on its own; nil if it did not within `timeout`.
    func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// SIGTERM, then SIGKILL if it has not stopped after `grace`. Only this
    /// process (by its pid) is signalled.
    func stop(grace: Duration = .seconds(15)) async {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        if await waitForExit(timeout: grace) == nil {
            kill(process.processIdentifier, SIGKILL)
            _ = await waitForExit(timeout: .seconds(5))
        }
    }

    func removeLog() {
        try? FileManager.default.removeItem(at: logFile)
    }
}

/// Health of a server, through the standard grpc.health.v1 client.
struct HealthProbe {
    let client: Grpc_Health_V1_HealthClient

    init(channel: RPCChannel) {
        client = Grpc_Health_V1_HealthClient(channel: channel)
    }

    /// The status of `service`, or nil when the call fails (server not up).
    func status(_ service: String) async -> Grpc_Health_V1_HealthCheckResponse.ServingStatus? {
        try? await client.check(.with { $0.service = service }, options: CallOptions(timeout: .seconds(3))).status
    }

    /// Waits until both the server ("") and `service` report `status`.
    func waitFor(_ status: Grpc_Health_V1_HealthCheckResponse.ServingStatus, services: [String],
                 timeout: Duration) async -> Bool {
        await eventually(timeout: timeout, interval: .milliseconds(200)) {
            for service in services where await self.status(service) != status { return false }
            return true
        }
    }
}
