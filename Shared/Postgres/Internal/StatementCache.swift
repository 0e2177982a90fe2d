/// The prepared statements of one connection, keyed by SQL text and
/// parameter types, evicting the least recently used beyond `capacity`.
struct StatementCache {
    struct Key: Hashable {
        let sql: String
        let parameterTypes: [UInt32]
    }

    private struct Entry {
        let name: String
        var lastUse: UInt64
    }

    private let capacity: Int
    private var entries: [Key: Entry] = [:]
    private var useCounter: UInt64 = 0
    private var nameCounter = 0

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The statement prepared for `key`, marked as just used.
    mutating func lookup(_ key: Key) -> String? {
        useCounter += 1
        guard let index = entries.index(forKey: key) else { return nil }
        entries.values[index].lastUse = useCounter  // One hash lookup, in place.
        return entries.values[index].name
    }

    /// A fresh, never reused statement name.
    mutating func makeName() -> String {
        nameCounter += 1
        return "s\(nameCounter)"
    }

    /// Records that `name` is prepared for `key`. Returns the name of the
    /// statement evicted to make room, which the caller should deallocate.
    mutating func insert(_ key: Key, name: String) -> String? {
        var evicted: String?
        if entries.count >= capacity, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            entries[oldest.key] = nil
            evicted = oldest.value.name
        }
        useCounter += 1
        entries[key] = Entry(name: name, lastUse: useCounter)
        return evicted
    }

    /// Forgets the statement for `key` (the server no longer has it).
    mutating func remove(_ key: Key) {
        entries[key] = nil
    }
}
