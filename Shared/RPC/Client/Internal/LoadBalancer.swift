import DNS
import NIOCore
import Synchronization

/// Spreads calls round-robin over connections to every address the target
/// resolves to, several per address, and re-resolves when a server sends
/// GOAWAY (so scaled-out replicas join and drained ones leave).
final class LoadBalancer: Sendable {
    private let target: RPCTarget
    private let configuration: RPCChannel.Configuration
    private let group: any EventLoopGroup
    private let state = Mutex<State>(State())

    private struct State {
        var connections: [ClientConnection] = []
        var next = 0
        var resolution: Task<Void, Error>?
        var needsResolution = true
        var isShutdown = false
    }

    init(target: RPCTarget, configuration: RPCChannel.Configuration, group: any EventLoopGroup) {
        self.target = target
        self.configuration = configuration
        self.group = group
    }

    /// A connection to use for the next call, ready to open streams.
    func pick(waitForReady: Bool, deadline: ContinuousClock.Instant?) async throws -> ClientConnection.Ready {
        try await resolveIfNeeded()
        // Round-robin from the next slot: the first live connection; else the
        // first not backing off; else the next one in turn.
        let chosen: ClientConnection? = state.withLock { state in
            let connections = state.connections
            guard !connections.isEmpty else { return nil }
            let start = state.next % connections.count
            state.next = (start + 1) % connections.count
            var notBackingOff: ClientConnection?
            for offset in 0..<connections.count {
                let connection = connections[(start + offset) % connections.count]
                if connection.isReady { return connection }
                if notBackingOff == nil, !connection.isBackingOff { notBackingOff = connection }
            }
            return notBackingOff ?? connections[start]
        }
        guard let chosen else { throw RPCError(.unavailable, "the channel to \(target) is closed") }
        do {
            return try await chosen.ready(waitForReady: false, deadline: deadline)
        } catch let error as RPCError where error.code == .unavailable {
            for other in state.withLock({ $0.connections }) where other !== chosen && !other.isBackingOff {
                if let ready = try? await other.ready(waitForReady: false, deadline: deadline) { return ready }
            }
            guard waitForReady else { throw error }
            return try await chosen.ready(waitForReady: true, deadline: deadline)
        }
    }

    private func resolveIfNeeded() async throws {
        let task: Task<Void, Error>? = state.withLock { state in
            guard !state.isShutdown else { return nil }
            if let resolution = state.resolution { return resolution }
            guard state.needsResolution else { return nil }
            state.needsResolution = false
            let task = Task { try await self.resolve() }
            state.resolution = task
            return task
        }
        guard let task else {
            if state.withLock({ $0.isShutdown }) { throw RPCError(.unavailable, "the channel to \(target) is closed") }
            return
        }
        do {
            try await task.value
        } catch {
            state.withLock { $0.needsResolution = true }
            throw error
        }
    }

    private func resolve() async throws {
        defer { state.withLock { $0.resolution = nil } }
        let addresses: [SocketAddress]
        do {
            addresses = try await DNSResolver.resolve(host: target.host, port: target.port)
        } catch let failure as DNSResolver.Failure {
            if state.withLock({ !$0.connections.isEmpty }) { return }  // Keep what works.
            throw RPCError(.unavailable, failure.description)
        }
        let removed: [ClientConnection] = state.withLock { state in
            let kept = state.connections.filter { addresses.contains($0.address) }
            let removed = state.connections.filter { !addresses.contains($0.address) }
            var connections = kept
            for address in addresses {
                let existing = kept.filter { $0.address == address }.count
                for _ in existing..<max(existing, configuration.connectionsPerAddress) {
                    connections.append(ClientConnection(address: address, configuration: configuration, group: group) { [weak self] in
                        self?.state.withLock { $0.needsResolution = true }
                    })
                }
            }
            state.connections = connections
            return removed
        }
        for connection in removed { connection.shutdown() }
    }

    func shutdown() {
        let connections: [ClientConnection] = state.withLock { state in
            state.isShutdown = true
            state.resolution?.cancel()
            defer { state.connections = [] }
            return state.connections
        }
        for connection in connections { connection.shutdown() }
    }
}
