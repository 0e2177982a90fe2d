import NIOCore

/// Header fields collected for the block being received.
struct PendingHeaderBlock {
    let stream: Int32
    var kind: HTTP2HeaderBlock.Kind
    var fields: [HTTP2Header] = []
    var size = 0
    var exceededLimit = false

    /// Adds a field, or only counts it once the block is past `maxSize`
    /// bytes or `maxFields` fields.
    mutating func add(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, maxSize: Int, maxFields: Int) {
        size += name.count + value.count + 32
        if size > maxSize || fields.count >= maxFields {
            exceededLimit = true
        } else {
            fields.append(HTTP2Header(String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
        }
    }
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

    /// Queues `data`; true when nghttp2 must be resumed to take it.
    mutating func append(_ data: ByteBuffer) -> Bool {
        buffers.append(data)
        bufferedBytes += data.readableBytes
        return takeDeferral()
    }

    /// Marks the end of the data; true when nghttp2 must be resumed to send
    /// it. False, changing nothing, when already finished.
    mutating func finish(trailers: [HTTP2Header]?) -> Bool {
        guard !isFinished else { return false }
        isFinished = true
        self.trailers = trailers
        return takeDeferral()
    }

    private mutating func takeDeferral() -> Bool {
        defer { isDeferred = false }
        return isDeferred
    }

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
