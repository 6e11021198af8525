/// Which model a message is about: the mentor, or the k-th student or baseline.
public struct ModelID: Hashable, Sendable, Codable, CustomStringConvertible {
    public enum Role: String, Sendable, Codable, CaseIterable {
        case mentor, student, baseline
    }

    public let role: Role
    /// 1-based position among the models of its role (the mentor is 1).
    public let index: Int
    public let spec: String

    public init(role: Role, index: Int, spec: String) {
        self.role = role
        self.index = index
        self.spec = spec
    }

    /// "mentor", "student 2", "baseline 1".
    public var name: String { role == .mentor ? "mentor" : "\(role.rawValue) \(index)" }
    public var description: String { "\(name) (\(spec))" }
}
