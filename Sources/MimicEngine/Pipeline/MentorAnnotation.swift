/// The mentor's logits for every sample of the unlabeled pool, computed once after
/// the mentor is trained and shared by every student. Together with the pool they
/// are all a student ever learns from.
public final class MentorAnnotation: Sendable {
    /// Samples per forward pass of the annotation.
    public static let batchSize = 512
    public let classes: Int
    /// Row-major [pool count x classes].
    public let logits: [Float]

    public init(classes: Int, logits: [Float]) {
        self.classes = classes
        self.logits = logits
    }

    /// Batched inference of `mentor` over the whole pool.
    public convenience init(mentor: Network, pool: UnlabeledPool, batchSize: Int = MentorAnnotation.batchSize) {
        let classes = mentor.classes
        let batchSize = max(1, min(batchSize, pool.count))
        var logits = [Float](repeating: 0, count: pool.count * classes)
        let input = FloatBuffer(capacity: batchSize * pool.images.shape.count)
        var start = 0
        logits.withUnsafeMutableBufferPointer { out in
            pool.rows.withUnsafeBufferPointer { rows in
                while start < pool.count {
                    let count = min(batchSize, pool.count - start)
                    pool.images.fill(input.pointer, rows: UnsafeBufferPointer(rebasing: rows[start..<start + count]))
                    let y = mentor.forward(input.pointer, batch: count, training: false)
                    (out.baseAddress! + start * classes).update(from: y, count: count * classes)
                    start += count
                }
            }
        }
        self.init(classes: classes, logits: logits)
    }
}
