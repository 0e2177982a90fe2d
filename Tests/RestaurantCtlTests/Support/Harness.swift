import Foundation
import Testing

/// Failures of the harness itself (a missing binary, a server that never
/// became ready), with what to do about them.
struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Paths of the repository, the build products and the Python environment.
enum Paths {
    /// The repository root (this file is Tests/RestaurantCtlTests/Support/Harness.swift).
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let fixtures = root.appendingPathComponent("Tests/RestaurantCtlTests/Fixtures")

    /// Where `swift build`/`swift test` put the executables: next to the
    /// test bundle, unless RESTAURANTCTL_BUILD_DIR says otherwise.
    static let buildDirectories: [URL] = {
        var candidates: [URL] = []
        if let override = ProcessInfo.processInfo.environment["RESTAURANTCTL_BUILD_DIR"] {
            candidates.append(URL(fileURLWithPath: override))
        }
        var bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while bundle.pathComponents.count > 1 {
            bundle.deleteLastPathComponent()
            if bundle.lastPathComponent == "debug" || bundle.lastPathComponent == "release" {
                candidates.append(bundle)
                break
            }
        }
        candidates.append(root.appendingPathComponent(".build-cli/debug"))
        return candidates
    }()

    /// A built executable, or a failure saying how to build it.
    static func executable(_ name: String) throws -> URL {
        for directory in buildDirectories {
            let url = directory.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw HarnessError("""
            \(name) is not built (looked in \(buildDirectories.map(\.path).joined(separator: ", "))): run
              swift build --scratch-path .build-cli --product \(name)
            (swift test builds it too), or set RESTAURANTCTL_BUILD_DIR
            """)
    }

    static var restaurantctl: URL { get throws { try executable("restaurantctl") } }

    static let python = root.appendingPathComponent(".venv/bin/python")

    /// The venv and generated modules the Python servers need; a failure
    /// (not a skip) when they are missing.
    static func requirePython() throws -> URL {
        let generated = root.appendingPathComponent(".build-python/gen/grpc/testing/test_pb2.py")
        guard FileManager.default.isExecutableFile(atPath: python.path),
              FileManager.default.fileExists(atPath: generated.path) else {
            throw HarnessError("""
                the Python test environment is missing (\(python.path) or \(generated.path)): run
                  bash scripts/python-env.sh
                in \(root.path) first (it creates .venv and .build-python/gen)
                """)
        }
        return python
    }
}

/// The result of running a command to completion.
struct Outcome: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String

    var description: String { "exit \(status)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }

    /// stdout parsed as one JSON document.
    func json() throws -> Any {
        try JSONSerialization.jsonObject(with: Data(stdout.utf8), options: [.fragmentsAllowed])
    }

    /// stdout as one JSON document per non-empty line.
    func jsonLines() throws -> [Any] {
        try stdout.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) }
    }
}

/// Runs processes for the tests: restaurantctl itself and the servers.
enum Run {
    /// Runs `executable` with `arguments`, feeding `stdin`, and waits (at most
    /// `timeout`) for it to exit.
    static func process(_ executable: URL, _ arguments: [String], stdin: String? = nil,
                        environment: [String: String] = [:], timeout: TimeInterval = 60) throws -> Outcome {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = Paths.root
        var env = ProcessInfo.processInfo.environment
        env["RESTAURANT_ADDR"] = nil
        env["RESTAURANT_TOKEN"] = nil
        env["CATALOG_ADDR"] = nil
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let output = Pipe(), errors = Pipe(), input = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input
        try process.run()
        let outBox = DataBox(), errBox = DataBox()
        let readers = DispatchGroup()
        for (pipe, box) in [(output, outBox), (errors, errBox)] {
            readers.enter()
            Thread.detachNewThread {
                box.data = pipe.fileHandleForReading.readDataToEndOfFile()
                readers.leave()
            }
        }
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        if readers.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            _ = readers.wait(timeout: .now() + 5)
            process.waitUntilExit()
            throw HarnessError("\(executable.lastPathComponent) \(arguments.joined(separator: " ")) did not finish within \(Int(timeout))s")
        }
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus,
                       stdout: String(decoding: outBox.data, as: UTF8.self),
                       stderr: String(decoding: errBox.data, as: UTF8.self))
    }

    /// Runs restaurantctl.
    static func ctl(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
                    timeout: TimeInterval = 60) throws -> Outcome {
        try process(try Paths.restaurantctl, arguments, stdin: stdin, environment: environment, timeout: timeout)
    }
}

final class DataBox: @unchecked Sendable {
    var data = Data()
}

/// A server process started for a test: started on a free port, ready once
/// it printed `READY <port>`, stopped (SIGTERM, then SIGKILL) at the end.
final class ServerProcess: Sendable {
    let name: String
    let port: Int
    private let process: BackgroundProcess

    var address: String { "127.0.0.1:\(port)" }

    private init(name: String, port: Int, process: BackgroundProcess) {
        self.name = name
        self.port = port
        self.process = process
    }

    static func start(_ executable: URL, _ arguments: [String], name: String) throws -> ServerProcess {
        let process = try BackgroundProcess(executable, arguments)
        // A complete line: the port may still be arriving.
        func readyLine() -> Substring? {
            process.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().first { $0.hasPrefix("READY ") }
        }
        guard process.wait(timeout: 30, until: { readyLine() != nil || !$0.process.isRunning }), let line = readyLine() else {
            process.stop()
            throw HarnessError("\(name) did not print READY <port> within 30s; stderr:\n\(process.stderr)")
        }
        guard let port = Int(line.dropFirst("READY ".count).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.stop()
            throw HarnessError("\(name) printed '\(line)', not READY <port>")
        }
        return ServerProcess(name: name, port: port, process: process)
    }

    func stop() { process.stop() }

    // MARK: The servers

    /// Our Swift interop server (TestService, health, reflection v1 + v1alpha).
    static func interop() throws -> ServerProcess {
        try start(try Paths.executable("interop-server"), ["--port", "0", "--host", "127.0.0.1"], name: "interop-server")
    }

    /// grpcio's TestService with health and reflection (Tests/python/interop_server.py).
    static func pythonInterop() throws -> ServerProcess {
        try start(try Paths.requirePython(), ["Tests/python/interop_server.py", "--port=0"], name: "interop_server.py")
    }

    /// grpcio's TestService with no reflection, or only v1alpha (Tests/python/plain_server.py).
    static func pythonPlain(reflection: String = "none") throws -> ServerProcess {
        try start(try Paths.requirePython(), ["Tests/python/plain_server.py", "--port=0", "--reflection=\(reflection)"],
                  name: "plain_server.py")
    }
}

/// Runs `body` with a server, stopping it afterwards whatever happens.
func withServer<T>(_ start: () throws -> ServerProcess, _ body: (ServerProcess) throws -> T) throws -> T {
    let server = try start()
    defer { server.stop() }
    return try body(server)
}

/// Descriptor sets written by protoc for the tests, made once per run.
enum Protosets {
    static let directory: URL = {
        let temporary = FileManager.default.temporaryDirectory
        // Remove what earlier runs left (their process is gone).
        for name in (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? []
        where name.hasPrefix("restaurantctl-tests-") {
            if let pid = Int32(name.dropFirst("restaurantctl-tests-".count)), kill(pid, 0) != 0, errno == ESRCH {
                try? FileManager.default.removeItem(at: temporary.appendingPathComponent(name))
            }
        }
        let url = temporary.appendingPathComponent("restaurantctl-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// grpc/testing/test.proto with its imports.
    static func grpcTesting() throws -> URL { try grpcTestingSet.get() }

    /// The edge-case fixture (Fixtures/edge.proto) with the well-known types.
    static func edge() throws -> URL { try edgeSet.get() }

    /// The restaurant contract (Protos/**/*.proto).
    static func restaurant() throws -> URL { try restaurantSet.get() }

    // Static lets: each is made once, whichever test asks first.
    private static let grpcTestingSet = Result {
        try make("grpc-testing.protoset", includes: ["/usr/share/grpc-proto", "/usr/include"], files: ["grpc/testing/test.proto"])
    }
    private static let edgeSet = Result {
        try make("edge.protoset", includes: [Paths.fixtures.path, "/usr/include"], files: ["edge.proto"])
    }
    private static let restaurantSet = Result {
        let protos = Paths.root.appendingPathComponent("Protos")
        let files = (FileManager.default.enumerator(atPath: protos.path)?.compactMap { $0 as? String } ?? [])
            .filter { $0.hasSuffix(".proto") }.sorted()
        return try make("restaurant.protoset", includes: [protos.path, "/usr/include"], files: files)
    }

    private static func make(_ name: String, includes: [String], files: [String]) throws -> URL {
        let output = directory.appendingPathComponent(name)
        guard let protoc = ["/usr/bin/protoc", "/usr/local/bin/protoc"].first(where: FileManager.default.isExecutableFile) else {
            throw HarnessError("protoc is not installed (apt-get install protobuf-compiler)")
        }
        let outcome = try Run.process(URL(fileURLWithPath: protoc),
                                      ["--include_imports", "--include_source_info"] + includes.map { "-I\($0)" }
                                          + ["-o", output.path] + files)
        guard outcome.status == 0 else { throw HarnessError("protoc failed for \(name): \(outcome.stderr)") }
        return output
    }
}
