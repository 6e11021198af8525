import MimicEngine

/// One model in the comparison table: finished models from their results, the model in
/// training from its latest test point, models still to come from the plan.
public struct ComparisonRow: Equatable, Sendable {
    public enum Column: Int, CaseIterable, Sendable {
        case role, spec, params, time, accuracy, loss, agreement, parity, deltaMentor, deltaBaseline

        public var title: String {
            switch self {
            case .role: "role"
            case .spec: "spec"
            case .params: "params"
            case .time: "time"
            case .accuracy: "test acc"
            case .loss: "test loss"
            case .agreement: "agree"
            case .parity: "parity"
            case .deltaMentor: "Δ mentor"
            case .deltaBaseline: "Δ base"
            }
        }
    }

    public let id: ModelID
    public var parameters: Int?
    public var trainingTime: Double?
    public var accuracy: Double?
    public var loss: Double?
    public var agreement: Double?
    public var parity: Double?
    public var deltaMentor: Double?
    public var deltaBaseline: Double?
    public var status: String
    /// The past run the row comes from (the runs pane's overlay), nil for the run on screen.
    public var runID: Int64? = nil

    /// "mentor", "student 1", or "#3 student 1" for a past run's model.
    public var label: String { runID.map { "#\($0) \(id.name)" } ?? id.name }

    /// The rows of a run, in training order.
    public static func rows(of run: RunState) -> [ComparisonRow] {
        var rows: [ComparisonRow] = []
        let planned = run.plan?.models.map { ($0.id, $0.parameters) } ?? []
        for (id, parameters) in planned {
            var row = ComparisonRow(id: id, parameters: parameters, status: "waiting")
            if let result = run.results.first(where: { $0.id == id }) {
                row.trainingTime = result.trainingTime > 0 ? result.trainingTime : nil
                row.accuracy = result.test?.accuracy
                row.loss = result.test?.loss
                row.agreement = result.test?.agreement
                row.parity = result.timeToParity
                row.status = result.status.description
            } else if let curves = run.curves(for: id) {
                let last = curves.test.last
                row.trainingTime = run.current?.model == id ? run.current?.trainingTime : last?.seconds
                row.accuracy = last?.accuracy
                row.loss = last?.loss
                row.status = "training"
            }
            rows.append(row)
        }
        let mentorAccuracy = rows.first { $0.id.role == .mentor && $0.status == "finished" }?.accuracy
        for index in rows.indices where rows[index].id.role != .mentor {
            if let own = rows[index].accuracy, let mentorAccuracy {
                rows[index].deltaMentor = own - mentorAccuracy
            }
            if rows[index].id.role == .student, let own = rows[index].accuracy,
               let base = rows.first(where: { $0.id.role == .baseline && $0.id.index == rows[index].id.index })?.accuracy {
                rows[index].deltaBaseline = own - base
            }
        }
        return rows
    }

    /// The sort key of a column: text columns by text, number columns by value, with
    /// missing values last whichever way the table is sorted.
    func sortValue(_ column: Column) -> Double? {
        switch column {
        case .role, .spec: nil
        case .params: parameters.map(Double.init)
        case .time: trainingTime
        case .accuracy: accuracy
        case .loss: loss
        case .agreement: agreement
        case .parity: parity
        case .deltaMentor: deltaMentor
        case .deltaBaseline: deltaBaseline
        }
    }

    public static func sorted(_ rows: [ComparisonRow], by column: Column, descending: Bool) -> [ComparisonRow] {
        let order: (ComparisonRow, ComparisonRow) -> Bool = { a, b in
            switch column {
            case .role:
                let ka = (a.id.role.sortRank, a.id.index), kb = (b.id.role.sortRank, b.id.index)
                return descending ? ka > kb : ka < kb
            case .spec:
                return descending ? a.id.spec > b.id.spec : a.id.spec < b.id.spec
            default:
                switch (a.sortValue(column), b.sortValue(column)) {
                case let (x?, y?): return descending ? x > y : x < y
                case (_?, nil): return true
                default: return false
                }
            }
        }
        // Ties keep training order, so equal rows never swap places between frames.
        return rows.enumerated().sorted { lhs, rhs in
            if order(lhs.element, rhs.element) { return true }
            if order(rhs.element, lhs.element) { return false }
            return lhs.offset < rhs.offset
        }.map(\.element)
    }
}

extension ModelID.Role {
    var sortRank: Int {
        switch self {
        case .mentor: 0
        case .student: 1
        case .baseline: 2
        }
    }
}
