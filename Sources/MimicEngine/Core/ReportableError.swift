/// An error meant for a person: `description` is one sentence that names the thing,
/// the problem and the fix. The CLI prints it as is and exits non-zero.
public protocol ReportableError: Error, CustomStringConvertible {}

extension String {
    /// This text as a sentence may show it when it came from outside (a tensor's name
    /// or dtype in a file): control characters and the marks that reorder text written
    /// as escapes (`\0`, `\n`, `\u{1B}`, `\u{202E}`). Shown raw, a NUL ended the sentence
    /// on a terminal, so a dtype "F32\0" read "stored as F32 but mimic reads only F32",
    /// and an escape sequence could recolour or hide the rest of the line.
    public var escapingControlCharacters: String {
        var result = ""
        for scalar in unicodeScalars {
            switch scalar.value {
            case 0: result += "\\0"
            case 0x09: result += "\\t"
            case 0x0A: result += "\\n"
            case 0x0D: result += "\\r"
            case 0x5C: result += "\\\\"
            case 0..<0x20, 0x7F..<0xA0, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069:
                result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
