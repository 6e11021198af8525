import Foundation

/// A network architecture written as a short string of dash-separated layers:
///
///     conv32-pool-conv64-pool-fc128
///
/// - `convN[kK][sS][pP]`: N filters of K x K (default 3), stride S (default 1),
///   padding P (default K/2), followed by ReLU.
/// - `pool[K][sS]`: K x K max pooling (default 2), stride S (default K).
/// - `fcN`: a dense layer of N units, followed by ReLU.
/// - `dropR`: dropout with rate R in [0, 1), e.g. `drop0.5`.
///
/// The final dense layer to the classes is implied, so `linear` (or an empty spec)
/// is softmax regression. A preset name stands for its whole spec.
public struct ArchitectureSpec: Hashable, Sendable, CustomStringConvertible {
    public enum LayerSpec: Hashable, Sendable {
        case conv(filters: Int, kernel: Int, stride: Int, padding: Int)
        case pool(size: Int, stride: Int)
        case dense(units: Int)
        case dropout(rate: Float)
    }

    /// What the user typed (a preset name stays a preset name).
    public let text: String
    public let layers: [LayerSpec]
    /// Each layer's token as written, for error messages that point at it.
    let tokens: [String]

    public static let presets: [(name: String, spec: String)] = [
        ("cnn-l", "conv32-pool-conv64-pool-fc128"),
        ("cnn-s", "conv16-pool-conv32-pool-fc64"),
        ("mlp-1024", "fc1024-fc1024"),
        ("mlp-256", "fc256"),
        ("mlp-64", "fc64"),
        ("linear", ""),
    ]

    public var description: String { text }

    /// The spec written out layer by layer, even for a preset.
    public var expanded: String {
        layers.isEmpty ? "linear" : tokens.joined(separator: "-")
    }

    public init(_ text: String) throws(SpecError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let name = trimmed.isEmpty ? "linear" : trimmed
        self.text = name
        let body = Self.presets.first { $0.name == name }?.spec ?? name
        guard !body.isEmpty else {
            layers = []
            tokens = []
            return
        }
        var layers: [LayerSpec] = []
        var tokens: [String] = []
        for (index, token) in body.split(separator: "-", omittingEmptySubsequences: false).enumerated() {
            let token = String(token)
            guard let layer = Self.parse(token) else {
                throw SpecError(spec: name, tokenIndex: index, token: token, problem: .unknownToken)
            }
            layers.append(layer)
            tokens.append(token)
        }
        self.layers = layers
        self.tokens = tokens
    }

    private static func parse(_ token: String) -> LayerSpec? {
        if let rest = token.dropPrefix("conv") {
            guard let fields = numberedFields(rest, leading: true, allowed: "ksp"),
                  let filters = fields[""], filters > 0 else { return nil }
            let kernel = fields["k"] ?? 3
            guard kernel > 0 else { return nil }
            let stride = fields["s"] ?? 1
            guard stride > 0 else { return nil }
            return .conv(filters: filters, kernel: kernel, stride: stride, padding: fields["p"] ?? kernel / 2)
        }
        if let rest = token.dropPrefix("pool") {
            guard let fields = numberedFields(rest, leading: false, allowed: "s") else { return nil }
            let size = fields[""] ?? 2
            let stride = fields["s"] ?? size
            guard size > 0, stride > 0 else { return nil }
            return .pool(size: size, stride: stride)
        }
        if let rest = token.dropPrefix("fc") {
            guard let units = Int(rest), units > 0, rest.allSatisfy(\.isNumber) else { return nil }
            return .dense(units: units)
        }
        if let rest = token.dropPrefix("drop") {
            guard let rate = Float(rest), rate >= 0, rate < 1, rest.first?.isNumber == true else { return nil }
            return .dropout(rate: rate)
        }
        return nil
    }

    /// Splits "32k5s2" into ["": 32, "k": 5, "s": 2]. The leading unnamed number is
    /// required when `leading` is true and optional otherwise; each letter at most once.
    private static func numberedFields(_ text: Substring, leading: Bool, allowed: String) -> [String: Int]? {
        var fields: [String: Int] = [:]
        var rest = text[...]
        let firstDigits = rest.prefix(while: \.isNumber)
        if firstDigits.isEmpty {
            if leading { return nil }
        } else {
            guard let value = Int(firstDigits) else { return nil }
            fields[""] = value
            rest = rest.dropFirst(firstDigits.count)
        }
        while let letter = rest.first {
            guard allowed.contains(letter), fields[String(letter)] == nil else { return nil }
            rest = rest.dropFirst()
            let digits = rest.prefix(while: \.isNumber)
            guard let value = Int(digits) else { return nil }
            fields[String(letter)] = value
            rest = rest.dropFirst(digits.count)
        }
        return fields
    }
}

/// A spec that cannot be parsed or cannot be built on the given input.
public struct SpecError: ReportableError, Equatable {
    public enum Problem: Equatable, Sendable {
        case unknownToken
        case convAfterDense
        case doesNotFit(input: SampleShape)
    }

    public let spec: String
    /// Zero-based index of the offending token.
    public let tokenIndex: Int
    public let token: String
    public let problem: Problem

    public init(spec: String, tokenIndex: Int, token: String, problem: Problem) {
        self.spec = spec
        self.tokenIndex = tokenIndex
        self.token = token
        self.problem = problem
    }

    public var description: String {
        let place = "Architecture \"\(spec)\": layer \(tokenIndex + 1) \"\(token)\""
        switch problem {
        case .unknownToken:
            let names = ArchitectureSpec.presets.map(\.name).joined(separator: ", ")
            return "\(place) is not a layer; write layers as convN[kK][sS][pP], pool[K][sS], fcN or dropR joined by dashes (e.g. conv32-pool-fc128), or use a preset (\(names))."
        case .convAfterDense:
            return "\(place) comes after a dense layer, where no image is left to convolve or pool; put conv and pool layers before the fc layers."
        case .doesNotFit(let input):
            return "\(place) does not fit its \(input.height)x\(input.width) input; remove a pool or conv layer, or use a smaller kernel or stride."
        }
    }
}

extension String {
    fileprivate func dropPrefix(_ prefix: String) -> Substring? {
        hasPrefix(prefix) ? dropFirst(prefix.count) : nil
    }
}
