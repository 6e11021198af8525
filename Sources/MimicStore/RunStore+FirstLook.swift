/// A watcher's first look at a run: only the points its curves can show, however long
/// the run already is. A long run holds hundreds of thousands of metric rows, and
/// reading them all (then drawing a few hundred columns of them) kept `mimic watch`
/// on "waiting for first points" for tens of seconds. Later looks read on from
/// `lastMetricRowID` with `changes(ofRun:metricsAfter:)`, as before.
extension RunStore {
    /// Run `id` and its models, and of each model's metric rows: every evaluated point
    /// (those with a test or validation value: the test curves, the table, the time to
    /// parity) and at most `trainPoints` others, one per equal span of steps (the last
    /// point of each, so the newest point is always there). A point's rows share its
    /// step, so each point is read whole or not at all. The thinning is done by the
    /// database, in one snapshot, so only the rows kept cross the connection.
    public func firstLook(ofRun id: Int64, trainPoints: Int) throws(StoreError) -> RunChanges {
        let spans = max(trainPoints, 1)
        let changes = try read("following run \(id)") { db -> RunChanges? in
            guard let row = try db.row("SELECT * FROM runs WHERE id = \(id)") else { return nil }
            let run = try RunRecord(row: row)
            let models = try db.rows("SELECT * FROM models WHERE run_id = \(id) ORDER BY id").map(ModelRecord.init(row:))
            let rowIDColumn = db.dialect.metricRowID
            // `kept`: per model, the last step of each of `spans` equal spans between its
            // first and last step, and every step that was evaluated. Written as CROSS
            // JOINs, which SQLite takes in the order written (PostgreSQL plans them as
            // any join): the few models, spans and kept steps outside, each looked up in
            // the metrics index by (model_id, step), never a scan of every row per kept step.
            let rows = try db.rows("""
                WITH steps AS (
                    SELECT metrics.model_id, min(metrics.step) AS first_step, max(metrics.step) - min(metrics.step) + 1 AS step_count
                    FROM models CROSS JOIN metrics WHERE models.run_id = \(id) AND metrics.model_id = models.id
                    GROUP BY metrics.model_id
                ),
                kept AS (
                    SELECT metrics.model_id, max(metrics.step) AS step FROM steps CROSS JOIN metrics WHERE metrics.model_id = steps.model_id
                    GROUP BY metrics.model_id, (metrics.step - steps.first_step) * \(spans) / steps.step_count
                    UNION
                    SELECT metrics.model_id, metrics.step FROM steps CROSS JOIN metrics WHERE metrics.model_id = steps.model_id
                    AND metrics.name IN (\(StoreQuery.joined(MetricName.evaluations.map { (name: MetricName) -> StoreQuery in "\(name.rawValue)" }, separator: ", ")))
                )
                SELECT metrics.\(sql: rowIDColumn) AS row_id, metrics.* FROM kept CROSS JOIN metrics
                WHERE metrics.model_id = kept.model_id AND metrics.step = kept.step
                ORDER BY row_id
                """)
            let metrics = rows.map { (rowID: $0["row_id"] as Int64, point: MetricPoint(row: $0)) }
            // Later looks start after the newest row of the run, kept or not.
            let newest = try db.value("""
                SELECT max(metrics.\(sql: rowIDColumn)) FROM models CROSS JOIN metrics WHERE models.run_id = \(id) AND metrics.model_id = models.id
                """, as: Int64.self)
            return RunChanges(run: run, models: models, metrics: metrics, lastMetricRowID: newest ?? 0)
        }
        guard let changes else { throw StoreError.unknownRun(id, store: location) }
        return changes
    }
}
