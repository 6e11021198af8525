import MimicEngine

/// Whether what the editor holds can be accepted, and if not, the sentence to show and
/// where in the text the problem is.
enum FieldValidation {
    struct Result {
        var error: String?
        var range: Range<Int>?
    }

    static func check(_ target: EditTarget, text: String, state: DashboardState) -> Result {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch target {
        case .mentor, .student, .newStudent:
            let entry = ArchitectureEntry(spec: trimmed, input: state.dataSet?.train.shape,
                                          classes: state.dataSet?.classCount ?? 0)
            guard let error = entry.error else { return Result() }
            return Result(error: error.description, range: tokenRange(error.tokenIndex, in: text))
        case .temperature:
            guard target.reading(trimmed, into: state.next) != nil else {
                return Result(error: "Temperature must be a positive number, such as 4.")
            }
            return Result()
        case .labeledPercent, .validationPercent:
            let labeled = target == .labeledPercent
            guard let percent = percent(trimmed) else {
                return Result(error: "Type a percentage, such as \(labeled ? "10" : "0 or 10").")
            }
            guard labeled ? (percent > 0 && percent <= 100) : (percent >= 0 && percent < 100) else {
                return Result(error: labeled ? "The labeled part must be more than 0% and at most 100% (100% only with images without a class for the students)."
                                             : "The validation part must be at least 0% and less than 100% of the labeled part.")
            }
            let preview = SplitPreview(
                dataSet: state.dataSet,
                labeledFraction: labeled ? percent / 100 : state.next.labeledFraction,
                validationFraction: labeled ? state.next.validationFraction : percent / 100,
                seed: state.next.seed)
            if case .invalid(let message) = preview { return Result(error: message) }
            return Result()
        case .seed:
            return target.reading(trimmed, into: state.next) == nil ? Result(error: "The seed is a whole number from 0 up, such as 1.") : Result()
        }
    }

    /// "12.5" or "12.5%" as 12.5.
    static func percent(_ text: String) -> Double? {
        let number = text.hasSuffix("%") ? String(text.dropLast()) : text
        guard let value = Double(number.trimmingCharacters(in: .whitespaces)), value.isFinite else { return nil }
        return value
    }

    /// Characters of the `index`-th dash-separated token; the whole text when it is a
    /// preset name, whose tokens are not on screen.
    static func tokenRange(_ index: Int, in text: String) -> Range<Int> {
        let tokens = text.split(separator: "-", omittingEmptySubsequences: false)
        // Preset names have dashes of their own (resnet-20): not tokens of a spec.
        guard index < tokens.count, ArchitectureSpec.presets.allSatisfy({ $0.name != text }) else {
            return 0..<text.count
        }
        let start = tokens[..<index].reduce(0) { $0 + $1.count + 1 }
        return start..<(start + tokens[index].count)
    }
}
