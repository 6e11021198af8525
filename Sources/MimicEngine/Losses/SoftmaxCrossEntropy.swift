import Foundation

/// Cross-entropy of softmax(logits) against integer labels: how the mentor learns from
/// the labeled split, and how every model is scored on the test set.
public enum SoftmaxCrossEntropy {
    /// The mean loss over a batch and how many arg-max predictions hit their label.
    public struct Evaluation: Equatable, Sendable {
        public var loss: Double
        public var correct: Int

        public init(loss: Double, correct: Int) {
            self.loss = loss
            self.correct = correct
        }
    }

    /// Mean cross-entropy over the batch. Writes dLoss/dLogits of that mean into
    /// `gradient` (batch x classes, row-major), so the gradient is already divided by batch.
    public static func lossAndGradient(
        logits: UnsafePointer<Float>, labels: UnsafePointer<UInt8>,
        batch: Int, classes: Int,
        gradient: UnsafeMutablePointer<Float>
    ) -> Double {
        guard batch > 0 else { return 0 }
        let perSample = 1.0 / Double(batch)
        var total = 0.0
        for i in 0..<batch {
            total += row(
                logits + i * classes, label: Int(labels[i]), classes: classes,
                scale: perSample, gradient: gradient + i * classes)
        }
        return total * perSample
    }

    /// The same loss without a gradient, for evaluation, with the count of correct
    /// arg-max predictions.
    public static func evaluate(
        logits: UnsafePointer<Float>, labels: UnsafePointer<UInt8>,
        batch: Int, classes: Int
    ) -> Evaluation {
        var total = 0.0
        var correct = 0
        for i in 0..<batch {
            let logitRow = logits + i * classes
            let label = Int(labels[i])
            precondition(label < classes, "label \(label) is not one of \(classes) classes")
            total += LogitRow.logSumExp(logitRow, count: classes, scale: 1) - Double(logitRow[label])
            if LogitRow.argMax(logitRow, count: classes) == label {
                correct += 1
            }
        }
        return Evaluation(loss: batch > 0 ? total / Double(batch) : 0, correct: correct)
    }

    /// One sample's loss; its gradient, times `scale`, goes to `gradient`. Shared with
    /// the mentor-label loss so the two can never drift apart.
    @inline(__always)
    static func row(
        _ logits: UnsafePointer<Float>, label: Int, classes: Int,
        scale: Double, gradient: UnsafeMutablePointer<Float>
    ) -> Double {
        precondition(label < classes, "label \(label) is not one of \(classes) classes")
        let logNormaliser = LogitRow.logSumExp(logits, count: classes, scale: 1)
        for k in 0..<classes {
            let probability = exp(Double(logits[k]) - logNormaliser)
            gradient[k] = Float((k == label ? probability - 1 : probability) * scale)
        }
        return logNormaliser - Double(logits[label])
    }
}
