import NIOCore

extension ChannelHandlerContext {
    /// Writes the frames nghttp2 produced and, when asked, closes the channel
    /// once they reach the socket: a last GOAWAY must not be cut off.
    func writeFrames(_ frames: ByteBuffer, thenClose shouldClose: Bool) {
        if frames.readableBytes > 0 {
            let written = writeAndFlush(NIOAny(frames))
            if shouldClose { written.assumeIsolated().whenComplete { _ in self.close(promise: nil) } }
        } else if shouldClose {
            close(promise: nil)
        }
    }
}
