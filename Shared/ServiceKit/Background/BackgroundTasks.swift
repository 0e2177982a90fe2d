import Logging
import Synchronization

/// Long-running work of a service (outbox relays, pruning) that the runner
/// starts once migrations are applied and cancels and awaits on shutdown,
/// after the server has drained: no bare `Task {}` outlives the service.
///
/// A task that throws (other than by cancellation) is logged and started
/// again after a pause, so one bad round never stops a relay for good.
public final class BackgroundTasks: Sendable {
    private struct Entry {
        let name: String
        let body: @Sendable () async throws -> Void
    }

    private enum Phase {
        case waiting([Entry])
        case running([Task<Void, Never>])
        case stopped
    }

    private let phase = Mutex(Phase.waiting([]))
    private let logger: Logger
    /// The pause before a task that failed runs again.
    let restartDelay: Duration

    public init(logger: Logger, restartDelay: Duration = .seconds(1)) {
        self.logger = logger
        self.restartDelay = restartDelay
    }

    /// Registers `body` to run in the background under `name` (for logs).
    /// Before ``start()`` it waits; after it, it starts at once; after
    /// ``stop()`` it never runs.
    public func add(_ name: String, _ body: @escaping @Sendable () async throws -> Void) {
        let entry = Entry(name: name, body: body)
        let startNow = phase.withLock { phase -> Bool in
            switch phase {
            case .waiting(var entries):
                entries.append(entry)
                phase = .waiting(entries)
                return false
            case .running:
                return true
            case .stopped:
                return false
            }
        }
        if startNow { launch([entry]) }
    }

    /// Starts every registered task (the runner calls it once the schema is
    /// migrated). Later calls do nothing.
    public func start() {
        let entries = phase.withLock { phase -> [Entry] in
            guard case .waiting(let entries) = phase else { return [] }
            phase = .running([])
            return entries
        }
        launch(entries)
    }

    /// Cancels every task and waits for all of them to end.
    public func stop() async {
        let tasks = phase.withLock { phase -> [Task<Void, Never>] in
            defer { phase = .stopped }
            if case .running(let tasks) = phase { return tasks }
            return []
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        logger.info("background tasks stopped", metadata: ["count": "\(tasks.count)"])
    }

    private func launch(_ entries: [Entry]) {
        for entry in entries {
            let task = Task { [logger, restartDelay] in
                while !Task.isCancelled {
                    do {
                        try await entry.body()
                        return
                    } catch is CancellationError {
                        return
                    } catch {
                        if Task.isCancelled { return }
                        logger.error("background task failed; restarting it", metadata: [
                            "task": "\(entry.name)", "error": "\(error)",
                        ])
                        try? await Task.sleep(for: restartDelay)
                    }
                }
            }
            let stopped = phase.withLock { phase -> Bool in
                guard case .running(var tasks) = phase else { return true }
                tasks.append(task)
                phase = .running(tasks)
                return false
            }
            if stopped { task.cancel() }
        }
    }
}
