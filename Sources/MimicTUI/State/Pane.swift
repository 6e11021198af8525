/// The four panes, in Tab order.
public enum Pane: Int, CaseIterable, Sendable {
    case curves, architectures, split, comparison

    public var title: String {
        switch self {
        case .curves: "Curves"
        case .architectures: "Architectures"
        case .split: "Data split"
        case .comparison: "Comparison"
        }
    }

    public var next: Pane { Pane(rawValue: (rawValue + 1) % Pane.allCases.count)! }
    public var previous: Pane { Pane(rawValue: (rawValue + Pane.allCases.count - 1) % Pane.allCases.count)! }
}
