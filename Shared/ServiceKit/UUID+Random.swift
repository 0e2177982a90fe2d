import Foundation

extension UUID {
    /// A random (version 4) UUID made from the standard library's
    /// generator, which asks the kernel with getrandom(2). On Linux,
    /// Foundation's `UUID()` opens, reads and closes /dev/urandom on every
    /// call, a cost paid on each request for its id.
    public static func random() -> UUID {
        var generator = SystemRandomNumberGenerator()
        var words = (generator.next() as UInt64, generator.next() as UInt64)
        return withUnsafeMutableBytes(of: &words) { bytes in
            bytes[6] = bytes[6] & 0x0F | 0x40  // version 4
            bytes[8] = bytes[8] & 0x3F | 0x80  // RFC 4122 variant
            return UUID(uuid: bytes.load(as: uuid_t.self))
        }
    }
}
