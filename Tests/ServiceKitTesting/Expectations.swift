import Foundation
import RestaurantAPI
import Synchronization
import RPC
import Testing
import WellKnownTypes

/// Expects `body` to fail with `code` (and, when given, exactly `message`).
public func expectStatus<T>(_ code: RPCStatus.Code, _ message: String? = nil,
                     sourceLocation: SourceLocation = #_sourceLocation,
                     _ body: () async throws -> T) async {
    do {
        let value = try await body()
        Issue.record("expected \(code.name)\(message.map { " \"\($0)\"" } ?? ""), but the call succeeded with \(value)",
                     sourceLocation: sourceLocation)
    } catch let error as RPCError {
        #expect(error.code == code, "status \(error.code.name) \"\(error.message)\"", sourceLocation: sourceLocation)
        if let message {
            #expect(error.message == message, sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("expected \(code.name), got a non-RPC error: \(error)", sourceLocation: sourceLocation)
    }
}

/// Expects `body` to fail with `code` and a message starting with `prefix`.
public func expectStatus<T>(_ code: RPCStatus.Code, prefix: String, sourceLocation: SourceLocation = #_sourceLocation,
                     _ body: () async throws -> T) async {
    do {
        let value = try await body()
        Issue.record("expected \(code.name) \"\(prefix)…\", but the call succeeded with \(value)", sourceLocation: sourceLocation)
    } catch let error as RPCError {
        #expect(error.code == code, "status \(error.code.name) \"\(error.message)\"", sourceLocation: sourceLocation)
        #expect(error.message.hasPrefix(prefix), "\"\(error.message)\" should start with \"\(prefix)\"", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected \(code.name), got a non-RPC error: \(error)", sourceLocation: sourceLocation)
    }
}

/// Expects `body` to fail with INVALID_ARGUMENT and exactly `message`.
public func expectInvalid<T>(_ message: String, sourceLocation: SourceLocation = #_sourceLocation,
                      _ body: () async throws -> T) async {
    await expectStatus(.invalidArgument, message, sourceLocation: sourceLocation, body)
}

/// Polls `condition` until it holds or `timeout` passes.
public func eventually(timeout: Duration = .seconds(30), interval: Duration = .milliseconds(100),
                _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return try await condition()
}

public struct TimedOut: Error, CustomStringConvertible {
    public let what: String
    public init(what: String) { self.what = what }
    public var description: String { "timed out: \(what)" }
}

/// Runs `body`, failing with ``TimedOut`` after `timeout`.
public func withTimeout<T: Sendable>(_ timeout: Duration, _ what: String,
                              _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw TimedOut(what: what)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

extension Google_Protobuf_Timestamp {
    /// Microseconds since the epoch, for exact comparisons.
    public var micros: Int64 { seconds * 1_000_000 + Int64(nanos / 1000) }
}

/// A plain HTTP/1.1 GET with `Connection: close` on loopback (for the
/// metrics endpoint); returns the status line, the body, and whether the
/// server closed the connection after answering (rather than the 10 s
/// receive timeout ending the read).
public func httpGet(port: Int, path: String, method: String = "GET") throws -> (status: String, body: String, closedByServer: Bool) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestEnvironment.Missing(what: "socket() failed") }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw TestEnvironment.Missing(what: "cannot connect to 127.0.0.1:\(port)") }
    let request = Array("\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
    _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
    var response: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    var closedByServer = false
    while true {
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count == 0 { closedByServer = true }
        if count <= 0 { break }
        response += buffer[0..<count]
    }
    let text = String(decoding: response, as: UTF8.self)
    let status = String(text.prefix { $0 != "\r" })
    let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
    return (status, body, closedByServer)
}

/// A value shared between tasks.
public final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    public init(_ value: Value) {
        mutex = Mutex(value)
    }

    public var value: Value { mutex.withLock { $0 } }

    public func mutate<T>(_ body: (inout Value) -> T) -> T {
        mutex.withLock { body(&$0) }
    }
}
