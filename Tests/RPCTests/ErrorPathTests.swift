import GRPCProtos
import NIOCore
import RPC
import Synchronization
import Testing

/// Returns without calling `next`: the call is never made.
private struct SkipTheCall: RPCClientInterceptor {
    func intercept(context: RPCClientCallContext, next: (RPCClientCallContext) async throws -> Void) async throws {}
}

/// The error an operation fails with, or nil if it succeeds.
private func failure(_ body: () async throws -> Void) async -> RPCError? {
    do {
        try await body()
        return nil
    } catch let error as RPCError {
        return error
    } catch {
        Issue.record("not an RPCError: \(error)")
        return nil
    }
}

@Suite(.timeLimit(.minutes(2))) struct ErrorPathTests {
    @Test func responseHeadersOverTheClientsLimitFailTheCall() async throws {
        let (service, method) = probeService { request, context in
            if context.metadata["x-big"] == "1" { context.addInitialMetadata("x-padding", String(repeating: "p", count: 4096)) }
            return request
        }
        try await withServer([service]) { port, _ in
            let channel = try channel(to: port) { $0.http2.maxHeaderListSize = 1024 }
            let error = await failure {
                _ = try await channel.unary(method, request: Grpc_Testing_Empty(), options: CallOptions(metadata: Metadata([("x-big", "1")])))
            }
            #expect(error?.code == .resourceExhausted)
            #expect(error?.message.contains("response headers") == true, "\(String(describing: error))")
            // Only that call failed: the connection still works.
            _ = try await channel.unary(method, request: Grpc_Testing_Empty())
        }
    }

    @Test(arguments: [0, 2, 4])
    func callsOverTheHandlerLimitAreRefusedAndRetriedUntilTheRetriesRunOut(_ retries: Int) async throws {
        let gate = Gate()
        let holding = Mutex(false)
        let (service, method) = probeService { request, context in
            if context.metadata["x-hold"] == "1" {
                holding.withLock { $0 = true }
                await gate.wait()
            }
            return request
        }
        // The server logs each stream it refuses: the count of attempts.
        let logs = CapturedLogs()
        let refusals = { logs.all.filter { $0.message == "refused a stream over the handler limit" }.count }
        let server = RPCServer(configuration: .init(host: "127.0.0.1", port: 0, maxConcurrentHandlersPerConnection: 1),
                               services: [service], logger: logs.logger())
        let port = try await server.start().port!
        do {
            let channel = try channel(to: port) {
                $0.connectionsPerAddress = 1
                $0.maxTransparentRetries = retries
            }
            let held = Task {
                try await channel.unary(method, request: Grpc_Testing_Empty(), options: CallOptions(metadata: Metadata([("x-hold", "1")])))
            }
            // While the one handler allowed is busy, every attempt is refused.
            #expect(await eventually { holding.withLock { $0 } }, "the held call never reached its handler")
            #expect(refusals() == 0)
            let error = await failure { _ = try await channel.unary(method, request: Grpc_Testing_Empty()) }
            #expect(error?.code == .unavailable)
            #expect(error?.message == "the server refused the stream before processing it")
            #expect(refusals() == 1 + retries, "the first attempt and \(retries) retries")
            gate.open()
            _ = try await held.value
            // Refused streams were never processed: the server takes calls again.
            _ = try await channel.unary(method, request: Grpc_Testing_Empty())
            #expect(refusals() == 1 + retries)
        } catch {
            gate.open()
            await server.shutdown(drainTimeout: .seconds(1))
            throw error
        }
        await server.shutdown(drainTimeout: .seconds(1))
    }

    @Test func aClientInterceptorThatSkipsTheCallFailsIt() async throws {
        let (service, method) = probeService { request, _ in request }
        try await withServer([service]) { port, _ in
            let channel = try channel(to: port) { $0.interceptors = [SkipTheCall()] }
            let unary = await failure { _ = try await channel.unary(method, request: Grpc_Testing_Empty()) }
            #expect(unary?.code == .internal)
            #expect(unary?.message == "a client interceptor ended the call to \(method.path) without making it or throwing")
            let streaming = await failure {
                for try await _ in channel.serverStreaming(path: method.path, request: ByteBuffer()) {}
            }
            #expect(streaming?.code == .internal)
            #expect(streaming?.message.contains("without making it or throwing") == true, "\(String(describing: streaming))")
        }
    }

    @Test(arguments: [0, 2])
    func aUnaryCallAnsweredWithTheWrongNumberOfMessagesFails(_ count: Int) async throws {
        // The server streams what the client calls as unary.
        let method = RPCMethod<Grpc_Testing_Empty, Grpc_Testing_Empty>(service: "test.Many", name: "Call", kind: .serverStreaming)
        let service = RPCService(name: "test.Many", methods: [.serverStreaming(method) { _, responses, _ in
            for _ in 0..<count { try await responses.write(Grpc_Testing_Empty()) }
        }])
        try await withServer([service]) { port, _ in
            let error = await failure { _ = try await channel(to: port).unaryCall(path: method.path, request: ByteBuffer()) }
            #expect(error?.code == .internal)
            #expect(error?.message == "the server sent \(count) response messages, want 1")
        }
    }
}
