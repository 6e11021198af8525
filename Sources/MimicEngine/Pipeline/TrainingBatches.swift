/// What a model learns from, one batch at a time. The trainer only shuffles
/// positions and asks for inputs and a loss; it never sees where targets come from.
package protocol TrainingBatches: AnyObject {
    var count: Int { get }
    var sampleShape: SampleShape { get }
    /// Writes the samples at `positions` (indices into this source) as Float, as they
    /// are to be seen in `epoch` (from 1; augmented sources draw anew each epoch).
    func fillInputs(_ input: UnsafeMutablePointer<Float>, positions: UnsafeBufferPointer<Int32>, epoch: Int)
    /// Mean loss of `logits` for those samples; writes dLoss/dLogits into `gradient`.
    /// `hits` counts correct labels, or agreements with the mentor for a student.
    func loss(logits: UnsafePointer<Float>, positions: UnsafeBufferPointer<Int32>, classes: Int,
              gradient: UnsafeMutablePointer<Float>) -> (loss: Double, hits: Int)
}

/// Labeled examples with cross-entropy on their labels: the mentor and the baselines,
/// augmented or not.
package final class SupervisedBatches: TrainingBatches {
    private let examples: LabeledSubset
    private let augmentation: Augmentation?
    private let seed: UInt64
    private let gather = RowGather()
    private var labels: [UInt8] = []

    package init(_ examples: LabeledSubset, augmentation: Augmentation? = nil, seed: UInt64 = 0) {
        self.examples = examples
        self.augmentation = augmentation
        self.seed = seed
    }

    package var count: Int { examples.count }
    package var sampleShape: SampleShape { examples.images.shape }

    package func fillInputs(_ input: UnsafeMutablePointer<Float>, positions: UnsafeBufferPointer<Int32>, epoch: Int) {
        gather.fill(input, from: examples.images, rows: examples.rows, positions: positions) { images, input, rows in
            if let augmentation {
                images.fill(input, rows: rows, augmentation: augmentation, seed: seed, epoch: epoch)
            } else {
                images.fill(input, rows: rows)
            }
        }
    }

    package func loss(logits: UnsafePointer<Float>, positions: UnsafeBufferPointer<Int32>, classes: Int,
                      gradient: UnsafeMutablePointer<Float>) -> (loss: Double, hits: Int) {
        let batch = positions.count
        if labels.count < batch { labels = Array(repeating: 0, count: batch) }
        for (i, position) in positions.enumerated() { labels[i] = examples.labels[Int(position)] }
        let loss = labels.withUnsafeBufferPointer {
            SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: $0.baseAddress!, batch: batch,
                                                classes: classes, gradient: gradient)
        }
        var hits = 0
        for i in 0..<batch where argmax(logits + i * classes, count: classes) == Int(labels[i]) { hits += 1 }
        return (loss, hits)
    }
}

/// The student's only source: unlabeled images and the mentor's logits for them.
/// It is built from an `UnlabeledPool`, a type that holds no labels, so no path from
/// here can reach one. Package-wide for the benchmark, which times the students' step.
package final class MimicBatches: TrainingBatches {
    private let pool: UnlabeledPool
    private let annotation: MentorAnnotation
    private let mimicLoss: MimicLoss
    private let temperature: Float
    private let gather = RowGather()
    private let targets = FloatBuffer()

    package init(pool: UnlabeledPool, annotation: MentorAnnotation, loss: MimicLoss, temperature: Float) {
        precondition(annotation.logits.count == pool.count * annotation.classes, "annotation does not cover the pool")
        self.pool = pool
        self.annotation = annotation
        mimicLoss = loss
        self.temperature = temperature
    }

    package var count: Int { pool.count }
    package var sampleShape: SampleShape { pool.images.shape }

    package func fillInputs(_ input: UnsafeMutablePointer<Float>, positions: UnsafeBufferPointer<Int32>, epoch: Int) {
        gather.fill(input, from: pool.images, rows: pool.rows, positions: positions)
    }

    package func loss(logits: UnsafePointer<Float>, positions: UnsafeBufferPointer<Int32>, classes: Int,
              gradient: UnsafeMutablePointer<Float>) -> (loss: Double, hits: Int) {
        let batch = positions.count
        let mentor = targets.reserve(batch * classes)
        annotation.logits.withUnsafeBufferPointer { all in
            for (i, position) in positions.enumerated() {
                (mentor + i * classes).update(from: all.baseAddress! + Int(position) * classes, count: classes)
            }
        }
        let loss = mimicLoss.lossAndGradient(studentLogits: logits, mentorLogits: mentor, batch: batch,
                                             classes: classes, temperature: temperature, gradient: gradient)
        var hits = 0
        for i in 0..<batch
        where argmax(logits + i * classes, count: classes) == argmax(mentor + i * classes, count: classes) {
            hits += 1
        }
        return (loss, hits)
    }
}

/// Turns a batch's positions (indices into a subset) into the image table's rows and
/// writes those images as Float, reusing one scratch array from batch to batch.
final class RowGather {
    private var rows: [Int32] = []

    /// `write` turns the table's rows into floats: `ImageTable.fill` unless told otherwise.
    func fill(_ input: UnsafeMutablePointer<Float>, from images: ImageTable, rows subsetRows: [Int32],
              positions: UnsafeBufferPointer<Int32>,
              write: (ImageTable, UnsafeMutablePointer<Float>, UnsafeBufferPointer<Int32>) -> Void = { $0.fill($1, rows: $2) }) {
        if rows.count < positions.count { rows = Array(repeating: 0, count: positions.count) }
        for (i, position) in positions.enumerated() { rows[i] = subsetRows[Int(position)] }
        rows.withUnsafeBufferPointer {
            write(images, input, UnsafeBufferPointer(rebasing: $0[0..<positions.count]))
        }
    }
}
