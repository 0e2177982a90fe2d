import Synchronization

/// Tells long-lived work (watch streams, background loops) that the service
/// is stopping, so it can end promptly instead of holding the drain open.
public final class ShutdownSignal: Sendable {
    private struct State {
        var triggered = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        var actions: [@Sendable () -> Void] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Returns once shutdown begins (at once if it has).
    public func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if state.triggered { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Runs `action` when shutdown begins (at once if it has), before the
    /// server drains: for ending streams that would otherwise hold it open.
    public func onTrigger(_ action: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state -> Bool in
            if state.triggered { return true }
            state.actions.append(action)
            return false
        }
        if runNow { action() }
    }

    /// Begins shutdown; later calls do nothing.
    public func trigger() {
        let (waiters, actions) = state.withLock { state -> ([CheckedContinuation<Void, Never>], [@Sendable () -> Void]) in
            guard !state.triggered else { return ([], []) }
            state.triggered = true
            defer {
                state.waiters.removeAll()
                state.actions.removeAll()
            }
            return (state.waiters, state.actions)
        }
        for action in actions { action() }
        for waiter in waiters { waiter.resume() }
    }
}
