/// Rows of strings laid out as aligned text or as a Markdown table. Text columns
/// (names, specs) align left, numbers right.
public struct PlainTable: Sendable {
    public let columns: [String]
    public let rows: [[String]]
    public let leftAligned: Set<Int>

    public init(columns: [String], rows: [[String]], leftAligned: Set<Int>) {
        self.columns = columns
        self.rows = rows
        self.leftAligned = leftAligned
    }

    public var text: String {
        let all = [columns] + rows
        let widths = columns.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            var line = row.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return leftAligned.contains(column) ? cell + pad : pad + cell
            }.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }

    public var markdown: String {
        let header = "| " + columns.joined(separator: " | ") + " |"
        let rule = "|" + columns.indices.map { leftAligned.contains($0) ? " --- |" : " ---: |" }.joined()
        let body = rows.map { "| " + $0.joined(separator: " | ") + " |" }
        return ([header, rule] + body).joined(separator: "\n")
    }
}
