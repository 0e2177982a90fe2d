import Foundation
import Testing

/// The servers restaurantctl is run against.
enum ServerKind: String, CaseIterable, CustomTestStringConvertible {
    /// Our Swift interop-server.
    case swift
    /// grpcio's TestService (Tests/python/interop_server.py).
    case python

    func start() throws -> ServerProcess {
        switch self {
        case .swift: try ServerProcess.interop()
        case .python: try ServerProcess.pythonInterop()
        }
    }

    var testDescription: String { self == .swift ? "Swift interop-server" : "grpcio interop_server.py" }
}

/// list, describe and call, all four call kinds, against real servers
/// through server reflection.
@Suite("Generic commands against interop servers", .timeLimit(.minutes(5)))
struct InteropTests {
    static let service = "grpc.testing.TestService"

    @Test(arguments: ServerKind.allCases)
    func listAndDescribe(_ kind: ServerKind) throws {
        try withServer(kind.start) { server in
            let services = try Run.ctl(["list", server.address])
            #expect(services.status == 0, "\(services)")
            let names = services.stdout.split(separator: "\n").map(String.init)
            #expect(names.contains(Self.service))
            #expect(names.contains("grpc.health.v1.Health"))
            #expect(names.contains("grpc.reflection.v1alpha.ServerReflection"))

            let methods = try Run.ctl(["list", server.address, Self.service])
            #expect(methods.status == 0, "\(methods)")
            for method in ["EmptyCall", "UnaryCall", "StreamingOutputCall", "StreamingInputCall", "FullDuplexCall"] {
                #expect(methods.stdout.contains("\(Self.service).\(method)\n"), "\(methods)")
            }
            let table = try Run.ctl(["list", server.address, Self.service, "-o", "table"])
            #expect(table.stdout.contains("FullDuplexCall"), "\(table)")
            #expect(table.stdout.contains("bidi streaming"))
            let json = try Run.ctl(["list", server.address, "-o", "json"]).json() as? [String]
            #expect(json?.contains(Self.service) == true)

            let service = try Run.ctl(["describe", server.address, Self.service])
            #expect(service.status == 0, "\(service)")
            #expect(service.stdout.contains("service TestService {"))
            #expect(service.stdout.contains("rpc FullDuplexCall ( stream .grpc.testing.StreamingOutputCallRequest ) returns ( stream .grpc.testing.StreamingOutputCallResponse );"))
            let message = try Run.ctl(["describe", server.address, "grpc.testing.SimpleRequest"])
            #expect(message.stdout.contains("message SimpleRequest {"), "\(message)")
            #expect(message.stdout.contains("int32 response_size = 2;"))
            let method = try Run.ctl(["describe", server.address, "grpc.testing.TestService/StreamingInputCall"])
            #expect(method.stdout.contains("is a method (client streaming)"), "\(method)")
            let template = try Run.ctl(["describe", server.address, "grpc.testing.TestService/UnaryCall", "--template"])
            #expect((try template.json() as? [String: Any])?["responseSize"] as? Int == 0, "\(template)")
            // A field: found through its message (one reflection stream asks for every scope).
            let field = try Run.ctl(["describe", server.address, "grpc.testing.SimpleRequest.response_size"])
            #expect(field.status == 0, "\(field)")
            #expect(field.stdout.contains("response_size = 2"), "\(field)")
            // Without SYMBOL: every service the server lists.
            let everything = try Run.ctl(["describe", server.address])
            #expect(everything.status == 0, "\(everything)")
            for service in ["service TestService {", "service Health {", "service ServerReflection {"] {
                #expect(everything.stdout.contains(service), "\(everything)")
            }
            let described = try Run.ctl(["describe", server.address, "grpc.testing.SimpleRequest", "-o", "json"])
            #expect((try described.json() as? [String: Any])?["name"] as? String == "SimpleRequest", "\(described)")
            let missing = try Run.ctl(["describe", server.address, "grpc.testing.SimpleRequestt"])
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("symbol 'grpc.testing.SimpleRequestt' not found"), "\(missing)")
            #expect(missing.stderr.contains("did you mean grpc.testing.SimpleRequest"), "\(missing)")
        }
    }

    @Test(arguments: ServerKind.allCases)
    func callEveryKind(_ kind: ServerKind) throws {
        try withServer(kind.start) { server in
            let address = server.address
            // Unary.
            let empty = try Run.ctl(["call", address, "\(Self.service)/EmptyCall"])
            #expect(empty.status == 0, "\(empty)")
            #expect(try empty.json() as? [String: Any] != nil)
            let unary = try Run.ctl(["call", address, "\(Self.service)/UnaryCall",
                                     "-d", #"{"response_size": 4, "payload": {"body": "AAEC"}}"#])
            #expect(unary.status == 0, "\(unary)")
            let payload = (try unary.json() as? [String: Any])?["payload"] as? [String: Any]
            #expect(payload?["body"] as? String == "AAAAAA==", "\(unary)")

            // Server streaming: one JSON document per message.
            let streamed = try Run.ctl(["call", address, "\(Self.service)/StreamingOutputCall", "-o", "jsonl",
                                        "-d", #"{"responseParameters": [{"size": 1}, {"size": 2}, {"size": 3}]}"#])
            #expect(streamed.status == 0, "\(streamed)")
            let bodies = try streamed.jsonLines().map { (($0 as? [String: Any])?["payload"] as? [String: Any])?["body"] as? String }
            #expect(bodies == ["AA==", "AAA=", "AAAA"], "\(streamed)")

            // Client streaming from stdin: concatenated objects.
            let uploaded = try Run.ctl(["call", address, "\(Self.service)/StreamingInputCall"],
                                       stdin: #"{"payload": {"body": "AAECAw=="}}{"payload":{"body":"AA=="}} {"payload": {}}"#)
            #expect(uploaded.status == 0, "\(uploaded)")
            #expect((try uploaded.json() as? [String: Any])?["aggregatedPayloadSize"] as? Int == 5, "\(uploaded)")

            // Bidi from stdin: newline-delimited objects; a response per request.
            let duplex = try Run.ctl(["call", address, "\(Self.service)/FullDuplexCall", "-o", "jsonl", "-d", "@-"],
                                     stdin: "{\"responseParameters\": [{\"size\": 1}]}\n{\"responseParameters\": [{\"size\": 5}]}\n")
            #expect(duplex.status == 0, "\(duplex)")
            #expect(try duplex.jsonLines().count == 2, "\(duplex)")
            // Bidi with the requests inline.
            let inline = try Run.ctl(["call", address, "\(Self.service)/FullDuplexCall", "-o", "jsonl",
                                      "-d", #"{"responseParameters": [{"size": 2}, {"size": 2}]} {"responseParameters": [{"size": 3}]}"#])
            #expect(try inline.jsonLines().count == 3, "\(inline)")
            // Streaming with no requests at all.
            let none = try Run.ctl(["call", address, "\(Self.service)/StreamingInputCall"], stdin: "")
            #expect(none.status == 0, "\(none)")
        }
    }

    @Test(arguments: ServerKind.allCases)
    func failedCallsExitWith64PlusTheCode(_ kind: ServerKind) throws {
        try withServer(kind.start) { server in
            for code in 1...16 {
                let outcome = try Run.ctl(["call", server.address, "\(Self.service)/UnaryCall",
                                           "-d", #"{"responseStatus": {"code": \#(code), "message": "status \#(code) here"}}"#])
                #expect(outcome.status == Int32(64 + code), "code \(code): \(outcome)")
                #expect(outcome.stderr.contains("ERROR: \(Self.codeNames[code]): status \(code) here"), "code \(code): \(outcome)")
                #expect(outcome.stdout.isEmpty)
            }
            // A status ending a bidi stream.
            let duplex = try Run.ctl(["call", server.address, "\(Self.service)/FullDuplexCall",
                                      "-d", #"{"responseStatus": {"code": 9, "message": "not now"}}"#])
            #expect(duplex.status == 73, "\(duplex)")
            #expect(duplex.stderr.contains("ERROR: FAILED_PRECONDITION: not now"))
            // A method the server does not implement.
            let unimplemented = try Run.ctl(["call", server.address, "\(Self.service)/UnimplementedCall"])
            #expect(unimplemented.status == 76, "\(unimplemented)")
            #expect(unimplemented.stderr.hasPrefix("ERROR: UNIMPLEMENTED"))
        }
    }

    @Test(arguments: ServerKind.allCases)
    func healthCheck(_ kind: ServerKind) throws {
        try withServer(kind.start) { server in
            let whole = try Run.ctl(["health", server.address])
            #expect(whole.status == 0, "\(whole)")
            #expect(whole.stdout == "SERVING\n")
            let service = try Run.ctl(["health", server.address, Self.service, "-o", "json"])
            #expect(service.status == 0, "\(service)")
            #expect((try service.json() as? [String: String]) == ["status": "SERVING"])
            let unknown = try Run.ctl(["health", server.address, "no.such.Service"])
            #expect(unknown.status == 69, "\(unknown)")
            #expect(unknown.stderr.hasPrefix("ERROR: NOT_FOUND"))
            // The address from the environment.
            let fromEnvironment = try Run.ctl(["health"], environment: ["RESTAURANT_ADDR": server.address])
            #expect(fromEnvironment.status == 0, "\(fromEnvironment)")
        }
    }

    @Test func healthNotServingExits1() throws {
        try withServer(ServerProcess.pythonInterop) { server in
            // Tests/python/interop_server.py reports this service NOT_SERVING.
            let text = try Run.ctl(["health", server.address, "grpc.testing.NotServing"])
            #expect(text.status == 1, "\(text)")
            #expect(text.stdout == "NOT_SERVING\n", "\(text)")
            #expect(text.stderr.isEmpty, "\(text)")
            let json = try Run.ctl(["health", server.address, "grpc.testing.NotServing", "-o", "json"])
            #expect(json.status == 1, "\(json)")
            #expect((try json.json() as? [String: String]) == ["status": "NOT_SERVING"], "\(json)")
        }
    }

    static let codeNames = ["OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
                            "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
                            "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"]
}

/// A bidi call sends each request as soon as it is complete on stdin and
/// prints each response as it arrives, while stdin is still open.
@Suite("Interactive streaming", .timeLimit(.minutes(5)))
struct InteractiveTests {
    @Test(arguments: ServerKind.allCases)
    func bidiRespondsBeforeStdinEnds(_ kind: ServerKind) throws {
        try withServer(kind.start) { server in
            let process = Process()
            process.executableURL = try Paths.restaurantctl
            process.arguments = ["call", server.address, "grpc.testing.TestService/FullDuplexCall", "-o", "jsonl"]
            let input = Pipe(), output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            defer { if process.isRunning { process.terminate() } }
            let lines = LineReader(output.fileHandleForReading)
            // Half an object first: nothing may be sent yet.
            input.fileHandleForWriting.write(Data(#"{"responseParameters": [{"si"#.utf8))
            // Had anything gone out, the server's answer (or the failure) would
            // be on stdout well within this; a negative check needs a window.
            #expect(lines.next(timeout: 1) == nil, "restaurantctl sent a request before its JSON was complete")
            input.fileHandleForWriting.write(Data(#"ze": 1}]}"#.utf8))
            let first = lines.next(timeout: 20)
            #expect(first == #"{"payload":{"body":"AA=="}}"#)
            input.fileHandleForWriting.write(Data("\n{\"responseParameters\": [{\"size\": 2}]}\n".utf8))
            let second = lines.next(timeout: 20)
            #expect(second == #"{"payload":{"body":"AAA="}}"#)
            try input.fileHandleForWriting.close()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
        }
    }
}

/// Reads lines from a pipe on a thread of its own, with a timeout per line.
final class LineReader: @unchecked Sendable {
    private let lock = NSCondition()
    private var lines: [String] = []
    private var buffer = Data()

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            while true {
                let chunk = handle.availableData
                lock.lock()
                if chunk.isEmpty {
                    lock.broadcast()
                    lock.unlock()
                    return
                }
                buffer += chunk
                while let newline = buffer.firstIndex(of: 0x0A) {
                    lines.append(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
                    buffer = Data(buffer[buffer.index(after: newline)...])
                }
                lock.broadcast()
                lock.unlock()
            }
        }
    }

    func next(timeout: TimeInterval) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        lock.lock()
        defer { lock.unlock() }
        while lines.isEmpty {
            if !lock.wait(until: deadline) { return nil }
        }
        return lines.removeFirst()
    }
}

/// Options and failure modes, against the Swift interop server.
@Suite("Call options and errors", .timeLimit(.minutes(5)))
struct CallOptionTests {
    static let service = "grpc.testing.TestService"

    @Test func metadataTimeoutsCompressionAndLimits() throws {
        try withServer(ServerProcess.interop) { server in
            let address = server.address
            // -H (text and -bin), --token and -v.
            let verbose = try Run.ctl(["call", address, "\(Self.service)/UnaryCall", "-v", "--token", "s3cret",
                                       "-H", "x-grpc-test-echo-initial: hello", "-H", "x-grpc-test-echo-trailing-bin: AAEC"])
            #expect(verbose.status == 0, "\(verbose)")
            #expect(verbose.stderr.contains("> authorization: Bearer <redacted>"), "\(verbose)")
            #expect(!verbose.stderr.contains("s3cret"))
            #expect(verbose.stderr.contains("<   x-grpc-test-echo-initial: hello"), "\(verbose)")
            #expect(verbose.stderr.contains("<   x-grpc-test-echo-trailing-bin: AAEC"), "\(verbose)")
            #expect(verbose.stderr.contains("< status: OK"))
            #expect(verbose.stderr.contains("< time: "))
            // -v sends a new W3C traceparent and prints its trace id; one given with -H is kept.
            let sent = verbose.stderr.split(separator: "\n").first { $0.hasPrefix("> traceparent: 00-") }
            let traceID = sent.map { $0.split(separator: "-")[1] }
            #expect(traceID?.count == 32 && sent?.hasSuffix("-01") == true, "\(verbose)")
            #expect(traceID.map { verbose.stderr.contains("* trace id: \($0)\n") } == true, "\(verbose)")
            let given = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
            let kept = try Run.ctl(["call", address, "\(Self.service)/UnaryCall", "-v", "-H", "traceparent: \(given)"])
            #expect(kept.stderr.contains("> traceparent: \(given)\n"), "\(kept)")
            #expect(kept.stderr.contains("* trace id: 4bf92f3577b34da6a3ce929d0e0e4736\n"), "\(kept)")
            #expect(kept.stderr.components(separatedBy: "> traceparent:").count == 2, "one traceparent: \(kept)")
            // A malformed one given with -H is sent as given, and no trace id is claimed (an all-zero id is invalid too).
            for malformed in ["garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"] {
                let odd = try Run.ctl(["call", address, "\(Self.service)/UnaryCall", "-v", "-H", "traceparent: \(malformed)"])
                #expect(odd.status == 0 && odd.stderr.contains("> traceparent: \(malformed)\n"), "\(odd)")
                #expect(!odd.stderr.contains("* trace id:"), "\(odd)")
            }

            // --gzip: the Swift server checks that the request really was compressed.
            let expect = #"{"expectCompressed": {"value": true}, "responseSize": 10}"#
            let compressed = try Run.ctl(["call", address, "\(Self.service)/UnaryCall", "--gzip", "-d", expect])
            #expect(compressed.status == 0, "\(compressed)")
            let plain = try Run.ctl(["call", address, "\(Self.service)/UnaryCall", "-d", expect])
            #expect(plain.status == 67, "\(plain)")

            // --timeout is the call's deadline.
            let slow = try Run.ctl(["call", address, "\(Self.service)/StreamingOutputCall", "--timeout", "1s", "-o", "jsonl",
                                    "-d", #"{"responseParameters": [{"size": 1}, {"size": 1, "intervalUs": 5000000}]}"#])
            #expect(slow.status == 68, "\(slow)")
            #expect(slow.stderr.hasPrefix("ERROR: DEADLINE_EXCEEDED"))
            #expect(slow.stdout.split(separator: "\n").count == 1, "the first message arrives before the deadline: \(slow)")

            // --max-msg-size limits what is received.
            let large = try Run.ctl(["call", address, "\(Self.service)/UnaryCall", "--max-msg-size", "1K", "-d", #"{"responseSize": 5000}"#])
            #expect(large.status == 72, "\(large)")
            #expect(large.stderr.hasPrefix("ERROR: RESOURCE_EXHAUSTED"), "\(large)")
            let allowed = try Run.ctl(["call", address, "\(Self.service)/UnaryCall", "--max-msg-size", "4K", "-d", #"{"responseSize": 3000}"#])
            #expect(allowed.status == 0, "\(allowed.status) \(allowed.stderr)")

            // --allow-unknown-fields and --proto-names.
            let lenient = try Run.ctl(["call", address, "\(Self.service)/UnaryCall", "--allow-unknown-fields", "--proto-names",
                                       "-d", #"{"responseSize": 1, "futureField": {"x": 1}}"#])
            #expect(lenient.status == 0, "\(lenient)")
            #expect(((try lenient.json() as? [String: Any])?["payload"] as? [String: Any])?["body"] as? String == "AA==")
            let strict = try Run.ctl(["call", address, "\(Self.service)/UnaryCall", "-d", #"{"responseSize": 1, "futureField": {"x": 1}}"#])
            #expect(strict.status == 1, "\(strict)")
            let snake = try Run.ctl(["call", address, "\(Self.service)/UnaryCall", "--proto-names", "--emit-defaults"])
            #expect((try snake.json() as? [String: Any])?["server_id"] != nil, "\(snake)")

            // --emit-defaults and table output.
            let defaults = try Run.ctl(["call", address, "\(Self.service)/UnaryCall", "--emit-defaults"])
            let response = try defaults.json() as? [String: Any]
            #expect(response?["username"] as? String == "", "\(defaults)")
            #expect(response?["serverId"] as? String == "")
            let table = try Run.ctl(["call", address, "\(Self.service)/StreamingOutputCall", "-o", "table",
                                     "-d", #"{"responseParameters": [{"size": 1}, {"size": 2}]}"#])
            #expect(table.stdout.hasPrefix("PAYLOAD.BODY"), "\(table)")
            #expect(table.stdout.split(separator: "\n").count == 3)
        }
    }

    @Test func describeWithADescriptorSet() throws {
        let protoset = try Protosets.grpcTesting().path
        // No SYMBOL: every service, as source or as an array of descriptors.
        let text = try Run.ctl(["describe", "--protoset", protoset])
        #expect(text.status == 0, "\(text)")
        #expect(text.stdout.contains("service TestService {"), "\(text)")
        #expect(text.stdout.contains("service UnimplementedService {"), "\(text)")
        let services = try #require(try Run.ctl(["describe", "--protoset", protoset, "-o", "json"]).json() as? [[String: Any]])
        let names = services.compactMap { $0["name"] as? String }
        #expect(names.contains("TestService") && names.contains("UnimplementedService"), "\(names)")
        let testService = try #require(services.first { $0["name"] as? String == "TestService" })
        let methods = (testService["method"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
        #expect(methods.contains("FullDuplexCall"), "\(testService)")
        // One symbol: its descriptor message in the proto3 JSON mapping.
        let message = try Run.ctl(["describe", "--protoset", protoset, "grpc.testing.SimpleRequest", "-o", "json"])
        #expect(message.status == 0, "\(message)")
        let fields = try #require((try message.json() as? [String: Any])?["field"] as? [[String: Any]], "\(message)")
        let responseSize = try #require(fields.first { $0["name"] as? String == "response_size" }, "\(fields)")
        #expect(responseSize["number"] as? Int == 2)
        #expect(responseSize["jsonName"] as? String == "responseSize")
        #expect(responseSize["type"] as? String == "TYPE_INT32")
        let value = try Run.ctl(["describe", "--protoset", protoset, "grpc.testing.PayloadType.COMPRESSABLE", "-o", "json"])
        #expect((try value.json() as? [String: Any])?["name"] as? String == "COMPRESSABLE", "\(value)")
    }

    @Test func malformedStreamedRequests() throws {
        try withServer(ServerProcess.interop) { server in
            // A client stream read from stdin: the bad line fails the call (exit 1), after the good ones.
            for stdin in ["{\"payload\": {}}\n{\"payload\" 1}\n", "{\"payload\": {}}\n{\"payload\": "] {
                let outcome = try Run.ctl(["call", server.address, "\(Self.service)/StreamingInputCall"], stdin: stdin)
                #expect(outcome.status == 1, "\(outcome)")
                #expect(outcome.stderr.hasPrefix("error: stdin: invalid JSON at line 2"), "\(outcome)")
                #expect(outcome.stdout.isEmpty, "\(outcome)")
            }
            let mismatch = try Run.ctl(["call", server.address, "\(Self.service)/FullDuplexCall", "-d", "@-"],
                                       stdin: "{\"responseParameters\": [{\"size\": 1}]}\n{\"responseParameters\": 7}\n")
            #expect(mismatch.status == 1, "\(mismatch)")
            #expect(mismatch.stderr.contains("request 2 (grpc.testing.StreamingOutputCallRequest): responseParameters: expected"), "\(mismatch)")
        }
    }

    @Test func localAndUsageErrors() throws {
        let protoset = try Protosets.grpcTesting().path
        let method = "\(Self.service)/UnaryCall"
        // These fail before anything is sent, so no server is needed.
        let badJSON = try Run.ctl(["call", "--protoset", protoset, "127.0.0.1:1", method, "-d", "{\"responseSize\": 1,\n \"x\" 2}"])
        #expect(badJSON.status == 1, "\(badJSON)")
        #expect(badJSON.stderr.contains("invalid JSON at line 2, column 6"), "\(badJSON)")
        let mismatch = try Run.ctl(["call", "--protoset", protoset, "127.0.0.1:1", "\(Self.service)/StreamingOutputCall",
                                    "-d", #"{"responseParameters": [{}, {}, {"size": "abc"}]}"#])
        #expect(mismatch.status == 1)
        #expect(mismatch.stderr.contains(#"responseParameters[2].size: expected integer, got "abc""#), "\(mismatch)")
        let unknown = try Run.ctl(["call", "--protoset", protoset, "127.0.0.1:1", method, "-d", #"{"responseSise": 1}"#])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains(#"unknown field "responseSise" in grpc.testing.SimpleRequest (did you mean "responseSize"?)"#), "\(unknown)")
        let noMethod = try Run.ctl(["call", "--protoset", protoset, "127.0.0.1:1", "\(Self.service)/Nope"])
        #expect(noMethod.status == 1)
        #expect(noMethod.stderr.contains("has no method 'Nope'"))
        let noFile = try Run.ctl(["call", "--protoset", protoset, "127.0.0.1:1", method, "-d", "@/nonexistent/request.json"])
        #expect(noFile.status == 1)
        #expect(noFile.stderr.contains("cannot read /nonexistent/request.json"))
        let tooMany = try Run.ctl(["call", "--protoset", protoset, "127.0.0.1:1", method, "-d", "{} {}"])
        #expect(tooMany.status == 1)
        #expect(tooMany.stderr.contains("takes one request message; got 2"))

        // Usage errors that name what is wrong.
        for (arguments, message) in [
            (["call", "127.0.0.1:1"], "missing METHOD (pkg.Service/Method) after ADDR"),
            (["call", "--protoset", protoset, "127.0.0.1:1", "UnaryCall"], "invalid method 'UnaryCall': expected pkg.Service/Method"),
            (["call", "--protoset", protoset, "127.0.0.1:1", "\(Self.service)/"], "invalid method '\(Self.service)/': expected pkg.Service/Method"),
            (["call", "--protoset", protoset, "127.0.0.1:1", "/Method"], "invalid method '/Method': expected pkg.Service/Method"),
            (["describe", "--protoset", protoset, Self.service, "--template"],
             "--template needs a message or method, and \(Self.service) is neither"),
            (["describe", "--protoset", protoset, "--template"], "--template needs a message or method SYMBOL"),
        ] {
            let outcome = try Run.ctl(arguments)
            #expect(outcome.status == 2, "\(arguments): \(outcome)")
            #expect(outcome.stderr.contains(message), "\(arguments): \(outcome)")
            #expect(outcome.stdout.isEmpty, "\(arguments): \(outcome)")
        }

        // Transport failures are gRPC statuses.
        let refused = try Run.ctl(["call", "127.0.0.1:1", method])
        #expect(refused.status == 78, "\(refused)")
        #expect(refused.stderr.contains("ERROR: UNAVAILABLE: connection refused by 127.0.0.1:1"), "\(refused)")
        let down = try Run.ctl(["health", "127.0.0.1:1"])
        #expect(down.status == 78)

        // Usage errors exit 2 (not ArgumentParser's 64, which would read as CANCELLED).
        for arguments in [["call", "localhost", method], ["call", "host:99999", method], ["list"], ["call"],
                          ["call", "127.0.0.1:1", method, "--timeout", "soon"], ["nope"], ["list", "--bogus"],
                          ["call", "127.0.0.1:1", method, "-H", "no colon"], ["call", "127.0.0.1:1", method, "-H", "x-bin: ***"],
                          ["call", "127.0.0.1:1", method, "-H", "content-type: text/plain"], ["list", "-o", "yaml"]] {
            let outcome = try Run.ctl(arguments)
            #expect(outcome.status == 2, "\(arguments): \(outcome)")
            #expect(!outcome.stderr.isEmpty)
        }
        let badAddress = try Run.ctl(["list", "localhost:"])
        #expect(badAddress.stderr.contains("invalid address 'localhost:'"), "\(badAddress)")
        let noAddress = try Run.ctl(["list"])
        #expect(noAddress.stderr.contains("set RESTAURANT_ADDR"), "\(noAddress)")
    }
}
