/// Stepping a setting through a short list of values with the arrow keys.
enum ValueStepping {
    /// The next listed value above or below `value`, so a typed 7% steps to 10% or 5%.
    static func step<T: Comparable>(_ value: T, through steps: [T], up: Bool) -> T {
        if up { return steps.first { $0 > value } ?? steps.last! }
        return steps.last { $0 < value } ?? steps.first!
    }
}

extension CaseIterable where Self: Equatable, AllCases.Index == Int {
    func cycledBack() -> Self {
        let all = Self.allCases
        let index = all.firstIndex(of: self)!
        return all[(index + all.count - 1) % all.count]
    }
}
