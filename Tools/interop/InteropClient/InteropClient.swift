import ArgumentParser
import Foundation
import InteropTesting
import RPC

/// Runs grpc's interop test cases against a server, with grpc's usual flags.
@main
struct InteropClient: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interop-client",
        abstract: "Run gRPC interop test cases against a grpc.testing.TestService server.",
        discussion: "Cases: \(InteropTestCase.allCases.map(\.rawValue).joined(separator: ", ")), or all.")

    @Option(name: .customLong("server_host"), help: "The server's host.")
    var serverHost: String = "localhost"

    @Option(name: .customLong("server_port"), help: "The server's port.")
    var serverPort: Int = 10000

    @Option(name: .customLong("test_case"), help: "A case name, a comma-separated list, or all.")
    var testCase: String = "large_unary"

    @Option(help: "Comma-separated cases to leave out of --test_case.")
    var skip: String = ""

    @Option(name: .customLong("use_tls"), help: "Accepted for compatibility; only false is supported.")
    var useTLS: Bool = false

    func validate() throws {
        guard !useTLS else { throw ValidationError("TLS is not supported: plaintext h2c only") }
        _ = try cases()
    }

    private func cases() throws -> [InteropTestCase] {
        let selected = testCase == "all" ? InteropTestCase.allCases : try parse(testCase)
        let skipped = try parse(skip)
        return selected.filter { !skipped.contains($0) }
    }

    private func parse(_ list: String) throws -> [InteropTestCase] {
        try list.split(separator: ",").map { name in
            guard let found = InteropTestCase(rawValue: String(name)) else {
                throw ValidationError("unknown test case '\(name)'")
            }
            return found
        }
    }

    func run() async throws {
        let host = serverHost.contains(":") ? "[\(serverHost)]" : serverHost
        var failures = 0
        for testCase in try cases() {
            // A channel per case, as grpc's clients do, so one case's
            // connection state cannot leak into the next.
            let channel = try RPCChannel(target: "\(host):\(serverPort)")
            let start = ContinuousClock.now
            do {
                try await testCase.run(on: channel)
                print("PASS \(testCase.rawValue) (\(ContinuousClock.now - start))")
            } catch {
                failures += 1
                FileHandle.standardError.write(Data("FAIL \(testCase.rawValue): \(error)\n".utf8))
            }
            channel.close()
        }
        if failures > 0 { throw ExitCode(1) }
    }
}
