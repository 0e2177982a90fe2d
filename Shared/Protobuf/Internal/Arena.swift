import CProtobufC

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bump allocator for one encode or decode: protobuf-c and the message
/// writer allocate from it, nothing is freed piecemeal, and everything goes
/// at once when the arena dies. A decode or encode is one short synchronous
/// call, so the arena never crosses threads.
final class Arena {
    private static let alignment = 16
    private static let firstChunkSize = 4096

    private var chunks: [UnsafeMutableRawPointer] = []
    private var cursor: UnsafeMutableRawPointer?
    private var remaining = 0
    private var allocatedBytes = 0
    /// Allocation stops (returns nil) past this many bytes, so a small input
    /// cannot expand into unbounded memory.
    let budget: Int
    private(set) var exceededBudget = false

    init(budget: Int = .max) {
        self.budget = budget
    }

    deinit {
        for chunk in chunks { free(chunk) }
    }

    /// Returns `size` bytes aligned to 16, or nil past the budget or when the
    /// system is out of memory.
    func allocate(_ size: Int) -> UnsafeMutableRawPointer? {
        let rounded = (max(size, 1) + Self.alignment - 1) & ~(Self.alignment - 1)
        if rounded > remaining {
            guard grow(toFit: rounded) else { return nil }
        }
        let pointer = cursor!
        cursor = pointer + rounded
        remaining -= rounded
        return pointer
    }

    /// Allocates for an encode, whose arena has no budget: failure means the
    /// process is out of memory, which Swift treats as fatal everywhere.
    func allocateOrTrap(_ size: Int) -> UnsafeMutableRawPointer {
        guard let pointer = allocate(size) else { fatalError("out of memory allocating \(size) bytes") }
        return pointer
    }

    /// Copies `bytes` into the arena and appends a NUL terminator.
    func copyCString(_ bytes: UnsafeRawBufferPointer) -> UnsafeMutablePointer<CChar> {
        let destination = allocateOrTrap(bytes.count + 1)
        if let base = bytes.baseAddress { destination.copyMemory(from: base, byteCount: bytes.count) }
        destination.storeBytes(of: 0, toByteOffset: bytes.count, as: UInt8.self)
        return destination.assumingMemoryBound(to: CChar.self)
    }

    private func grow(toFit size: Int) -> Bool {
        let chunkSize = max(size, chunks.isEmpty ? Self.firstChunkSize : min(allocatedBytes, 1 << 20))
        guard allocatedBytes + chunkSize <= budget else {
            exceededBudget = true
            return false
        }
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, Self.alignment, chunkSize) == 0, let chunk = raw else { return false }
        chunks.append(chunk)
        allocatedBytes += chunkSize
        cursor = chunk
        remaining = chunkSize
        return true
    }

    /// A protobuf-c allocator drawing from this arena. Valid while the arena
    /// is alive; callers keep it within the arena's scope.
    var protobufCAllocator: ProtobufCAllocator {
        ProtobufCAllocator(
            alloc: { data, size in
                Unmanaged<Arena>.fromOpaque(data!).takeUnretainedValue().allocate(size)
            },
            free: { _, _ in },
            allocator_data: Unmanaged.passUnretained(self).toOpaque()
        )
    }
}
