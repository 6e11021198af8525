import MimicEngine

/// The names of a model's metric series in the store's `metrics` table, defined once.
public enum MetricName: String, CaseIterable, Sendable {
    case trainLoss = "train_loss"
    case trainAccuracy = "train_accuracy"
    case samplesPerSecond = "samples_per_second"
    case testLoss = "test_loss"
    case testAccuracy = "test_accuracy"
    case testAgreement = "test_agreement"
    case validationLoss = "validation_loss"
    case validationAccuracy = "validation_accuracy"

    /// The series only an epoch's end has: its evaluations.
    public static let evaluations: [MetricName] = [.testLoss, .testAccuracy, .testAgreement, .validationLoss, .validationAccuracy]
}

/// How a progress point becomes metric rows, and rows become points again: the
/// encoder the recorder writes with, and beside it the decoder every reader uses.
public enum MetricSeries {
    /// The series a progress point adds, train_loss first. SQLite has no NaN: a
    /// diverged loss would be stored as NULL and break NOT NULL, and both stores
    /// should hold the same points, so what is not finite is left out.
    public static func values(of point: TrainingProgress) -> [(MetricName, Double)] {
        var values: [(MetricName, Double)] = [
            (.trainLoss, point.trainLoss), (.trainAccuracy, point.trainAccuracy), (.samplesPerSecond, point.samplesPerSecond),
        ]
        if let test = point.test {
            values += [(.testLoss, test.loss), (.testAccuracy, test.accuracy)]
            if let agreement = test.agreement { values.append((.testAgreement, agreement)) }
        }
        if let validation = point.validation {
            values += [(.validationLoss, validation.loss), (.validationAccuracy, validation.accuracy)]
        }
        return values.filter { $0.1.isFinite }
    }

    /// Progress points from a model's metric rows in row order. A point's values are
    /// written together, train_loss first; a point whose loss was not finite (not
    /// stored) starts where the step or sample count changes.
    public static func progress(_ rows: [MetricPoint], of model: ModelRecord) -> [TrainingProgress] {
        var points: [TrainingProgress] = []
        var group: [MetricName: Double] = [:]
        var first: MetricPoint?
        func close() {
            guard let first else { return }
            func evaluation(loss: MetricName, accuracy: MetricName, agreement: MetricName?) -> Evaluation? {
                guard let loss = group[loss], let accuracy = group[accuracy] else { return nil }
                return Evaluation(loss: loss, accuracy: accuracy, agreement: agreement.flatMap { group[$0] })
            }
            points.append(TrainingProgress(
                model: model.modelID, epoch: first.epoch, epochs: model.epochs, step: first.step,
                samplesSeen: first.samplesSeen, trainingTime: first.trainingSeconds,
                trainLoss: group[.trainLoss] ?? .nan, trainAccuracy: group[.trainAccuracy] ?? .nan,
                samplesPerSecond: group[.samplesPerSecond] ?? 0,
                test: evaluation(loss: .testLoss, accuracy: .testAccuracy, agreement: .testAgreement),
                validation: evaluation(loss: .validationLoss, accuracy: .validationAccuracy, agreement: nil)))
        }
        for row in rows {
            // A name this version does not know is kept in the store and left out here.
            guard let name = MetricName(rawValue: row.name) else { continue }
            if let current = first, name == .trainLoss || group[name] != nil
                || row.step != current.step || row.samplesSeen != current.samplesSeen {
                close()
                group = [:]
                first = nil
            }
            if first == nil { first = row }
            group[name] = row.value
        }
        close()
        return points
    }
}
