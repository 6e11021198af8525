/// What a watcher reads each time it looks at a run: the run and its models as they
/// are now, and the metric rows added since it last looked.
public struct RunChanges: Sendable {
    /// A reader may replace it with what it makes of it (`RunRecord.withTrainerChecked`).
    public var run: RunRecord
    public let models: [ModelRecord]
    /// New rows, oldest first, each with its row id.
    public let metrics: [(rowID: Int64, point: MetricPoint)]
    /// The row id to pass next time: the newest row seen so far.
    public let lastMetricRowID: Int64
}

extension RunStore {
    /// Run `id`, its models, and its metric rows after `rowID`, from one consistent
    /// snapshot (so a model read as finished has all its points). Cheap enough for a
    /// few times a second: the metrics are read by row id, newest only.
    public func changes(ofRun id: Int64, metricsAfter rowID: Int64) throws(StoreError) -> RunChanges {
        let changes = try read("following run \(id)") { db -> RunChanges? in
            guard let row = try db.row("SELECT * FROM runs WHERE id = \(id)") else { return nil }
            let run = try RunRecord(row: row)
            let models = try db.rows("SELECT * FROM models WHERE run_id = \(id) ORDER BY id").map(ModelRecord.init(row:))
            // The first read takes the run's rows by model (the index); later ones only
            // the rows past the last seen, by row id, however long the run already is.
            let rowIDColumn = db.dialect.metricRowID
            let source = rowID == 0 ? "metrics" : db.dialect.metricsInRowOrder
            let rows = try db.rows("""
                SELECT metrics.\(sql: rowIDColumn) AS row_id, metrics.* FROM \(sql: source) JOIN models ON models.id = metrics.model_id
                WHERE metrics.\(sql: rowIDColumn) > \(rowID) AND models.run_id = \(id) ORDER BY metrics.\(sql: rowIDColumn)
                """)
            let metrics = rows.map { (rowID: $0["row_id"] as Int64, point: MetricPoint(row: $0)) }
            return RunChanges(run: run, models: models, metrics: metrics, lastMetricRowID: metrics.last?.rowID ?? rowID)
        }
        guard let changes else { throw StoreError.unknownRun(id, store: location) }
        return changes
    }

    /// Every run with its models, newest first, in one read: the dashboard's runs pane.
    /// A run whose configuration cannot be read is left out (`unreadableRuns`).
    public func storedRuns() throws(StoreError) -> [StoredRun] {
        try read("listing runs") { db in
            let runs = try Self.readableRuns(db, "SELECT * FROM runs ORDER BY started_at DESC, id DESC")
            let models = Dictionary(grouping: try db.rows("SELECT * FROM models ORDER BY id").map(ModelRecord.init(row:)), by: \.runID)
            return runs.map { StoredRun(run: $0, models: models[$0.id] ?? []) }
        }
    }

    /// The newest run still training, if any: what `mimic watch` follows by default.
    public func newestRunningRun() throws(StoreError) -> Int64? {
        try read("finding the running run") { db in
            try db.value("SELECT id FROM runs WHERE status = \(RunStatus.running.rawValue) ORDER BY started_at DESC, id DESC LIMIT 1",
                         as: Int64.self)
        }
    }
}
