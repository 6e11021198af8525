/// The characters that differ between a UTF-8 terminal and a plain ASCII one. Without
/// a UTF-8 locale a braille or box character prints as garbage, so everything drawn
/// goes through one of these two sets.
public struct GlyphSet: Equatable, Sendable {
    public let isUnicode: Bool
    public let horizontal: Character
    public let vertical: Character
    public let topLeft: Character
    public let topRight: Character
    public let bottomLeft: Character
    public let bottomRight: Character
    public let axisCorner: Character
    public let axisTick: Character
    public let parityMark: Character
    public let ellipsis: String
    public let delta: String
    /// Between a mean and its standard deviation.
    public let plusMinus: String
    public let ascending: Character
    public let descending: Character
    public let leftArrow: Character
    public let rightArrow: Character
    public let middleDot: Character
    /// Bar heights from empty to full, in as many steps as the set can draw.
    public let barSteps: [Character]

    public static let unicode = GlyphSet(
        isUnicode: true, horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐",
        bottomLeft: "└", bottomRight: "┘", axisCorner: "└", axisTick: "┬", parityMark: "▲",
        ellipsis: "…", delta: "Δ", plusMinus: "±", ascending: "▲", descending: "▼", leftArrow: "◂", rightArrow: "▸",
        middleDot: "·", barSteps: [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"])

    public static let ascii = GlyphSet(
        isUnicode: false, horizontal: "-", vertical: "|", topLeft: "+", topRight: "+",
        bottomLeft: "+", bottomRight: "+", axisCorner: "+", axisTick: "+", parityMark: "^",
        ellipsis: "~", delta: "d", plusMinus: "+-", ascending: "^", descending: "v", leftArrow: "<", rightArrow: ">",
        middleDot: "-", barSteps: [" ", ".", ":", "#"])

    /// Replaces what the set cannot show, so text from elsewhere (class names, specs)
    /// never puts a non-ASCII byte on an ASCII terminal.
    public func displayable(_ text: String) -> String {
        guard !isUnicode else { return text }
        return String(text.map { $0.isASCII ? $0 : "?" })
    }
}
