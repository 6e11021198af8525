import Foundation

/// How a student is pulled toward its mentor's outputs on unlabeled data. Every case
/// reads logits, never labels: the student's only teacher is the mentor.
public enum MimicLoss: String, CaseIterable, Sendable {
    /// Soft targets: T² · mean_i KL(softmax(t_i/T) ‖ softmax(z_i/T)) (Hinton et al. 2015).
    /// KL rather than the soft cross-entropy, so the loss reads 0 when the student has
    /// caught up; the two differ by the mentor's entropy, so their gradients agree. T²
    /// keeps the gradient's size roughly independent of T.
    case kd
    /// Regression on logits: mean_i ½ Σ_k (z_ik − t_ik)² (Ba & Caruana 2014). Summed over
    /// classes, halved, so one sample's gradient is simply z − t (then divided by batch).
    case mse
    /// Cross-entropy against the mentor's arg-max class, as if it were a label.
    case hard

    /// One line for --help and the report.
    public var summary: String {
        switch self {
        case .kd: "soft targets at temperature T (KL·T², Hinton 2015)"
        case .mse: "squared error on logits, ½Σ(z−t)² per sample (Ba & Caruana 2014)"
        case .hard: "cross-entropy on the mentor's arg-max class"
        }
    }

    /// Mean loss over the batch; dLoss/dStudentLogits of that mean goes to `gradient`
    /// (batch x classes, row-major). Only `kd` reads `temperature`.
    public func lossAndGradient(
        studentLogits: UnsafePointer<Float>, mentorLogits: UnsafePointer<Float>,
        batch: Int, classes: Int, temperature: Float,
        gradient: UnsafeMutablePointer<Float>
    ) -> Double {
        guard batch > 0 else { return 0 }
        let perSample = 1.0 / Double(batch)
        var total = 0.0
        switch self {
        case .kd:
            precondition(temperature > 0, "temperature must be positive, got \(temperature)")
            let t = Double(temperature)
            for i in 0..<batch {
                total += Self.softTargetRow(
                    student: studentLogits + i * classes, mentor: mentorLogits + i * classes,
                    classes: classes, temperature: t, scale: perSample,
                    gradient: gradient + i * classes)
            }
            total *= t * t
        case .mse:
            let step = Float(perSample)
            for i in 0..<batch {
                let z = studentLogits + i * classes
                let target = mentorLogits + i * classes
                let g = gradient + i * classes
                var squares = 0.0
                for k in 0..<classes {
                    let difference = z[k] - target[k]
                    squares += Double(difference) * Double(difference)
                    g[k] = difference * step
                }
                total += 0.5 * squares
            }
        case .hard:
            for i in 0..<batch {
                let target = mentorLogits + i * classes
                total += SoftmaxCrossEntropy.row(
                    studentLogits + i * classes,
                    label: LogitRow.argMax(target, count: classes), classes: classes,
                    scale: perSample, gradient: gradient + i * classes)
            }
        }
        return total * perSample
    }

    /// KL(p ‖ q) for one sample at temperature T, with p and q taken in log space so
    /// extreme logits never produce 0 · log 0. Writes T · (q − p) · scale: the gradient of
    /// T² · KL, since d(z/T)/dz brings a 1/T.
    @inline(__always)
    private static func softTargetRow(
        student: UnsafePointer<Float>, mentor: UnsafePointer<Float>,
        classes: Int, temperature: Double, scale: Double,
        gradient: UnsafeMutablePointer<Float>
    ) -> Double {
        let inverse = 1 / temperature
        let mentorNormaliser = LogitRow.logSumExp(mentor, count: classes, scale: inverse)
        let studentNormaliser = LogitRow.logSumExp(student, count: classes, scale: inverse)
        var divergence = 0.0
        for k in 0..<classes {
            let logP = inverse * Double(mentor[k]) - mentorNormaliser
            let logQ = inverse * Double(student[k]) - studentNormaliser
            let p = exp(logP)
            divergence += p * (logP - logQ)
            gradient[k] = Float(temperature * (exp(logQ) - p) * scale)
        }
        return divergence
    }
}
