import NIOCore

/// Header fields collected for a block still being received.
struct PendingHeaderBlock {
    var kind: HTTP2HeaderBlock.Kind
    var fields: [HTTP2Header] = []
    var size = 0
    var exceededLimit = false
}

/// Body data queued for one stream until nghttp2 asks for it.
struct OutboundQueue {
    var buffers = CircularBuffer<ByteBuffer>(initialCapacity: 4)
    var bufferedBytes = 0
    /// No more data will be queued; send END_STREAM (or trailers) once drained.
    var isFinished = false
    var trailers: [HTTP2Header]?
    /// nghttp2 was told there is nothing to send; it must be resumed.
    var isDeferred = false

    /// Copies up to `destination.count` bytes out of the queue.
    mutating func copy(into destination: UnsafeMutableRawBufferPointer) -> Int {
        var written = 0
        while written < destination.count, var head = buffers.first {
            let count = min(head.readableBytes, destination.count - written)
            head.withUnsafeReadableBytes { source in
                UnsafeMutableRawBufferPointer(rebasing: destination[written..<written + count])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[0..<count]))
            }
            head.moveReaderIndex(forwardBy: count)
            written += count
            if head.readableBytes == 0 {
                buffers.removeFirst()
            } else {
                buffers[buffers.startIndex] = head
            }
        }
        bufferedBytes -= written
        return written
    }
}
