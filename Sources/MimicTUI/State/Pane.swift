/// The five panes, in Tab order. Comparison and Runs share the bottom of the screen:
/// it shows the runs while their pane has the focus, the comparison otherwise.
public enum Pane: Int, CaseIterable, Sendable {
    case curves, architectures, split, comparison, runs

    public var title: String {
        switch self {
        case .curves: "Curves"
        case .architectures: "Architectures"
        case .split: "Data split"
        case .comparison: "Comparison"
        case .runs: "Runs"
        }
    }

    public var next: Pane { Pane(rawValue: (rawValue + 1) % Pane.allCases.count)! }
    public var previous: Pane { Pane(rawValue: (rawValue + Pane.allCases.count - 1) % Pane.allCases.count)! }
}
