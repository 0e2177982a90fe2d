import Synchronization

/// A wake-up that is never lost: a signal sent while nobody waits is kept
/// (once) for the next wait.
final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns on a signal, after `timeout`, or when the task is cancelled,
    /// whichever comes first. One waiter at a time.
    func wait(timeout: Duration) async {
        let timer = Task { [weak self] in
            // Cancelled (the wait ended first): no signal, or the next wait
            // would return at once and the caller would spin.
            do { try await Task.sleep(for: timeout) } catch { return }
            self?.signal()
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.pending {
                        state.pending = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            signal()
        }
        timer.cancel()
        // A timer that fired after the wait ended leaves a stale signal:
        // harmless, the next round simply checks once more.
    }
}
