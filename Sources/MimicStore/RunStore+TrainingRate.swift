import Foundation
import MimicEngine

extension RunStore {
    /// The training rate the models recorded here reached, in floating-point
    /// operations per second of training time, and how many models it is measured
    /// over; nil before any model finished. What a sweep's time estimate divides by.
    public func trainingRate() throws(StoreError) -> (flopsPerSecond: Double, models: Int)? {
        let rows = try read("measuring the training rate of the recorded runs") { db in
            try db.rows("""
                SELECT models.role, models.epochs_completed, models.training_seconds, models.forward_flops,
                       runs.labeled_count, runs.unlabeled_count
                FROM models JOIN runs ON runs.id = models.run_id
                WHERE models.status = 'finished' AND models.training_seconds > 0 AND models.epochs_completed > 0
                    AND runs.labeled_count IS NOT NULL
                """)
        }
        var flops = 0.0, seconds = 0.0
        for row in rows {
            let role: String = row["role"]
            let samples: Int = role == ModelID.Role.student.rawValue ? row["unlabeled_count"] : row["labeled_count"]
            flops += Double(row["epochs_completed"] as Int) * Double(samples) * Double(Network.passesPerTrainingStep)
                * Double(row["forward_flops"] as Int)
            seconds += row["training_seconds"]
        }
        return rows.isEmpty || seconds <= 0 ? nil : (flops / seconds, rows.count)
    }
}
