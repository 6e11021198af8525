/// A colour as a theme file writes it: the terminal's own, one of the 256 indexed
/// colours (0-15 are the named ANSI ones), or 24-bit RGB.
public enum ThemeColor: Equatable, Sendable {
    case terminalDefault
    case indexed(UInt8)
    case rgb(UInt8, UInt8, UInt8)

    static let names: [String: UInt8] = [
        "black": 0, "red": 1, "green": 2, "yellow": 3, "blue": 4, "magenta": 5, "cyan": 6, "white": 7,
        "bright_black": 8, "gray": 8, "grey": 8, "bright_red": 9, "bright_green": 10, "bright_yellow": 11,
        "bright_blue": 12, "bright_magenta": 13, "bright_cyan": 14, "bright_white": 15,
    ]

    /// Parses a colour name, `default`, an index 0-255 or `#rrggbb`; nil otherwise.
    public init?(parsing text: String) {
        let value = text.lowercased().replacingOccurrences(of: "-", with: "_")
        if value == "default" || value == "none" {
            self = .terminalDefault
        } else if let index = Self.names[value] {
            self = .indexed(index)
        } else if let index = UInt8(value) {
            self = .indexed(index)
        } else if value.hasPrefix("#"), value.count == 7, let packed = UInt32(value.dropFirst(), radix: 16) {
            self = .rgb(UInt8(packed >> 16), UInt8((packed >> 8) & 0xff), UInt8(packed & 0xff))
        } else {
            return nil
        }
    }

    /// The xterm palette's RGB for an index: the 16 ANSI colours, the 6x6x6 cube, the
    /// 24 greys. Used to find the nearest colour a smaller palette has.
    static func rgb(ofIndex index: Int) -> (Int, Int, Int) {
        let ansi: [(Int, Int, Int)] = [
            (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
            (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
        ]
        if index < 16 { return ansi[index] }
        if index < 232 {
            let levels = [0, 95, 135, 175, 215, 255]
            let n = index - 16
            return (levels[n / 36], levels[(n / 6) % 6], levels[n % 6])
        }
        let grey = 8 + (index - 232) * 10
        return (grey, grey, grey)
    }

    static func nearestIndex(to target: (Int, Int, Int), among indices: Range<Int>) -> Int {
        // A grey must stay a grey: by distance alone a mid grey lands on cyan among
        // the eight ANSI colours, whose only greys are black and white.
        let (r, g, b) = target
        if indices.upperBound <= 16, max(r, g, b) - min(r, g, b) < 24 {
            let greys = indices.upperBound <= 8 ? [0, 7] : [0, 8, 7, 15]
            return greys.min { abs(rgb(ofIndex: $0).0 - r) < abs(rgb(ofIndex: $1).0 - r) }!
        }
        return indices.min { a, b in distance(target, rgb(ofIndex: a)) < distance(target, rgb(ofIndex: b)) }!
    }

    private static func distance(_ a: (Int, Int, Int), _ b: (Int, Int, Int)) -> Int {
        // Weighted as the eye sees brightness: green counts most, blue least.
        let dr = a.0 - b.0, dg = a.1 - b.1, db = a.2 - b.2
        return 3 * dr * dr + 4 * dg * dg + 2 * db * db
    }

    /// The colour number to give the terminal at `depth`; -1 is the terminal's own.
    public func terminalColor(at depth: ColorDepth) -> Int32 {
        switch (self, depth) {
        case (_, .none), (.terminalDefault, _): return -1
        case let (.indexed(i), .eight): return Int32(i < 16 ? Int(i) % 8 : Self.nearestIndex(to: Self.rgb(ofIndex: Int(i)), among: 0..<8))
        case let (.indexed(i), .sixteen): return Int32(i < 16 ? Int(i) : Self.nearestIndex(to: Self.rgb(ofIndex: Int(i)), among: 0..<16))
        case let (.indexed(i), .indexed256): return Int32(i)
        case let (.indexed(i), .direct):
            if i < 8 { return Int32(i) }
            let (r, g, b) = Self.rgb(ofIndex: Int(i))
            return Self.packed(r, g, b)
        case let (.rgb(r, g, b), .eight): return Int32(Self.nearestIndex(to: (Int(r), Int(g), Int(b)), among: 0..<8))
        case let (.rgb(r, g, b), .sixteen): return Int32(Self.nearestIndex(to: (Int(r), Int(g), Int(b)), among: 0..<16))
        case let (.rgb(r, g, b), .indexed256): return Int32(Self.nearestIndex(to: (Int(r), Int(g), Int(b)), among: 16..<256))
        case let (.rgb(r, g, b), .direct): return Self.packed(Int(r), Int(g), Int(b))
        }
    }

    /// Direct-colour terminals read numbers below 8 as the ANSI colours, so a very
    /// dark blue is nudged up rather than turning into red or green.
    private static func packed(_ r: Int, _ g: Int, _ b: Int) -> Int32 {
        max(8, Int32(r << 16 | g << 8 | b))
    }
}
