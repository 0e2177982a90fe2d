import ServiceKit
import ServiceKitTesting
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(2))) struct BackgroundTasksTests {
    @Test func tasksStartOnlyWhenStartedAndStopWaitsForThem() async throws {
        let tasks = BackgroundTasks(logger: TestEnvironment.logger("background"), restartDelay: .milliseconds(10))
        let started = Atomic(0)
        let finished = Atomic(0)
        tasks.add("loop") {
            started.add(1, ordering: .relaxed)
            defer { finished.add(1, ordering: .relaxed) }
            try await Task.sleep(for: .seconds(3600))
        }
        try await Task.sleep(for: .milliseconds(100))
        #expect(started.load(ordering: .relaxed) == 0)
        tasks.start()
        #expect(await eventually(timeout: .seconds(5)) { started.load(ordering: .relaxed) == 1 })
        // Added after start: runs at once.
        tasks.add("late") {
            started.add(1, ordering: .relaxed)
            defer { finished.add(1, ordering: .relaxed) }
            try await Task.sleep(for: .seconds(3600))
        }
        #expect(await eventually(timeout: .seconds(5)) { started.load(ordering: .relaxed) == 2 })
        await tasks.stop()
        #expect(finished.load(ordering: .relaxed) == 2)
        // Added after stop: never runs.
        tasks.add("too late") { started.add(1, ordering: .relaxed) }
        try await Task.sleep(for: .milliseconds(100))
        #expect(started.load(ordering: .relaxed) == 2)
    }

    @Test func aTaskThatFailsIsStartedAgain() async throws {
        let tasks = BackgroundTasks(logger: TestEnvironment.logger("background"), restartDelay: .milliseconds(10))
        let runs = Atomic(0)
        struct Failure: Error {}
        tasks.add("flaky") {
            if runs.add(1, ordering: .relaxed).newValue < 3 { throw Failure() }
            try await Task.sleep(for: .seconds(3600))
        }
        tasks.start()
        #expect(await eventually(timeout: .seconds(5)) { runs.load(ordering: .relaxed) == 3 })
        await tasks.stop()
    }
}
