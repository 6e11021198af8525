/// Where the pipeline is.
public enum Phase: Sendable, Equatable, CustomStringConvertible {
    case mentor
    case annotating
    case student(index: Int, of: Int)
    case baseline(index: Int, of: Int)
    case done

    public var description: String {
        switch self {
        case .mentor: "mentor"
        case .annotating: "annotating"
        case let .student(index, total): "student \(index) of \(total)"
        case let .baseline(index, total): "baseline \(index) of \(total)"
        case .done: "done"
        }
    }
}
