/// A migration could not be loaded or applied.
public enum PostgresMigrationError: Error, Sendable, CustomStringConvertible {
    /// A file in the migrations folder is not named `<version>_<name>.sql`.
    case invalidFileName(String)
    /// Two migrations have the same version.
    case duplicateVersion(String, String)
    /// An applied migration's file changed since it was applied.
    case checksumMismatch(file: String)
    /// A migration failed; the error says why. It was rolled back.
    case failed(file: String, PostgresError)

    public var description: String {
        switch self {
        case .invalidFileName(let file):
            "migration file \"\(file)\" is not named <version>_<name>.sql"
        case .duplicateVersion(let first, let second):
            "migrations \"\(first)\" and \"\(second)\" have the same version"
        case .checksumMismatch(let file):
            "migration \"\(file)\" was changed after it was applied; add a new migration instead of editing an applied one"
        case .failed(let file, let error):
            "migration \"\(file)\" failed and was rolled back: \(error)"
        }
    }
}
