import NIOCore
import Synchronization

/// The responses of a streaming call, decoded as they arrive. Reading is
/// what opens the server's flow-control window. Ends after an OK status;
/// throws ``RPCError`` with any other.
public struct RPCResponseStream<Message: Sendable>: AsyncSequence, Sendable {
    public typealias Element = Message

    private let source: ResponseSource
    private let decode: @Sendable (ByteBuffer) throws -> Message

    init(source: ResponseSource, decode: @escaping @Sendable (ByteBuffer) throws -> Message) {
        self.source = source
        self.decode = decode
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let source: ResponseSource
        let decode: @Sendable (ByteBuffer) throws -> Message

        public mutating func next() async throws -> Message? {
            guard let buffer = try await source.call().nextResponse() else { return nil }
            do {
                return try decode(buffer)
            } catch {
                source.cancel()
                throw error
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(source: source, decode: decode)
    }

    /// Custom metadata from the response headers.
    public func initialMetadata() async throws -> Metadata {
        try await source.call().initialMetadata()
    }

    /// Custom metadata from the trailers; waits for the call to end.
    public func trailingMetadata() async throws -> Metadata {
        try await source.call().outcome().trailers
    }
}

/// Where a response stream's call comes from: already open (bidirectional
/// calls) or started on first use (server streaming). Cancels the call when
/// the last reference goes away before it ended.
final class ResponseSource: Sendable {
    private enum State {
        case notStarted(@Sendable (@escaping @Sendable (ClientCall) -> Void) async throws -> Void)
        case starting([CheckedContinuation<ClientCall, Error>])
        case started(ClientCall)
        case failed(any Error)
    }

    private let state: Mutex<State>
    private let runner = Mutex<Task<Void, Never>?>(nil)

    init(call: ClientCall) {
        state = Mutex(.started(call))
    }

    /// `start` runs the call in a task of its own and hands over the open
    /// call with `publish`; an error before publishing fails the readers.
    init(start: @escaping @Sendable (@escaping @Sendable (ClientCall) -> Void) async throws -> Void) {
        state = Mutex(.notStarted(start))
    }

    deinit {
        runner.withLock { $0?.cancel() }
        if case let .started(call) = state.withLock({ $0 }) { call.cancel() }
    }

    func call() async throws -> ClientCall {
        try await withCheckedThrowingContinuation { continuation in
            let start: (@Sendable (@escaping @Sendable (ClientCall) -> Void) async throws -> Void)? = state.withLock { state in
                switch state {
                case let .started(call):
                    continuation.resume(returning: call)
                    return nil
                case let .failed(error):
                    continuation.resume(throwing: error)
                    return nil
                case var .starting(waiters):
                    waiters.append(continuation)
                    state = .starting(waiters)
                    return nil
                case let .notStarted(start):
                    state = .starting([continuation])
                    return start
                }
            }
            guard let start else { return }
            // Weak: dropping the last reader must be able to end the call.
            let task = Task { [weak self] in
                do {
                    try await start { [weak self] call in self?.resolve(.success(call)) }
                    // Returning without publishing a call: an interceptor skipped it.
                    self?.resolve(.failure(RPCError(.internal, "a client interceptor ended the call without making it or throwing")))
                } catch {
                    self?.resolve(.failure(error))
                }
            }
            runner.withLock { $0 = task }
        }
    }

    private func resolve(_ result: Result<ClientCall, any Error>) {
        let waiters: [CheckedContinuation<ClientCall, Error>] = state.withLock { state in
            guard case let .starting(waiters) = state else { return [] }
            switch result {
            case let .success(call): state = .started(call)
            case let .failure(error): state = .failed(error)
            }
            return waiters
        }
        for waiter in waiters { waiter.resume(with: result) }
    }

    func cancel() {
        if case let .started(call) = state.withLock({ $0 }) { call.cancel() }
    }
}
