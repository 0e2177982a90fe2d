import NIOCore

/// Runs tasks on one event loop. Handler tasks prefer it, so a call's
/// handler, its response encoding and the nghttp2 work all happen on the
/// connection's thread without hopping.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
