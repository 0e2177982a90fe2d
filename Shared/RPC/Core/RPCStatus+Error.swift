extension RPCStatus {
    /// The status a failed call reports for `error`: an ``RPCError``'s own,
    /// CANCELLED for cancellation, INTERNAL with a generic message otherwise
    /// (the details belong in logs, not in answers to callers).
    public init(error: any Error) {
        switch error {
        case let error as RPCError: self = error.status
        case is CancellationError: self = RPCStatus(.cancelled, "the call was cancelled")
        default: self = RPCStatus(.internal, "internal error")
        }
    }
}
