import CLibPQ

/// A result of one statement, fully copied out of libpq's `PGresult`.
///
/// Cell values live in one contiguous byte buffer with an offset and length
/// per cell, so copying a result costs a handful of allocations however many
/// rows it has, and the `PGresult` can be cleared right away. Immutable; a
/// class so that the rows sharing it retain one reference, not five arrays.
public final class PQResult: Sendable {
    /// What kind of result this is.
    public enum Status: Sendable, Hashable {
        /// A command that returns no rows completed.
        case commandOK
        /// A query returned rows (possibly none).
        case tuplesOK
        /// The query string was empty.
        case emptyQuery
        /// The server reported an error.
        case error(PQServerError)
        /// A result libpq produces that this layer does not support (COPY).
        case unsupported(String)
    }

    /// The status of the statement.
    public let status: Status
    /// The result columns; empty for commands that return no rows.
    public let columns: [PQColumn]
    /// The number of rows.
    public let rowCount: Int
    /// Rows affected by INSERT/UPDATE/DELETE/MERGE/SELECT/MOVE/FETCH/COPY,
    /// parsed from `PQcmdTuples`; nil for other commands.
    public let affectedRows: Int?
    private let bytes: [UInt8]
    /// Per cell, row by row: the offset of its value in `bytes` and its
    /// length, or -1 for NULL; interleaved to need one allocation.
    private let cells: [Int]

    /// Copies everything out of `result`. The caller still owns and clears it.
    init(copying result: OpaquePointer) {
        let rawStatus = PQresultStatus(result)
        switch rawStatus {
        case PGRES_COMMAND_OK: status = .commandOK
        case PGRES_TUPLES_OK, PGRES_SINGLE_TUPLE: status = .tuplesOK
        case PGRES_EMPTY_QUERY: status = .emptyQuery
        case PGRES_FATAL_ERROR, PGRES_NONFATAL_ERROR, PGRES_BAD_RESPONSE:
            status = .error(PQServerError(copying: result))
        default:
            status = .unsupported(String(cString: PQresStatus(rawStatus)))
        }

        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        self.rowCount = rowCount
        self.columns = (0..<columnCount).map { column in
            let index = Int32(column)
            return PQColumn(
                // COPY results describe columns without names.
                name: PQfname(result, index).map { String(cString: $0) } ?? "",
                typeOID: PQftype(result, index)
            )
        }
        let tuples = String(cString: PQcmdTuples(result))
        self.affectedRows = tuples.isEmpty ? nil : Int(tuples)

        var cells = [Int]()
        var totalLength = 0
        cells.reserveCapacity(rowCount * columnCount * 2)
        for row in 0..<Int32(rowCount) {
            for column in 0..<Int32(columnCount) {
                let isNull = PQgetisnull(result, row, column) == 1
                let length = isNull ? -1 : Int(PQgetlength(result, row, column))
                cells.append(totalLength)
                cells.append(length)
                totalLength += max(0, length)
            }
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(totalLength)
        var cell = 1
        for row in 0..<Int32(rowCount) {
            for column in 0..<Int32(columnCount) {
                let length = cells[cell]
                if length > 0 {
                    bytes.append(contentsOf: UnsafeRawBufferPointer(start: PQgetvalue(result, row, column), count: length))
                }
                cell += 2
            }
        }
        self.bytes = bytes
        self.cells = cells
    }

    /// The bytes of the value at `row`, `column`, or nil for SQL NULL.
    public func value(row: Int, column: Int) -> ArraySlice<UInt8>? {
        let cell = (row * columns.count + column) * 2
        let length = cells[cell + 1]
        guard length >= 0 else { return nil }
        let start = cells[cell]
        return bytes[start..<start + length]
    }
}
