/// A problem in a theme file, with where it is.
public struct ThemeWarning: Equatable, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let message: String

    /// Line 0 stands for the whole file (one that cannot be found or read).
    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}

/// Reads `key = value` lines. A line starting with `#` is a comment, and so is the
/// rest of a line from a `#` that follows a space and is itself followed by a space
/// or the end, so `#rrggbb` values survive. A bad line costs that key only: it is
/// reported with its line number and the default colour stands in.
public enum ThemeParser {
    public static func parse(_ text: String, name: String, file: String) -> (Theme, [ThemeWarning]) {
        var colors: [ThemeKey: ThemeColor] = [:]
        var warnings: [ThemeWarning] = []
        // Any line end: "\r\n" is one Character in Swift, so splitting on "\n" alone left a
        // Windows file (and an old Mac one, "\r") as a single line.
        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let lineNumber = index + 1
            let line = stripComment(String(raw)).trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty else { continue }
            func warn(_ message: String) {
                warnings.append(ThemeWarning(file: file, line: lineNumber, message: message))
            }
            guard let equals = line.firstIndex(of: "=") else {
                warn("\"\(line)\" is not a key = value line; write e.g. text = #d0d0d0.")
                continue
            }
            let keyText = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let valueText = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard let key = ThemeKey(rawValue: keyText) else {
                warn("unknown key \"\(keyText)\"; the keys are \(ThemeKey.allCases.map(\.rawValue).joined(separator: ", ")).")
                continue
            }
            guard let color = ThemeColor(parsing: valueText) else {
                warn("\"\(valueText)\" for \(keyText) is not a colour; use a name (red, bright_blue, default), 0-255 or #rrggbb.")
                continue
            }
            colors[key] = color
        }
        return (Theme(name: name, colors: colors), warnings)
    }

    static func stripComment(_ line: String) -> String {
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        if trimmed.hasPrefix("#") { return "" }
        let characters = Array(line)
        for i in characters.indices where characters[i] == "#" && i > 0 && characters[i - 1].isWhitespace {
            if i + 1 == characters.count || characters[i + 1].isWhitespace {
                return String(characters[..<i])
            }
        }
        return line
    }
}
