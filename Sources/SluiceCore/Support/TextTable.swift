/// Rows of cells as aligned lines of text, for reports printed to a terminal: the run report,
/// the data-quality report, a mapping's description.
public enum TextTable {
    /// One line per row, columns two spaces apart: the first `leftAligned` columns are text,
    /// padded on the right; the others are numbers, padded on the left. Each line starts with
    /// `indent` and has no trailing spaces; with `ruleAfterHeader`, a line of dashes follows
    /// the first row.
    public static func lines(_ rows: [[String]], leftAligned: Int, indent: String = "", ruleAfterHeader: Bool = false) -> [String] {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        var lines: [String] = []
        for (index, row) in rows.enumerated() {
            let cells = row.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return column < leftAligned ? cell + pad : pad + cell
            }
            var line = indent + cells.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            lines.append(line)
            if index == 0 && ruleAfterHeader {
                lines.append(indent + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
            }
        }
        return lines
    }
}
