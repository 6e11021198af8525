/// Test (or validation) metrics of one model at one moment.
public struct Evaluation: Sendable, Equatable, Codable {
    /// Mean cross-entropy against the true labels.
    public var loss: Double
    public var accuracy: Double
    /// Fraction of samples on which the model's arg-max equals the mentor's; nil for
    /// the mentor itself.
    public var agreement: Double?

    public init(loss: Double, accuracy: Double, agreement: Double?) {
        self.loss = loss
        self.accuracy = accuracy
        self.agreement = agreement
    }
}

/// Batched inference over a labeled set: loss, accuracy, and each sample's predicted class.
package final class Evaluator {
    /// Samples per forward pass.
    package static let batchSize = 256
    let examples: LabeledSubset
    private let batchSize: Int
    private let input = FloatBuffer()
    private var rows: [Int32]
    private var labels: [UInt8]

    package init(_ examples: LabeledSubset, batchSize: Int = Evaluator.batchSize) {
        self.examples = examples
        // No larger than the set: a few large images must not reserve room for 256.
        let batchSize = max(1, min(batchSize, examples.count))
        self.batchSize = batchSize
        rows = Array(repeating: 0, count: batchSize)
        labels = Array(repeating: 0, count: batchSize)
    }

    /// Evaluates `network`; when `mentorPredictions` is given, also the agreement with them.
    func evaluate(_ network: Network, mentorPredictions: [UInt8]? = nil) -> (Evaluation, predictions: [UInt8]) {
        let x = input.reserve(batchSize * examples.images.shape.count)
        return evaluate(classes: network.classes, mentorPredictions: mentorPredictions) { start, count in
            for i in 0..<count { rows[i] = examples.rows[start + i] }
            rows.withUnsafeBufferPointer { examples.images.fill(x, rows: UnsafeBufferPointer(rebasing: $0[0..<count])) }
            return network.forward(x, batch: count, training: false)
        }
    }

    /// Evaluates logits given for every sample, in order (a mentor known by its outputs),
    /// batch by batch as a network's are, so the same logits give the same figures.
    func evaluate(logits: [Float], classes: Int) -> (Evaluation, predictions: [UInt8]) {
        precondition(logits.count == examples.count * classes, "one row of logits per sample")
        return logits.withUnsafeBufferPointer { all in
            evaluate(classes: classes, mentorPredictions: nil) { start, _ in all.baseAddress! + start * classes }
        }
    }

    /// `logitsOf(start, count)` gives the logits of the samples from `start` on.
    private func evaluate(classes: Int, mentorPredictions: [UInt8]?,
                          logitsOf: (Int, Int) -> UnsafePointer<Float>) -> (Evaluation, predictions: [UInt8]) {
        var predictions = [UInt8](repeating: 0, count: examples.count)
        var lossSum = 0.0
        var correct = 0
        var start = 0
        while start < examples.count {
            let count = min(batchSize, examples.count - start)
            for i in 0..<count { labels[i] = examples.labels[start + i] }
            let logits = logitsOf(start, count)
            let result = labels.withUnsafeBufferPointer {
                SoftmaxCrossEntropy.evaluate(logits: logits, labels: $0.baseAddress!, batch: count, classes: classes)
            }
            lossSum += result.loss * Double(count)
            correct += result.correct
            for i in 0..<count {
                predictions[start + i] = UInt8(argmax(logits + i * classes, count: classes))
            }
            start += count
        }
        let total = max(examples.count, 1)
        var agreement: Double?
        if let mentorPredictions {
            agreement = Double(zip(predictions, mentorPredictions).filter { $0 == $1 }.count) / Double(total)
        }
        return (Evaluation(loss: lossSum / Double(total), accuracy: Double(correct) / Double(total), agreement: agreement), predictions)
    }
}

/// Index of the largest value; the first one on ties.
@inline(__always)
func argmax(_ values: UnsafePointer<Float>, count: Int) -> Int {
    var best = 0
    for i in 1..<count where values[i] > values[best] { best = i }
    return best
}

extension Network {
    /// Test loss and accuracy of this network on a labeled set, by batched inference.
    public func evaluate(on set: LabeledSubset) -> Evaluation {
        Evaluator(set).evaluate(self).0
    }
}
