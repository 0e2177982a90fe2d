import Foundation

/// One schema migration: a numbered SQL script, applied once, in order.
///
/// Files are named `<version>_<name>.sql`, e.g. `0001_create_products.sql`.
public struct PostgresMigration: Sendable, Hashable {
    /// The number that orders migrations; unique per service.
    public let version: Int
    /// The descriptive part of the file name (`create_products`).
    public let name: String
    /// The SQL script; may hold several statements.
    public let sql: String

    /// The file name the migration is known by in errors and records.
    public var fileName: String {
        "\(String(format: "%04d", version))_\(name).sql"
    }

    /// The SHA-256 of the SQL text, as lowercase hex: an applied migration
    /// whose file changed afterwards is detected by it. Computed once, here.
    public let checksum: String

    /// A migration given as values rather than a file.
    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = SHA256.hexDigest(Array(sql.utf8))
    }

    /// A migration from a file name such as `0001_create_products.sql`.
    ///
    /// - Throws: ``PostgresMigrationError`` when the name does not follow
    ///   the `<version>_<name>.sql` pattern.
    public init(fileName: String, sql: String) throws(PostgresMigrationError) {
        guard fileName.hasSuffix(".sql"),
            let separator = fileName.firstIndex(of: "_"),
            let version = Int(fileName[..<separator]),
            version > 0
        else {
            throw .invalidFileName(fileName)
        }
        let name = fileName[fileName.index(after: separator)...].dropLast(4)
        self.init(version: version, name: String(name), sql: sql)
    }

    /// Loads every `*.sql` file in `directory` (such as a SwiftPM resource
    /// folder), sorted by version.
    ///
    /// - Throws: ``PostgresMigrationError`` for a badly named file or two
    ///   files with the same version, or the error reading the directory.
    public static func load(from directory: URL) throws -> [PostgresMigration] {
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
        let migrations = try files.map { file in
            try PostgresMigration(fileName: file.lastPathComponent, sql: String(contentsOf: file, encoding: .utf8))
        }
        return try sorted(migrations)
    }

    /// `migrations` ordered by version, refusing duplicate versions.
    static func sorted(_ migrations: [PostgresMigration]) throws(PostgresMigrationError) -> [PostgresMigration] {
        let ordered = migrations.sorted { $0.version < $1.version }
        for (previous, next) in zip(ordered, ordered.dropFirst()) where previous.version == next.version {
            throw .duplicateVersion(previous.fileName, next.fileName)
        }
        return ordered
    }
}
