import MimicEngine

/// A run read back from the store: its record, its models, and its final table as
/// `mimic train` prints it.
public struct StoredRun: Sendable {
    public let run: RunRecord
    public let models: [ModelRecord]

    public init(run: RunRecord, models: [ModelRecord]) {
        self.run = run
        self.models = models
    }

    /// The engine's report of the run, rebuilt from the stored models.
    public var report: ExperimentReport {
        let split = run.split.map {
            SplitSizes(labeled: $0.labeled, validation: $0.validation, unlabeled: $0.unlabeled, test: $0.test, labeledPerClass: [])
        } ?? SplitSizes(labeled: 0, validation: 0, unlabeled: 0, test: 0, labeledPerClass: [])
        return ExperimentReport(dataSet: run.dataSet, split: split, config: run.config, results: models.map(\.result),
                                wallTime: run.wallSeconds ?? 0)
    }

    /// The rows of `ReportTable`, each with its model's stored status, which also
    /// tells a model still training (or interrupted) from a stopped one.
    public var tableRows: [[String]] {
        let statusColumn = ReportTable.columns.count - 1
        return zip(ReportTable(report).rows, models).map { row, model in
            var row = row
            row[statusColumn] = model.status.rawValue
            return row
        }
    }

    /// The final table, as `mimic train` prints it.
    public var table: PlainTable {
        PlainTable(columns: ReportTable.columns, rows: tableRows, leftAligned: ReportTable.leftAligned)
    }
}

extension RunStore {
    public func storedRun(_ id: Int64) throws(StoreError) -> StoredRun {
        StoredRun(run: try run(id), models: try models(ofRun: id))
    }
}
