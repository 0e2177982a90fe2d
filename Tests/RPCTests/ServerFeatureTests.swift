import Foundation
import GRPCProtos
import GRPCServices
import InteropTesting
import LoopbackPorts
import NIOCore
import Protobuf
import RPC
import Synchronization
import Testing
import WellKnownTypes

/// Rejects calls without a bearer token, as the services' auth interceptor will.
private struct RequireToken: RPCServerInterceptor {
    func intercept(context: RPCServerContext, next: () async throws -> Void) async throws {
        guard context.metadata["authorization"] == "Bearer secret" else {
            throw RPCError(.unauthenticated, "missing bearer token")
        }
        try await next()
    }
}

/// Rejects the calls that ask for it (`x-reject: 1`) before the handler
/// reads anything, and records the peer of every call.
private final class RejectWhenAsked: RPCServerInterceptor {
    let peers = Mutex<Set<String>>([])

    func intercept(context: RPCServerContext, next: () async throws -> Void) async throws {
        peers.withLock { _ = $0.insert(context.peer) }
        if context.metadata["x-reject"] == "1" { throw RPCError(.permissionDenied, "rejected on request") }
        try await next()
    }
}

/// Adds the token to every call, as a client interceptor would.
private struct AddToken: RPCClientInterceptor {
    func intercept(context: RPCClientCallContext, next: (RPCClientCallContext) async throws -> Void) async throws {
        var context = context
        context.metadata.add("authorization", "Bearer secret")
        try await next(context)
    }
}

@Suite(.timeLimit(.minutes(2))) struct ServerFeatureTests {
    @Test func interceptorsOnBothSides() async throws {
        let logs = CapturedLogs()
        let interceptors: [any RPCServerInterceptor] = [AccessLogInterceptor(logger: logs.logger()), RequireToken()]
        try await withServer([TestService().rpcService], interceptors: interceptors) { port, _ in
            let bare = Grpc_Testing_TestServiceClient(channel: try channel(to: port))
            #expect(await failureCode { _ = try await bare.emptyCall(Grpc_Testing_Empty()) } == .unauthenticated)
            let authorized = Grpc_Testing_TestServiceClient(channel: try channel(to: port) { $0.interceptors = [AddToken()] })
            _ = try await authorized.emptyCall(Grpc_Testing_Empty())
        }
        let lines = logs.all.filter { $0.message == "rpc" }
        #expect(lines.count == 2)
        #expect(lines.map { $0.metadata["status"] } == ["UNAUTHENTICATED", "OK"])
        #expect(lines.allSatisfy { $0.level == .info && $0.metadata["method"] == "/grpc.testing.TestService/EmptyCall" })
        #expect(lines.allSatisfy { $0.metadata["peer"]?.hasPrefix("ipv4:127.0.0.1:") == true && $0.metadata["duration_ms"] != nil })
    }

    @Test func callsRejectedWhileTheClientIsStillSendingFreeTheirStreams() async throws {
        // The server answers while the client is still sending. Unless one
        // side then ends the stream, it stays open on both: past the server's
        // 256 concurrent streams, calls on that connection would queue forever.
        let rejecter = RejectWhenAsked()
        try await withServer([TestService().rpcService], interceptors: [rejecter]) { port, _ in
            let client = Grpc_Testing_TestServiceClient(channel: try channel(to: port) { $0.connectionsPerAddress = 1 })
            let chunk = Grpc_Testing_StreamingInputCallRequest.with { $0.payload = .with { $0.body = Data(count: 1024) } }
            let rejected = CallOptions(timeout: .seconds(10), metadata: Metadata([("x-reject", "1")]))
            for _ in 0..<300 {
                let code = await failureCode {
                    _ = try await client.streamingInputCall(options: rejected) { writer in
                        while true { try await writer.write(chunk) }
                    }
                }
                #expect(code == .permissionDenied)
            }
            let sum = try await client.streamingInputCall(options: CallOptions(timeout: .seconds(10))) { writer in
                for _ in 0..<8 { try await writer.write(chunk) }
            }
            #expect(sum.aggregatedPayloadSize == 8 * 1024)
            // Ending those streams must not look like an attack to the server:
            // every call, the last included, ran on the one connection.
            #expect(rejecter.peers.withLock(\.count) == 1)
        }
    }

    @Test func healthCheckAndWatch() async throws {
        let health = HealthService(statuses: ["": .serving, "catalog": .notServing])
        try await withServer([health.rpcService]) { port, _ in
            let client = Grpc_Health_V1_HealthClient(channel: try channel(to: port))
            #expect(try await client.check(.with { $0.service = "" }).status == .serving)
            #expect(await failureCode { _ = try await client.check(.with { $0.service = "nope" }) } == .notFound)

            // Deadlines bound every wait for an update.
            let bounded = CallOptions(timeout: .seconds(20))
            var updates = client.watch(.with { $0.service = "catalog" }, options: bounded).makeAsyncIterator()
            #expect(try await updates.next()?.status == .notServing)
            health.setStatus(.serving, for: "catalog")
            #expect(try await updates.next()?.status == .serving)

            var unknown = client.watch(.with { $0.service = "later" }, options: bounded).makeAsyncIterator()
            #expect(try await unknown.next()?.status == .serviceUnknown)
        }
    }

    @Test func reflectionListsAndDescribes() async throws {
        let mounted = [TestService().rpcService]
        let reflection = try ReflectionService(files: GRPCProtosDescriptorSet.files, services: mounted.map(\.name))
        try await withServer(mounted + reflection.rpcServices) { port, _ in
            let client = Grpc_Reflection_V1_ServerReflectionClient(channel: try channel(to: port))
            let answers = try await client.serverReflectionInfo { requests, responses in
                var iterator = responses.makeAsyncIterator()
                var answers: [Grpc_Reflection_V1_ServerReflectionResponse] = []
                for request: Grpc_Reflection_V1_ServerReflectionRequest.MessageRequest in [
                    .listServices(""), .fileContainingSymbol("grpc.testing.TestService.UnaryCall"),
                    .fileByFilename("grpc/testing/messages.proto"), .fileContainingSymbol("no.such.Thing"),
                ] {
                    try await requests.write(.with { $0.messageRequest = request })
                    answers.append(try #require(try await iterator.next()))
                }
                requests.finish()
                return answers
            }
            guard case let .listServicesResponse(list)? = answers[0].messageResponse else {
                Issue.record("no service list: \(answers[0])")
                return
            }
            #expect(list.service.map(\.name) == ["grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection", "grpc.testing.TestService"])
            guard case let .fileDescriptorResponse(files)? = answers[1].messageResponse else {
                Issue.record("no files for the symbol: \(answers[1])")
                return
            }
            let names = try files.fileDescriptorProto.map { try Google_Protobuf_FileDescriptorProto(serializedBytes: $0).name }
            #expect(names == ["grpc/testing/test.proto", "grpc/testing/empty.proto", "grpc/testing/messages.proto"])
            guard case .fileDescriptorResponse? = answers[2].messageResponse,
                  case let .errorResponse(error)? = answers[3].messageResponse else {
                Issue.record("unexpected answers: \(answers[2...])")
                return
            }
            #expect(error.errorCode == Int32(RPCStatus.Code.notFound.rawValue))
        }
    }

    @Test func gracefulShutdownLetsCallsInFlightFinish() async throws {
        let handling = Mutex(false)
        let finish = Gate()
        let (slow, method) = probeService("test.Slow") { request, context in
            if context.metadata["x-hold"] == "1" {
                handling.withLock { $0 = true }
                await finish.wait()
            }
            return request
        }
        let server = RPCServer(configuration: .init(host: "127.0.0.1", port: 0), services: [slow])
        let port = try await server.start().port!
        let channel = try channel(to: port)
        let inFlight = Task {
            try await channel.unary(method, request: Grpc_Testing_Empty(), options: CallOptions(metadata: Metadata([("x-hold", "1")])))
        }
        // Shut down only once the call is really being handled.
        #expect(await eventually { handling.withLock { $0 } })
        let stopped = Mutex(false)
        let shutdown = Task {
            // Longer than the waits below: ending by the timeout fails them.
            await server.shutdown(drainTimeout: .seconds(60))
            stopped.withLock { $0 = true }
        }
        // Draining: new calls are refused while the one in flight goes on.
        #expect(await eventually(timeout: .seconds(30)) {
            await failureCode { _ = try await channel.unary(method, request: Grpc_Testing_Empty()) } == .unavailable
        })
        #expect(!stopped.withLock { $0 }, "shutdown ended while a call was in flight")
        finish.open()
        _ = try await inFlight.value
        // The last call done, shutdown ends without waiting out its drain timeout.
        #expect(await eventually(timeout: .seconds(30)) { stopped.withLock { $0 } }, "shutdown waited for the drain timeout")
        shutdown.cancel()
        await shutdown.value
    }

    @Test func anIdleConnectionIsClosedAfterItsTimeoutAndABusyOneIsNot() async throws {
        let logs = CapturedLogs()
        let closings = { logs.all.filter { $0.message == "closing idle connection" }.count }
        let server = RPCServer(configuration: .init(host: "127.0.0.1", port: 0, connectionIdleTimeout: .milliseconds(400)),
                               services: [TestService().rpcService], logger: logs.logger())
        let port = try await server.start().port!
        do {
            let client = Grpc_Testing_TestServiceClient(channel: try channel(to: port))
            // Idle spells of 100 ms over three timeouts' time: never idle long enough.
            let busyUntil = ContinuousClock.now + .milliseconds(1200)
            while ContinuousClock.now < busyUntil {
                _ = try await client.emptyCall(Grpc_Testing_Empty())
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(closings() == 0, "a connection in use was closed as idle")
            #expect(await eventually(timeout: .seconds(5)) { closings() == 1 }, "the idle connection was not closed")
            // The channel connects again for the next call.
            _ = try await client.emptyCall(Grpc_Testing_Empty())
        } catch {
            await server.shutdown(drainTimeout: .seconds(1))
            throw error
        }
        await server.shutdown(drainTimeout: .seconds(1))
    }

    @Test func clientErrorsNameWhatHappened() async throws {
        // A port bound but not listening refuses connections, and no one
        // else can take it while it is held.
        let closed = try LoopbackPort(listening: false)
        defer { closed.close() }
        let channel = try channel(to: closed.port)
        do {
            _ = try await channel.unaryCall(path: "/x.Y/Z", request: ByteBuffer())
            Issue.record("a call to a closed port succeeded")
        } catch let error as RPCError {
            #expect(error.code == .unavailable)
            #expect(error.message == "connection refused by 127.0.0.1:\(closed.port)")
        }
    }

    @Test func theChannelReconnectsAfterTheServerComesBack() async throws {
        let service = TestService().rpcService
        let first = RPCServer(configuration: .init(host: "127.0.0.1", port: 0), services: [service])
        let port = try await first.start().port!
        let client = Grpc_Testing_TestServiceClient(channel: try channel(to: port))
        _ = try await client.emptyCall(Grpc_Testing_Empty())
        await first.shutdown(drainTimeout: .seconds(1))
        #expect(await failureCode { _ = try await client.emptyCall(Grpc_Testing_Empty()) } == .unavailable)

        // The same port, so the channel's target is back (released a moment
        // ago, it is reused at once: SO_REUSEADDR).
        let second = RPCServer(configuration: .init(host: "127.0.0.1", port: port), services: [service])
        try await second.start()
        // Nothing below throws, so the server is always shut down.
        var lastError: (any Error)?
        let recovered = await eventually(timeout: .seconds(30)) {
            do {
                _ = try await client.emptyCall(Grpc_Testing_Empty())
                return true
            } catch {
                lastError = error
                return false
            }
        }
        await second.shutdown()
        #expect(recovered, "the channel did not recover: \(String(describing: lastError))")
    }
}
