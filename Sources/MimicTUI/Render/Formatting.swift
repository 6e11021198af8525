import Foundation

/// How numbers read on screen, in one place so panes agree.
enum Formatting {
    /// 60000 as "60,000".
    static func count(_ value: Int) -> String {
        let digits = String(abs(value))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return value < 0 ? "-" + out : out
    }

    /// 1234567 as "1.2M": parameter and FLOP counts in narrow columns.
    static func compact(_ value: Int) -> String {
        let v = Double(value)
        switch abs(v) {
        case 1e9...: return String(format: "%.1fG", v / 1e9)
        case 1e6...: return String(format: "%.1fM", v / 1e6)
        case 1e4...: return String(format: "%.0fk", v / 1e3)
        case 1e3...: return String(format: "%.1fk", v / 1e3)
        default: return String(value)
        }
    }

    /// Seconds as "42s", "3m07s" or "1h02m".
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "-" }
        if seconds < 10 { return String(format: "%.1fs", seconds) }
        let whole = Int(seconds.rounded())
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return String(format: "%dm%02ds", whole / 60, whole % 60) }
        return String(format: "%dh%02dm", whole / 3600, (whole % 3600) / 60)
    }

    /// A fraction as a percentage with as many decimals as it needs: "10%", "2.5%".
    static func percent(_ fraction: Double) -> String {
        plain(fraction * 100) + "%"
    }

    /// A number without trailing zeros: 4.0 as "4", 0.25 as "0.25".
    static func plain(_ value: Double, decimals: Int = 4) -> String {
        var text = String(format: "%.\(decimals)f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// An axis tick label of at most `width` characters. `step`, the distance to the
    /// next tick, asks for as many decimals as tell neighbouring ticks apart (0.864
    /// and 0.868 on a narrow accuracy range, not 0.86 twice).
    static func tick(_ value: Double, width: Int = 5, step: Double? = nil) -> String {
        let magnitude = abs(value)
        let candidates: [String]
        if magnitude == 0 {
            candidates = ["0"]
        } else if magnitude >= 1e4 {
            candidates = [compact(Int(value.rounded()))]
        } else if magnitude >= 100 {
            candidates = [String(format: "%.0f", value)]
        } else {
            var decimals = [2]
            if let step, step > 0, step.isFinite, step < 0.01 {
                decimals = Array((2...min(4, Int((-log10(step)).rounded(.up)))).reversed())
            }
            candidates = decimals.map { plain(($0 == 2 ? (value * 100).rounded() / 100 : value), decimals: $0) }
                + [String(format: "%.1f", value), String(format: "%.0f", value)]
        }
        return candidates.first { $0.count <= width } ?? String(candidates.last!.prefix(width))
    }
}
