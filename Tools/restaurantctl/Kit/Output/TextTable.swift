import Foundation

/// Aligned columns for people: a header row, then one line per row.
public struct TextTable: Sendable {
    public var columns: [String]
    public var rows: [[String]]
    /// Lines printed after the table (`nextPageToken: …`).
    public var footer: [String] = []
    /// Indexes of columns whose cells are right-aligned (amounts, counts).
    public var rightAligned: Set<Int> = []

    public init(columns: [String], rows: [[String]], footer: [String] = [], rightAligned: Set<Int> = []) {
        self.columns = columns
        self.rows = rows
        self.footer = footer
        self.rightAligned = rightAligned
    }

    public func render() -> String {
        var widths = columns.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func line(_ cells: [String]) -> String {
            var text = ""
            for (index, cell) in cells.enumerated() {
                let isLast = index == cells.count - 1
                let padding = String(repeating: " ", count: max(0, widths[index] - cell.count))
                if rightAligned.contains(index) {
                    text += padding + cell + (isLast ? "" : "  ")
                } else {
                    text += isLast ? cell : cell + padding + "  "
                }
            }
            while text.last == " " { text.removeLast() }
            return text
        }
        var lines = [line(columns.map { $0.uppercased() })]
        lines += rows.map { line($0 + Array(repeating: "", count: max(0, columns.count - $0.count))) }
        if rows.isEmpty { lines.append("(no rows)") }
        lines += footer
        return lines.joined(separator: "\n")
    }

    // MARK: From JSON

    /// A table for a JSON document where one fits: the rows of its one list
    /// of objects (`{"products": [...], "nextPageToken": "x"}`), an array of
    /// objects, or else one FIELD/VALUE row per (flattened) member.
    public static func from(_ json: JSONValue) -> TextTable {
        if let elements = json.arrayElements, elements.allSatisfy({ $0.objectMembers != nil }) {
            return rows(elements)
        }
        if let members = json.objectMembers {
            let lists = members.filter { member in
                guard let elements = member.value.arrayElements, !elements.isEmpty else { return false }
                return elements.allSatisfy { $0.objectMembers != nil }
            }
            if lists.count == 1, let elements = lists[0].value.arrayElements {
                var table = rows(elements)
                table.footer = members.filter { $0.key != lists[0].key }.map { "\($0.key): \(cell($0.value))" }
                return table
            }
            let flat = flatten(members)
            return TextTable(columns: ["field", "value"], rows: flat.map { [$0.key, cell($0.value, limit: 100)] })
        }
        return TextTable(columns: ["value"], rows: [[cell(json, limit: 100)]])
    }

    /// One row per object, columns in first-seen order, nested objects
    /// flattened to `rating.average`.
    public static func rows(_ objects: [JSONValue]) -> TextTable {
        var columns: [String] = []
        var seen: Set<String> = []
        var flattened: [[(key: String, value: JSONValue)]] = []
        for object in objects {
            let flat = flatten(object.objectMembers ?? [])
            for (key, _) in flat where seen.insert(key).inserted { columns.append(key) }
            flattened.append(flat)
        }
        let rows = flattened.map { flat in
            columns.map { column in flat.first(where: { $0.key == column }).map { cell($0.value) } ?? "" }
        }
        return TextTable(columns: columns, rows: rows)
    }

    static func flatten(_ members: [(key: String, value: JSONValue)], prefix: String = "") -> [(key: String, value: JSONValue)] {
        var result: [(key: String, value: JSONValue)] = []
        for (key, value) in members {
            let name = prefix.isEmpty ? key : "\(prefix).\(key)"
            if let nested = value.objectMembers, !nested.isEmpty {
                result += flatten(nested, prefix: name)
            } else {
                result.append((name, value))
            }
        }
        return result
    }

    /// A cell's text: strings bare, others as compact JSON, long ones cut.
    static func cell(_ value: JSONValue, limit: Int = 60) -> String {
        let text: String = switch value {
        case .null: ""
        case let .string(string): string
        case let .number(number): number
        case let .bool(flag): flag ? "true" : "false"
        case .array, .object: JSONWriter.write(value, pretty: false)
        }
        let singleLine = text.replacingOccurrences(of: "\n", with: " ")
        return singleLine.count > limit ? String(singleLine.prefix(limit - 1)) + "…" : singleLine
    }
}
