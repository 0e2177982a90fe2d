import Foundation
import GRPCProtos
import GRPCServices
import InteropTesting
import NIOCore
import RPC
import Synchronization
import Testing
import WellKnownTypes

@Suite(.timeLimit(.minutes(2))) struct CallBehaviourTests {
    @Test func servesAllFourCallKinds() async throws {
        try await withServer([TestService().rpcService]) { port, _ in
            let client = Grpc_Testing_TestServiceClient(channel: try channel(to: port))
            let unary = try await client.unaryCall(.with { $0.responseSize = 1000 })
            #expect(unary.payload?.body.count == 1000)

            var sizes: [Int] = []
            for try await response in client.streamingOutputCall(.with {
                $0.responseParameters = [10, 20, 30].map { size in .with { $0.size = size } }
            }) { sizes.append(response.payload?.body.count ?? -1) }
            #expect(sizes == [10, 20, 30])

            let aggregate = try await client.streamingInputCall { writer in
                for size in [1, 2, 3] { try await writer.write(.with { $0.payload = .with { $0.body = Data(count: size) } }) }
            }
            #expect(aggregate.aggregatedPayloadSize == 6)

            let echoed = try await client.fullDuplexCall { requests, responses in
                var received: [Int] = []
                var iterator = responses.makeAsyncIterator()
                for size in [5, 6] {
                    try await requests.write(.with { $0.responseParameters = [.with { $0.size = Int32(size) }] })
                    received.append(try await iterator.next()?.payload?.body.count ?? -1)
                }
                requests.finish()
                #expect(try await iterator.next() == nil)
                return received
            }
            #expect(echoed == [5, 6])
        }
    }

    @Test func handlersPassTheirDeadlineToCallsTheyMake() async throws {
        let observed = Mutex<[Duration?]>([])
        let (inner, innerMethod) = probeService("test.Inner") { request, context in
            observed.withLock { $0.append(context.remainingTime) }
            return request
        }
        try await withServer([inner]) { innerPort, _ in
            let innerChannel = try channel(to: innerPort)
            let (relay, relayMethod) = probeService("test.Relay") { request, _ in
                try await innerChannel.unary(innerMethod, request: request)
            }
            try await withServer([relay]) { relayPort, _ in
                let relayChannel = try channel(to: relayPort)
                _ = try await relayChannel.unary(relayMethod, request: Grpc_Testing_Empty(), options: CallOptions(timeout: .seconds(5)))
                _ = try await relayChannel.unary(relayMethod, request: Grpc_Testing_Empty())
            }
        }
        let seen = observed.withLock { $0 }
        #expect(seen.count == 2)
        let propagated = try #require(seen[0])
        #expect(propagated > .zero && propagated <= .seconds(5), "the inner call saw \(propagated)")
        #expect(seen[1] == nil, "a call without a deadline must not invent one")
    }

    @Test func deadlinesAndCancellationStopTheHandler() async throws {
        let started = Mutex(0)
        let cancelled = Mutex(0)
        let (slow, method) = probeService("test.Slow") { request, _ in
            started.withLock { $0 += 1 }
            do {
                try await Task.sleep(for: .seconds(30))
            } catch {
                cancelled.withLock { $0 += 1 }
                throw error
            }
            return request
        }
        try await withServer([slow]) { port, _ in
            let channel = try channel(to: port)
            // The deadline must expire while the handler runs. On a loaded
            // machine the request may not reach it within a short deadline
            // (the call then fails the same way without running it), so the
            // deadline doubles until a call reached the handler.
            var timeout: Duration = .milliseconds(500)
            while started.withLock({ $0 }) == 0 && timeout <= .seconds(16) {
                let code = await failureCode {
                    _ = try await channel.unary(method, request: Grpc_Testing_Empty(), options: CallOptions(timeout: timeout))
                }
                #expect(code == .deadlineExceeded, "with a deadline of \(timeout)")
                timeout *= 2
            }
            #expect(started.withLock { $0 } == 1, "no request reached the handler, the last with a deadline of \(timeout / 2)")
            #expect(await eventually { cancelled.withLock { $0 } == 1 }, "the deadline did not cancel the handler")

            // Cancel only once the handler runs, so the reset is what stops it.
            let call = Task { try await channel.unary(method, request: Grpc_Testing_Empty()) }
            #expect(await eventually { started.withLock { $0 } == 2 })
            call.cancel()
            #expect(await failureCode { _ = try await call.value } == .cancelled)
            #expect(await eventually { cancelled.withLock { $0 } == 2 }, "RST_STREAM did not cancel the handler")
        }
    }

    @Test func messageSizeLimitsApplyBothWaysAndNameBothSizes() async throws {
        try await withServer([TestService().rpcService], configure: { $0.maxReceiveMessageSize = 1024 }) { port, _ in
            let client = Grpc_Testing_TestServiceClient(channel: try channel(to: port) { $0.maxReceiveMessageSize = 2048 })
            do {
                _ = try await client.unaryCall(.with { $0.payload = .with { $0.body = Data(count: 5000) } })
                Issue.record("an oversized request was accepted")
            } catch let error as RPCError {
                #expect(error.code == .resourceExhausted)
                #expect(error.message.contains("1024") && error.message.contains("500"), "\(error.message)")
            }
            do {
                _ = try await client.unaryCall(.with { $0.responseSize = 5000 })
                Issue.record("an oversized response was accepted")
            } catch let error as RPCError {
                #expect(error.code == .resourceExhausted)
                #expect(error.message.contains("2048"), "\(error.message)")
            }
            // The connection is fine afterwards.
            #expect(try await client.unaryCall(.with { $0.responseSize = 10 }).payload?.body.count == 10)
        }
    }

    @Test func unknownServicesAndMethodsAreUnimplemented() async throws {
        try await withServer([TestService().rpcService]) { port, _ in
            let channel = try channel(to: port)
            for path in ["/grpc.testing.TestService/Nope", "/nope.Service/Call"] {
                do {
                    _ = try await channel.unaryCall(path: path, request: ByteBuffer())
                    Issue.record("\(path) succeeded")
                } catch let error as RPCError {
                    #expect(error.code == .unimplemented)
                    #expect(error.message.contains("Nope") || error.message.contains("nope.Service"), "\(error.message)")
                }
            }
        }
    }

    @Test func aSlowReaderHoldsBackAStreamingHandler() async throws {
        let written = Mutex(0)
        let method = RPCMethod<Grpc_Testing_Empty, Grpc_Testing_StreamingOutputCallResponse>(service: "test.Flood", name: "Flood", kind: .serverStreaming)
        let flood = RPCService(name: "test.Flood", methods: [.serverStreaming(method) { _, responses, _ in
            let chunk = Grpc_Testing_StreamingOutputCallResponse.with { $0.payload = .with { $0.body = Data(count: 64 * 1024) } }
            for _ in 0..<1000 {
                try await responses.write(chunk)
                written.withLock { $0 += 1 }
            }
        }])
        try await withServer([flood]) { port, _ in
            var iterator = try channel(to: port).serverStreaming(method, request: Grpc_Testing_Empty()).makeAsyncIterator()
            _ = try await iterator.next()
            // Wait until the handler is held back: its count stays put for
            // 25 polls (250 ms or more) before it has written everything.
            var whilePaused = written.withLock { $0 }
            var unchanged = 0
            let stalled = await eventually(timeout: .seconds(30)) {
                let now = written.withLock { $0 }
                unchanged = now == whilePaused ? unchanged + 1 : 0
                whilePaused = now
                return unchanged >= 25 && now < 1000
            }
            // 64 MB are waiting; flow control must keep the server to about
            // the windows (4 MiB stream window + buffers) rather than all of it.
            #expect(stalled, "the handler never stopped writing to a reader that read one: \(whilePaused) written")
            #expect(whilePaused < 200, "the handler wrote \(whilePaused) messages to a reader that read one")
            var received = 1
            while try await iterator.next() != nil { received += 1 }
            #expect(received == 1000)
        }
    }

    @Test func trailersOnlyAnswersHaveHeadersOnlyWhenOK() async throws {
        let refuse = RPCMethod<Grpc_Testing_Empty, Grpc_Testing_Empty>(service: "test.Answer", name: "Refuse", kind: .serverStreaming)
        let finish = RPCMethod<Grpc_Testing_Empty, Grpc_Testing_Empty>(service: "test.Answer", name: "Finish", kind: .serverStreaming)
        // Each answers with the status alone (trailers-only), late enough
        // that the client is already waiting for the headers.
        let service = RPCService(name: "test.Answer", methods: [
            .serverStreaming(refuse) { _, _, _ in
                try await Task.sleep(for: .milliseconds(200))
                throw RPCError(.failedPrecondition, "not now")
            },
            .serverStreaming(finish) { _, _, _ in try await Task.sleep(for: .milliseconds(200)) },
        ])
        try await withServer([service]) { port, _ in
            let channel = try channel(to: port)
            // A refusal is what initialMetadata() throws, before the stream
            // ends and after.
            let refused = channel.serverStreaming(refuse, request: Grpc_Testing_Empty())
            #expect(await failureCode { _ = try await refused.initialMetadata() } == .failedPrecondition)
            #expect(await failureCode { for try await _ in refused {} } == .failedPrecondition)
            #expect(await failureCode { _ = try await refused.initialMetadata() } == .failedPrecondition)
            // An OK status alone has empty headers.
            let finished = channel.serverStreaming(finish, request: Grpc_Testing_Empty())
            #expect(try await finished.initialMetadata().isEmpty)
            for try await _ in finished {}
            #expect(try await finished.initialMetadata().isEmpty)
        }
    }

    @Test func compressionWorksBothWays() async throws {
        try await withServer([TestService().rpcService]) { port, _ in
            let client = Grpc_Testing_TestServiceClient(channel: try channel(to: port))
            let response = try await client.unaryCall(.with {
                $0.responseSize = 100_000
                $0.responseCompressed = .with { $0.value = true }
                $0.expectCompressed = .with { $0.value = true }
                $0.payload = .with { $0.body = Data(count: 100_000) }
            }, options: CallOptions(compression: .gzip))
            #expect(response.payload?.body.count == 100_000)
        }
    }
}
